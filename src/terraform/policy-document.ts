import { parseJson } from '../parse/json.js';
import type { SourceNode } from '../parse/nodes.js';
import type { SourceFile } from '../parse/source-file.js';
import { blockObject, type Env, type ModuleScope } from './evaluate.js';
import type { Unchecked } from './unchecked.js';
import { blocks, describe, get, getEntry, keyText, knownString, scalar, unknown, type Loc, type ObjectEntry, type Value } from './values.js';

const rendering = new Set<string>();

/**
 * `data "aws_iam_policy_document"` rendered as the provider does: statements with `sid`, `effect`
 * (default Allow), `actions`/`not_actions`, `resources`/`not_resources`, `principals`/`not_principals`
 * (`type = "*"` is `"Principal": "*"`, `type = "AWS", identifiers = ["*"]` is `{"AWS": "*"}`),
 * `condition` blocks, and `source_policy_documents`/`override_policy_documents` merged by sid
 * (statements without a sid are never merged away). Every element keeps the line it is written on.
 */
export function renderPolicyDocument(scope: ModuleScope, address: string, unchecked: Unchecked[]): Value {
  const cached = scope.policyDocuments.get(address);
  if (cached !== undefined) return cached;
  const declared = scope.data.get(address)!;
  const loc: Loc = { file: declared.file, start: declared.block.start, end: declared.block.end };
  if (rendering.has(address)) return unknown(`${address} includes itself`, loc);
  rendering.add(address);
  try {
    const env: Env = { scope, file: declared.file, depth: 0 };
    const body = blockObject(declared.block, env);
    const own: Value[] = [];
    for (const statement of blocks(body, 'statement')) {
      if (statement.k === 'object' && statement.unknownInstance !== undefined) {
        // Statements from a dynamic block over a collection not known before apply: not guessed.
        unchecked.push({ ...where(statement.loc), resource: address, message: `${address} builds statements from ${statement.unknownInstance.replace(/^for_each over /, '')}; those statements are not checked.` });
        continue;
      }
      own.push(renderStatement(statement));
    }
    let statements: Value[] = [];
    let unresolved: Value | undefined;
    const documentsOf = (key: string): Value[] => {
      const list = get(body, key);
      if (list === undefined) return [];
      if (list.k !== 'list') {
        unresolved ??= list;
        return [];
      }
      return list.items;
    };
    for (const source of documentsOf('source_policy_documents')) {
      const sourceStatements = statementsOf(source);
      if (sourceStatements === undefined) unresolved ??= source;
      else statements = mergeBySid(statements, sourceStatements);
    }
    statements = mergeBySid(statements, own);
    for (const override of documentsOf('override_policy_documents')) {
      const overrideStatements = statementsOf(override);
      if (overrideStatements === undefined) unresolved ??= override;
      else statements = mergeBySid(statements, overrideStatements);
    }
    if (unresolved !== undefined) {
      unchecked.push({
        ...where(unresolved.loc),
        resource: address,
        message: `${address} merges a policy document not known before apply (${describe(unresolved)}); the statements it adds are not checked.`,
      });
    }
    const version = get(body, 'version') ?? scalar('2012-10-17', loc);
    const entries: ObjectEntry[] = [{ key: 'Version', keyLoc: getEntry(body, 'version')?.keyLoc ?? loc, value: version }];
    if (get(body, 'policy_id') !== undefined) entries.push({ key: 'Id', keyLoc: getEntry(body, 'policy_id')!.keyLoc, value: get(body, 'policy_id')! });
    entries.push({ key: 'Statement', keyLoc: getEntry(body, 'statement')?.keyLoc ?? loc, value: { k: 'list', items: statements, loc } });
    const document: Value = { k: 'object', entries, loc };
    scope.policyDocuments.set(address, document);
    return document;
  } finally {
    rendering.delete(address);
  }
}

function where(loc: Loc): { file: SourceFile; start: number; end: number } {
  return { file: loc.file, start: loc.start, end: loc.end };
}

function statementsOf(document: Value): Value[] | undefined {
  const normalised = policyValue(document);
  if (normalised.k !== 'object') return undefined;
  const list = get(normalised, 'Statement');
  if (list?.k === 'list') return list.items;
  if (list?.k === 'object') return [list];
  return undefined;
}

/** Statements of `later` replace those of `base` with the same non-empty sid; the others are appended. */
function mergeBySid(base: Value[], later: Value[]): Value[] {
  const out = [...base];
  for (const statement of later) {
    const sid = knownString(get(statement, 'Sid'));
    const index = sid === undefined || sid === '' ? -1 : out.findIndex((existing) => knownString(get(existing, 'Sid')) === sid);
    if (index >= 0) out[index] = statement;
    else out.push(statement);
  }
  return out;
}

function renderStatement(statement: Value): Value {
  const loc = statement.loc;
  const entries: ObjectEntry[] = [];
  const copy = (from: string, to: string) => {
    const entry = getEntry(statement, from);
    if (entry !== undefined && !(entry.value.k === 'scalar' && entry.value.v === null)) entries.push({ key: to, keyLoc: entry.keyLoc, value: entry.value });
  };
  copy('sid', 'Sid');
  const effect = getEntry(statement, 'effect');
  entries.push({ key: 'Effect', keyLoc: effect?.keyLoc ?? loc, value: effect?.value ?? scalar('Allow', { ...loc, end: loc.start }) });
  copy('actions', 'Action');
  copy('not_actions', 'NotAction');
  copy('resources', 'Resource');
  copy('not_resources', 'NotResource');
  for (const [from, to] of [
    ['principals', 'Principal'],
    ['not_principals', 'NotPrincipal'],
  ] as const) {
    // A dynamic principals block over a collection not known before apply is not guessed into a principal.
    const items = blocks(statement, from).filter((item) => !(item.k === 'object' && item.unknownInstance !== undefined));
    if (items.length > 0) entries.push({ key: to, keyLoc: getEntry(statement, from)!.keyLoc, value: renderPrincipals(items) });
  }
  const conditions = blocks(statement, 'condition').filter((item) => !(item.k === 'object' && item.unknownInstance !== undefined));
  if (conditions.length > 0) entries.push({ key: 'Condition', keyLoc: getEntry(statement, 'condition')!.keyLoc, value: renderConditions(conditions) });
  return { k: 'object', entries, loc };
}

function renderPrincipals(items: Value[]): Value {
  const loc = items[0]!.loc;
  const byType = new Map<string, ObjectEntry>();
  for (const item of items) {
    const typeEntry = getEntry(item, 'type');
    const type = keyText(typeEntry?.value);
    const identifiers = get(item, 'identifiers') ?? unknown('principals without identifiers', item.loc);
    if (type === undefined) return unknown(`a principal type not known before apply (${typeEntry === undefined ? 'missing' : describe(typeEntry.value)})`, item.loc);
    // `type = "*"` renders the bare wildcard principal, whatever the identifiers say.
    if (type === '*') return scalar('*', identifiers.loc);
    const existing = byType.get(type);
    if (existing === undefined) byType.set(type, { key: type, keyLoc: typeEntry!.value.loc, value: identifiers });
    else existing.value = joinLists(existing.value, identifiers);
  }
  return { k: 'object', entries: [...byType.values()], loc };
}

function renderConditions(items: Value[]): Value {
  const loc = items[0]!.loc;
  const byTest = new Map<string, ObjectEntry>();
  for (const item of items) {
    const testEntry = getEntry(item, 'test');
    const variableEntry = getEntry(item, 'variable');
    const test = keyText(testEntry?.value);
    const variable = keyText(variableEntry?.value) ?? placeholderKey(variableEntry?.value);
    const values = get(item, 'values') ?? unknown('condition without values', item.loc);
    if (test === undefined || variable === undefined) return unknown('a condition whose test or variable is not known before apply', item.loc);
    let operator = byTest.get(test);
    if (operator === undefined) byTest.set(test, (operator = { key: test, keyLoc: testEntry!.value.loc, value: { k: 'object', entries: [], loc: item.loc } }));
    if (operator.value.k === 'object') operator.value.entries.push({ key: variable, keyLoc: variableEntry!.value.loc, value: values });
  }
  return { k: 'object', entries: [...byTest.values()], loc };
}

/**
 * A condition key written as a template with parts not known before apply
 * (`"${local.provider}:aud"`): the known text with each unknown part as a `${…}` placeholder naming what
 * is written there, as a CloudFormation Fn::Sub key reads. Rules read such a key as not known: never an
 * invalid key, and `${…}:sub` a claim of the provider the principal leaves unknown. `undefined` for
 * anything but such a template.
 */
function placeholderKey(value: Value | undefined): string | undefined {
  if (value?.k !== 'concat') return undefined;
  let text = '';
  for (const part of value.parts) {
    const known = keyText(part);
    if (known !== undefined) text += known;
    else text += '${' + (part.loc.file.text.slice(part.loc.start, part.loc.end).replace(/[${}\s]/g, '').slice(0, 80) || 'unknown') + '}';
  }
  return text;
}

function joinLists(a: Value, b: Value): Value {
  const items = (value: Value) => (value.k === 'list' ? value.items : [value]);
  return { k: 'list', items: [...items(a), ...items(b)], loc: a.loc };
}

/**
 * A policy attribute as a document: an object as written (jsonencode), JSON text (heredoc, file())
 * parsed with every node at its line, conditionals branch by branch. What is only known at apply is
 * returned as it is; the caller reports it as not checked.
 */
export function policyValue(value: Value): Value {
  switch (value.k) {
    case 'object':
      return value;
    case 'cond':
      return { ...value, whenTrue: policyValue(value.whenTrue), whenFalse: policyValue(value.whenFalse) };
    case 'scalar': {
      if (typeof value.v !== 'string') return value;
      if (value.v.trim() === '') return { k: 'absent', loc: value.loc };
      const parsed = parseJson(value.v);
      const place = placement(value);
      if (!parsed.ok) return unknown(`the policy is not valid JSON (${parsed.problem.message})`, place(parsed.problem.offset, parsed.problem.offset));
      return fromJson(parsed.root, value.loc, place, []);
    }
    case 'concat': {
      if (value.heredoc === undefined) return unknown(`the policy is built from text not known before apply (${describe(value)})`, value.loc);
      const { contentStart, contentEnd, interpolations } = value.heredoc;
      const file = value.loc.file;
      const parsed = parseJson(file.text.slice(contentStart, contentEnd));
      if (!parsed.ok) return unknown('the policy JSON is built with interpolations outside strings and is not evaluated', value.loc);
      return fromJson(parsed.root, { file, start: contentStart, end: contentEnd }, (start, end) => ({ file, start: contentStart + start, end: contentStart + end }), interpolations);
    }
    default:
      return value;
  }
}

/** Where the characters `start`–`end` of a JSON text are written in the file. */
type Placement = (start: number, end: number) => Loc;

/**
 * Where a string's characters are written: piece by piece where the text is the file's own (a heredoc
 * or a file read as it is: one piece; a heredoc built with directives: each text where it stands, each
 * interpolated value on its `${…}`), or else all on the whole string.
 */
function placement(value: Extract<Value, { k: 'scalar' }>): Placement {
  const { loc, places } = value;
  if (places === undefined || places.length === 0) return () => loc;
  // The piece holding the character at `offset`: the last one starting at or before it.
  const pieceAt = (offset: number) => {
    let low = 0;
    let high = places.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (places[middle]!.at <= offset) low = middle;
      else high = middle - 1;
    }
    return places[low]!;
  };
  return (start, end) => {
    const first = pieceAt(start);
    const last = pieceAt(Math.max(start, end - 1));
    if (first.file !== loc.file || last.file !== loc.file) return loc;
    const from = first.exact ? first.start + (start - first.at) : first.start;
    const to = last.exact ? last.start + (end - last.at) : last.end;
    return { file: loc.file, start: from, end: Math.max(from, to) };
  };
}

/**
 * A JSON tree as values, each node placed by `place`. JSON strings holding `${…}` of a heredoc
 * become concatenations of their text and the interpolated values.
 */
function fromJson(node: SourceNode, base: Loc, place: Placement, interpolations: { start: number; end: number; value: Value }[]): Value {
  const loc: Loc = place(node.start, node.end);
  switch (node.kind) {
    case 'scalar': {
      if (typeof node.value === 'string' && interpolations.length > 0) {
        const inside = interpolations.filter((interpolation) => interpolation.start >= loc.start && interpolation.end <= loc.end);
        if (inside.length > 0) {
          const parts: Value[] = [];
          let cursor = loc.start + 1;
          for (const interpolation of inside) {
            if (interpolation.start > cursor) parts.push(scalar(base.file.text.slice(cursor, interpolation.start), { file: base.file, start: cursor, end: interpolation.start }));
            parts.push(interpolation.value);
            cursor = interpolation.end;
          }
          if (loc.end - 1 > cursor) parts.push(scalar(base.file.text.slice(cursor, loc.end - 1), { file: base.file, start: cursor, end: loc.end - 1 }));
          return parts.length === 1 ? parts[0]! : { k: 'concat', parts, loc };
        }
      }
      return scalar(node.value, loc);
    }
    case 'seq':
      return { k: 'list', items: node.items.map((item) => fromJson(item, base, place, interpolations)), loc };
    case 'map':
      return {
        k: 'object',
        entries: node.entries.map((entry) => ({
          key: String(entry.key.value),
          keyLoc: place(entry.key.start, entry.key.end),
          value: fromJson(entry.value, base, place, interpolations),
        })),
        loc,
      };
  }
}
