import { posix } from 'node:path';
import type { SourceFile } from '../parse/source-file.js';
import type { Block, Body, Expr, Span, TemplatePart } from './hcl.js';
import { concrete, decided as decidedValue, failed, get, isFailed, isKnown, knownString, plain, scalar, unknown, weightOf, type Loc, type ObjectEntry, type TextPlace, type Value, writtenAt } from './values.js';

/** A declared block of the module: where it is and in which file. */
export interface Declared {
  block: Block;
  file: SourceFile;
}

export interface VariableDecl extends Declared {
  name: string;
  /** From terraform.tfvars / *.auto.tfvars, when set there. */
  tfvar?: { expr: Expr; file: SourceFile };
  /** The argument of the module call that instantiates this module, evaluated where the call is written. */
  input?: { expr: Expr; env: Env };
}

/** What the module declares, indexed by name; filled by module.ts. */
export interface ModuleScope {
  dir: string;
  /** `` for the module scanned, `module.net.` for a local module it calls (addresses and parameters carry it). */
  prefix: string;
  /** Local modules called from this one and read with the caller's inputs, by call name. */
  children: Map<string, ModuleScope>;
  outputs: Map<string, { expr: Expr; file: SourceFile }>;
  /** Values of locals and variables, computed once: they depend on nothing but the module. */
  valueCache?: Map<string, Value>;
  /** Instances of resources with a known count or for_each (`null`: one instance stands for all). */
  instances: Map<string, ResourceInstance[] | null>;
  variables: Map<string, VariableDecl>;
  locals: Map<string, { expr: Expr; file: SourceFile }>;
  /** `aws_iam_role.app` → its block. */
  resources: Map<string, Declared & { type: string; name: string }>;
  /** `data.aws_iam_policy_document.x` → its block. */
  data: Map<string, Declared & { type: string; name: string }>;
  modules: Map<string, Declared & { name: string }>;
  /** Other files of the input set, for file() and templatefile(). */
  readFile(path: string): SourceFile | undefined;
  /** Rendered aws_iam_policy_document values, computed on first use. */
  policyDocuments: Map<string, Value>;
  renderPolicyDocument(address: string): Value;
  /** Scalar variables become template parameters (Ref with Default), so findings point at the use. */
  parameters: Map<string, { name: string; loc: Loc; default?: Value; source?: string }>;
}

/** Bindings of the expression being evaluated: the file it is written in and iterator symbols. */
export interface Env {
  scope: ModuleScope;
  file: SourceFile;
  symbols?: Map<string, Value>;
  depth: number;
}

const MAX_DEPTH = 64;
/** Lists built by evaluation (concat, range, for) are cut here: bounded memory on hostile input. */
const MAX_ITEMS = 1000;

export function at(env: Env, span: Span): Loc {
  return { file: env.file, start: span.start, end: span.end };
}

/** A value that would expand past this (characters and nodes) is not evaluated: a "billion laughs" of locals. */
const MAX_VALUE_WEIGHT = 1_000_000;

/**
 * A value past {@link MAX_VALUE_WEIGHT} becomes unknown. Checked where a value can outgrow the text it is
 * written in: a local (what a doubling chain goes through), a template, a function's result.
 */
function bounded(value: Value, loc: Loc): Value {
  if (value.k === 'unknown' || value.k === 'scalar' && (typeof value.v !== 'string' || value.v.length <= MAX_VALUE_WEIGHT)) return value;
  if (value.k !== 'scalar' && weightOf(value) <= MAX_VALUE_WEIGHT) return value;
  return unknown(`a value that expands to more than ${MAX_VALUE_WEIGHT.toLocaleString('en')} characters is not evaluated`, loc);
}

export function evaluate(expr: Expr, env: Env): Value {
  if (env.depth > MAX_DEPTH) return unknown('expressions nested too deeply', at(env, expr));
  const inner: Env = { ...env, depth: env.depth + 1 };
  const loc = at(env, expr);
  switch (expr.t) {
    case 'lit':
      return scalar(expr.value, loc);
    case 'template':
      return evaluateTemplate(expr, inner);
    case 'tuple':
      return { k: 'list', items: expr.items.slice(0, MAX_ITEMS).map((item) => evaluate(item, inner)), loc };
    case 'object': {
      const entries: ObjectEntry[] = [];
      for (const entry of expr.entries) {
        const key = objectKey(entry.key, inner);
        if (key === undefined) return unknown('an object key is not known before apply', loc);
        entries.push({ key, keyLoc: at(env, entry.key), value: evaluate(entry.value, inner) });
      }
      return { k: 'object', entries, loc };
    }
    case 'var':
    case 'attr':
    case 'index':
    case 'splat':
      return evaluateTraversal(expr, inner);
    case 'call':
      return bounded(callFunction(expr, inner), loc);
    case 'cond': {
      const condition = decidedValue(evaluate(expr.condition, inner));
      if (isFailed(condition)) return { ...condition, loc };
      const decided = condition.k === 'scalar' && typeof condition.v === 'boolean' ? condition.v : undefined;
      if (decided === true) return evaluate(expr.whenTrue, inner);
      if (decided === false) return evaluate(expr.whenFalse, inner);
      return { k: 'cond', whenTrue: evaluate(expr.whenTrue, inner), whenFalse: evaluate(expr.whenFalse, inner), loc };
    }
    case 'binary':
      return binary(expr.op, decidedValue(evaluate(expr.left, inner)), decidedValue(evaluate(expr.right, inner)), loc);
    case 'unary': {
      const operand = decidedValue(evaluate(expr.operand, inner));
      if (operand.k !== 'scalar') return unknown(`${expr.op} of a value not known before apply`, loc);
      if (expr.op === '!' && typeof operand.v === 'boolean') return scalar(!operand.v, loc);
      if (expr.op === '-' && typeof operand.v === 'number') return scalar(-operand.v, loc);
      return unknown(`${expr.op} of ${typeof operand.v}`, loc);
    }
    case 'for':
      return bounded(evaluateFor(expr, concrete(evaluate(expr.collection, inner)), inner), loc);
    case 'error':
      return unknown('an expression that did not parse', loc);
  }
}

/** Object keys: a bare identifier is the key itself; anything else is evaluated. */
function objectKey(expr: Expr, env: Env): string | undefined {
  if (expr.t === 'var') return expr.name;
  const value = evaluate(expr, env);
  return value.k === 'scalar' && value.v !== null ? String(value.v) : undefined;
}

/**
 * `[for k, v in coll : value if cond]` and `{for k, v in coll : key => value... if cond}` over a known list or
 * map (a map in key order, as Terraform iterates it); a conditional collection gives both results. An
 * element whose condition is not known is kept (judged as if it were there); a collection not known
 * before apply gives an unknown value.
 */
function evaluateFor(expr: Extract<Expr, { t: 'for' }>, collection: Value, env: Env): Value {
  const loc = at(env, expr);
  if (collection.k === 'cond') return { k: 'cond', whenTrue: evaluateFor(expr, concrete(collection.whenTrue), env), whenFalse: evaluateFor(expr, concrete(collection.whenFalse), env), loc };
  if (isFailed(collection)) return { ...collection, loc };
  if (collection.k === 'absent' || (collection.k === 'scalar' && collection.v === null)) return failed('a for expression over null', loc);
  if (collection.k !== 'list' && collection.k !== 'object') return unknown(`a for expression over ${collection.k === 'unknown' ? collection.reason : describeKind(collection)}`, loc);
  const elements: [Value, Value][] =
    collection.k === 'list'
      ? collection.items.map((item, index) => [scalar(index, item.loc), item])
      : [...collection.entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((entry) => [scalar(entry.key, entry.keyLoc), entry.value]);
  const items: Value[] = [];
  const entries: ObjectEntry[] = [];
  // Counted as it is built: a for inside a for multiplies (bounded memory on hostile input).
  let weight = 0;
  for (const [key, value] of elements.slice(0, MAX_ITEMS)) {
    if (weight > MAX_VALUE_WEIGHT) return unknown(`a for expression that expands to more than ${MAX_VALUE_WEIGHT.toLocaleString('en')} characters is not evaluated`, loc);
    const symbols = new Map(env.symbols ?? []);
    if (expr.keyVar !== undefined) symbols.set(expr.keyVar, key);
    symbols.set(expr.valueVar, value);
    const inner: Env = { ...env, symbols };
    if (expr.cond !== undefined) {
      const keep = decidedValue(evaluate(expr.cond, inner));
      if (isFailed(keep)) return { ...keep, loc };
      if (keep.k === 'scalar' && keep.v === false) continue;
    }
    const result = evaluate(expr.value, inner);
    weight += weightOf(result);
    if (!expr.object || expr.key === undefined) {
      items.push(result);
      continue;
    }
    const keyValue = concrete(evaluate(expr.key, inner));
    if (keyValue.k !== 'scalar' || keyValue.v === null) return isFailed(keyValue) ? { ...keyValue, loc } : unknown('a for expression whose keys are not known before apply', loc);
    const name = String(keyValue.v);
    const existing = entries.find((entry) => entry.key === name);
    if (expr.group) {
      if (existing !== undefined && existing.value.k === 'list') existing.value.items.push(result);
      else entries.push({ key: name, keyLoc: keyValue.loc, value: { k: 'list', items: [result], loc: result.loc } });
    } else if (existing !== undefined) {
      return failed(`a for expression gives the key "${name}" twice (without ... to group them)`, loc);
    } else entries.push({ key: name, keyLoc: keyValue.loc, value: result });
  }
  return expr.object ? { k: 'object', entries, loc } : { k: 'list', items, loc };
}

/** Parts a template expands to: at most this many (a `%{ for }` inside a `%{ for }` multiplies). */
const MAX_TEMPLATE_PARTS = 10_000;

/**
 * The values of a template's parts in order: text, interpolations, and what `%{ for }` (one pass per element
 * of a known collection) and `%{ if }` (the branch of a known condition, else both as a conditional)
 * expand to. `false` when the expansion passes {@link MAX_TEMPLATE_PARTS}. `places` gets, for each value,
 * the span of the template it comes from (a text, a `${…}`, a directive), to map the text back to the file.
 */
function templateValues(parts: readonly TemplatePart[], env: Env, out: Value[], depth: number, places: Span[] = []): boolean {
  const push = (value: Value, place: Span) => {
    out.push(value);
    places.push(place);
  };
  if (depth > MAX_DEPTH) {
    push(unknown('template directives nested too deeply', at(env, parts[0] ?? { start: 0, end: 0 })), parts[0] ?? { start: 0, end: 0 });
    return true;
  }
  for (const part of parts) {
    if (out.length > MAX_TEMPLATE_PARTS) return false;
    if (part.t === 'text') push(scalar(part.text, at(env, part)), part);
    else if (part.t === 'interp') {
      const value = evaluate(part.expr, env);
      const use = at(env, part.expr);
      // Null interpolated into a template is an error in Terraform, not "": that part is not known.
      const wrong = interpolationError(value);
      if (wrong !== undefined) push(failed(`${sourceText(use)} is ${wrong}, which cannot be interpolated into a string`, use), part);
      // What is not known is not known where it is used: the interpolation is its place.
      else push(value.k === 'unknown' ? { ...value, loc: use } : value, part);
    } else if (part.t === 'for') {
      const collection = concrete(evaluate(part.collection, env));
      const loc = at(env, part);
      if (collection.k !== 'list' && collection.k !== 'object') {
        push(isFailed(collection) ? { ...collection, loc } : unknown(`a %{ for } over ${collection.k === 'unknown' ? collection.reason : describeKind(collection)}`, loc), part);
        continue;
      }
      const elements: [Value, Value][] =
        collection.k === 'list'
          ? collection.items.map((item, index) => [scalar(index, item.loc), item])
          : [...collection.entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((entry) => [scalar(entry.key, entry.keyLoc), entry.value]);
      for (const [key, value] of elements.slice(0, MAX_ITEMS)) {
        const symbols = new Map(env.symbols ?? []);
        if (part.keyVar !== undefined) symbols.set(part.keyVar, key);
        symbols.set(part.valueVar, value);
        if (!templateValues(part.body, { ...env, symbols }, out, depth + 1, places)) return false;
      }
    } else {
      const condition = decidedValue(evaluate(part.condition, env));
      if (condition.k === 'scalar' && typeof condition.v === 'boolean') {
        if (!templateValues(condition.v ? part.then : part.else, env, out, depth + 1, places)) return false;
      } else if (isFailed(condition)) push({ ...condition, loc: at(env, part) }, part);
      else {
        // Both branches are judged, as for cond ? a : b.
        const branch = (branchParts: readonly TemplatePart[]): Value | undefined => {
          const values: Value[] = [];
          return templateValues(branchParts, env, values, depth + 1) ? joinParts(values, at(env, part)) : undefined;
        };
        const whenTrue = branch(part.then);
        const whenFalse = branch(part.else);
        if (whenTrue === undefined || whenFalse === undefined) return false;
        push({ k: 'cond', whenTrue, whenFalse, loc: at(env, part) }, part);
      }
    }
  }
  return true;
}

function evaluateTemplate(expr: Extract<Expr, { t: 'template' }>, env: Env): Value {
  const loc = at(env, expr);
  // `"${x}"` is x itself (Terraform keeps its type): a reference stays a reference, null stays null.
  if (expr.parts.length === 1 && expr.parts[0]!.t === 'interp') return evaluate(expr.parts[0]!.expr, env);
  const parts: Value[] = [];
  const places: Span[] = [];
  if (!templateValues(expr.parts, env, parts, 0, places)) return unknown(`a template that expands to more than ${MAX_TEMPLATE_PARTS.toLocaleString('en')} parts is not evaluated`, loc);
  if (parts.length === 0) return scalar('', loc);
  if (parts.every((part) => part.k === 'scalar')) {
    // Counted before it is built: a template of templates can double its length at every local.
    if (parts.reduce((sum, part) => sum + (part.k === 'scalar' && typeof part.v === 'string' ? part.v.length : 1), 0) > MAX_VALUE_WEIGHT) return unknown(`a string longer than ${MAX_VALUE_WEIGHT.toLocaleString('en')} characters is not evaluated`, loc);
    const text = parts.map((part) => (part.k === 'scalar' ? stringOf(part.v) : '')).join('');
    const value = scalar(text, loc);
    // The text is exactly the file's slice (a heredoc without escapes): JSON inside maps back exactly.
    if (expr.heredoc && !expr.directive && expr.parts.length === 1 && env.file.text.slice(expr.parts[0]!.start, expr.parts[0]!.end) === text) {
      const written = at(env, expr.parts[0]!);
      return { k: 'scalar', v: text, loc: written, places: writtenAt(written) };
    }
    // A heredoc with directives: each piece of its text is placed where it is written, so JSON inside
    // it (a policy built with %{ for }) has its statements on their own lines.
    if (expr.heredoc && expr.directive) return { k: 'scalar', v: text, loc, places: textPlaces(parts, places, env) };
    return value;
  }
  const concat: Value = { k: 'concat', parts, loc };
  // A heredoc's JSON is read from its text with the interpolations where they stand; with directives the
  // text is not the file's, and JSON built that way stays unknown unless every part is known (above).
  if (expr.heredoc && !expr.directive) {
    const first = expr.parts[0]!;
    const last = expr.parts[expr.parts.length - 1]!;
    concat.heredoc = {
      contentStart: first.start,
      contentEnd: last.end,
      interpolations: expr.parts.flatMap((part, index) => (part.t === 'interp' ? [{ start: part.start, end: part.end, value: parts[index]! }] : [])),
    };
  }
  return concat;
}

/**
 * Where each piece of a template's text is written: a text the file holds as it is (less what a strip
 * marker took off) maps character by character; an interpolated value or an escaped text sits on its
 * `${…}` or text as a whole.
 */
function textPlaces(parts: readonly Value[], places: readonly Span[], env: Env): TextPlace[] {
  const out: TextPlace[] = [];
  let offset = 0;
  parts.forEach((part, index) => {
    const text = part.k === 'scalar' ? stringOf(part.v) : '';
    const place = places[index]!;
    const written = env.file.text.slice(place.start, place.end);
    const within = text === '' ? -1 : written.indexOf(text);
    out.push(within >= 0 ? { at: offset, file: env.file, start: place.start + within, end: place.start + within + text.length, exact: true } : { at: offset, file: env.file, start: place.start, end: place.end, exact: false });
    offset += text.length;
  });
  return out;
}

/** What Terraform refuses to interpolate into a string (null, a list, an object), or `undefined`. */
function interpolationError(value: Value): string | undefined {
  const resolved = concrete(value);
  if (resolved.k === 'absent' || (resolved.k === 'scalar' && resolved.v === null)) return 'null';
  if (resolved.k === 'list') return 'a list';
  if (resolved.k === 'object') return 'an object';
  return undefined;
}

/**
 * Parts Terraform refuses in a string (null, a list, an object) become failures where they are: the
 * string keeps its known text but is never complete, and try() moves past it.
 */
function markFailures(parts: Value[]): void {
  parts.forEach((part, index) => {
    const wrong = interpolationError(part);
    if (wrong !== undefined) parts[index] = failed(`${wrong} cannot be joined into a string`, part.loc);
  });
}

/** The expression as written, for messages (one line, bounded). */
function sourceText(loc: Loc): string {
  const text = loc.file.text.slice(loc.start, Math.min(loc.end, loc.start + 80)).replace(/\s+/g, ' ');
  return loc.end - loc.start > 80 ? `${text}…` : text;
}

function stringOf(value: string | number | boolean | null): string {
  return value === null ? '' : String(value);
}

/** A root symbol followed by attribute/index steps. */
function evaluateTraversal(expr: Expr, env: Env): Value {
  const steps: Expr[] = [];
  let root: Expr = expr;
  while (root.t === 'attr' || root.t === 'index' || root.t === 'splat') {
    steps.unshift(root);
    root = root.object;
  }
  const loc = at(env, expr);
  if (root.t !== 'var') {
    return applySteps(evaluate(root, env), steps, env, loc);
  }
  const name = root.name;
  const symbol = env.symbols?.get(name);
  if (symbol !== undefined) return applySteps(symbol, steps, env, loc);
  const attrName = (index: number): string | undefined => {
    const step = steps[index];
    return step?.t === 'attr' ? step.name : undefined;
  };
  switch (name) {
    case 'var': {
      const variable = attrName(0);
      if (variable === undefined) return unknown('var without a name', loc);
      return applySteps(variableValue(variable, env, at(env, { start: root.start, end: steps[0]!.end })), steps.slice(1), env, loc);
    }
    case 'local': {
      const local = attrName(0);
      if (local === undefined) return unknown('local without a name', loc);
      return applySteps(localValue(local, env, loc), steps.slice(1), env, loc);
    }
    case 'count':
      return unknown('count.index (one instance stands for every instance)', loc);
    case 'each':
      return unknown(`each.${attrName(0) ?? ''} of a for_each not known before apply`, loc);
    case 'path':
      return attrName(0) === 'module' || attrName(0) === 'root' || attrName(0) === 'cwd' ? scalar('.', loc) : unknown('path value', loc);
    case 'terraform':
      return unknown('terraform.workspace', loc);
    case 'self':
      return unknown('self', loc);
    case 'module': {
      const module = attrName(0);
      const output = attrName(1);
      const child = module === undefined ? undefined : env.scope.children.get(module);
      const declared = output === undefined ? undefined : child?.outputs.get(output);
      if (child === undefined || declared === undefined) return unknown(`output ${output ?? '?'} of module ${module ?? '?'} (a module trustgate does not read)`, loc);
      return applySteps(outputValue(child, output!, declared, env), steps.slice(2), env, loc);
    }
    case 'data': {
      const type = attrName(0);
      const dataName = attrName(1);
      if (type === undefined || dataName === undefined) return unknown('data source without a name', loc);
      return dataValue(`data.${type}.${dataName}`, type, steps.slice(2), env, loc);
    }
    default: {
      const resourceName = attrName(0);
      if (resourceName === undefined) return unknown(`${name} is not known here`, loc);
      const address = `${name}.${resourceName}`;
      if (!env.scope.resources.has(address)) return unknown(`${address} is not defined in this module`, loc);
      return resourceAttribute(env, address, name, steps.slice(1), loc);
    }
  }
}

/** `aws_iam_role.app.arn`, `aws_iam_role.app[0].name`, `aws_iam_role.app[*].arn`. */
function resourceAttribute(env: Env, local: string, type: string, steps: Expr[], loc: Loc): Value {
  const base = env.scope.prefix + local;
  const instances = resourceInstances(env.scope, local);
  let rest = steps;
  let splat = false;
  let index: Value | undefined;
  while (rest[0]?.t === 'index' || rest[0]?.t === 'splat') {
    if (rest[0].t === 'splat') splat = true;
    else index ??= concrete(evaluate(rest[0].key, env));
    rest = rest.slice(1);
  }
  const attribute = rest[0]?.t === 'attr' ? rest[0].name : undefined;
  if (instances === null) {
    const value = referenceTo(base, type, attribute, loc);
    return splat ? { k: 'list', items: [value], loc } : value;
  }
  if (instances.length === 0) return unknown(`${local} has no instances (its count or for_each is empty)`, loc);
  if (splat) return { k: 'list', items: instances.map((instance) => referenceTo(base + instance.suffix, type, attribute, loc)), loc };
  if (index?.k === 'scalar') {
    const found = instances.find((instance) => String(instance.key) === String(index.v));
    if (found === undefined) return unknown(`${local}[${String(index.v)}] is not an instance`, loc);
    return referenceTo(base + found.suffix, type, attribute, loc);
  }
  if (index !== undefined) return unknown(`${local}[…] with an index not known before apply`, loc);
  return referenceTo(base + instances[0]!.suffix, type, attribute, loc);
}

/** Ref for what CloudFormation's Ref returns (ids, names, a managed policy's ARN), Fn::GetAtt otherwise. */
function referenceTo(address: string, type: string, attribute: string | undefined, loc: Loc): Value {
  if (attribute === undefined || attribute === 'id') return { k: 'ref', target: address, loc };
  if (attribute === 'arn') return type === 'aws_iam_policy' ? { k: 'ref', target: address, loc } : { k: 'ref', target: address, attr: 'Arn', loc };
  if (attribute === 'name' || attribute === 'bucket' || (type === 'aws_sqs_queue' && attribute === 'url')) return { k: 'ref', target: address, loc };
  if (attribute === 'unique_id') return { k: 'ref', target: address, attr: 'RoleId', loc };
  // The secret of an access key: CloudFormation's SecretAccessKey, which the user-data rules know as a secret.
  if (type === 'aws_iam_access_key' && attribute === 'secret') return { k: 'ref', target: address, attr: 'SecretAccessKey', loc };
  return { k: 'ref', target: address, attr: attribute, loc };
}

function dataValue(address: string, type: string, steps: Expr[], env: Env, loc: Loc): Value {
  let rest = steps;
  while (rest[0]?.t === 'index' || rest[0]?.t === 'splat') rest = rest.slice(1);
  const attribute = rest[0]?.t === 'attr' ? rest[0].name : undefined;
  switch (type) {
    case 'aws_iam_policy_document':
      if (!env.scope.data.has(address)) return unknown(`${address} is not defined in this module`, loc);
      if (attribute === 'json' || attribute === 'minified_json') return relocate(env.scope.renderPolicyDocument(address), loc);
      return unknown(`${address}.${attribute ?? ''}`, loc);
    case 'aws_ami':
      // The image it selects, as the model's image (see resources.ts): its ImdsSupport is read there.
      if (!env.scope.data.has(address)) return unknown(`${address} is not defined in this module`, loc);
      return attribute === 'id' || attribute === 'image_id' ? { k: 'ref', target: env.scope.prefix + address, loc } : unknown(`${address}.${attribute ?? ''} (read from AWS at plan time)`, loc);
    case 'aws_ssm_parameter': {
      // A public parameter of AWS (/aws/service/…, such as the latest Amazon Linux AMI) is what CloudFormation
      // writes as {{resolve:ssm:…}}; any other parameter may hold anything, and stays unknown.
      const declared = env.scope.data.get(address);
      const name = declared === undefined ? undefined : knownString(concrete(evaluateAttr(declared.block.body, 'name', { scope: env.scope, file: declared.file, depth: env.depth + 1 }) ?? unknown('no name', loc)));
      if ((attribute === 'value' || attribute === 'insecure_value') && name !== undefined && name.startsWith('/aws/service/')) return scalar(`{{resolve:ssm:${name}}}`, loc);
      return unknown(`${address}.${attribute ?? ''} (an SSM parameter read at plan time)`, loc);
    }
    case 'aws_caller_identity':
      return attribute === 'account_id' ? { k: 'pseudo', name: 'AWS::AccountId', loc } : unknown(`${address}.${attribute ?? ''} (read from AWS at plan time)`, loc);
    case 'aws_partition':
      if (attribute === 'partition') return { k: 'pseudo', name: 'AWS::Partition', loc };
      if (attribute === 'dns_suffix') return { k: 'pseudo', name: 'AWS::URLSuffix', loc };
      return unknown(`${address}.${attribute ?? ''}`, loc);
    case 'aws_region':
      return attribute === 'name' || attribute === 'id' || attribute === 'region' ? { k: 'pseudo', name: 'AWS::Region', loc } : unknown(`${address}.${attribute ?? ''}`, loc);
    default:
      return unknown(`${address}${attribute ? '.' + attribute : ''} (a data source read from AWS at plan time)`, loc);
  }
}

/** A rendered document used somewhere: the document itself, with the use as the place of the whole. */
function relocate(value: Value, loc: Loc): Value {
  if (value.k === 'object') return { ...value, loc };
  return value;
}

const localStack = new Set<string>();

function outputValue(child: ModuleScope, name: string, declared: { expr: Expr; file: SourceFile }, env: Env): Value {
  const key = `${child.prefix}\u0000output.${name}`;
  const loc = at(env, declared.expr);
  if (localStack.has(key)) return unknown(`output ${name} refers to itself`, loc);
  localStack.add(key);
  try {
    return evaluate(declared.expr, { scope: child, file: declared.file, depth: env.depth + 1 });
  } finally {
    localStack.delete(key);
  }
}

function localValue(name: string, env: Env, loc: Loc): Value {
  const cache = (env.scope.valueCache ??= new Map());
  const cached = cache.get(`local.${name}`);
  if (cached !== undefined) return cached;
  const value = bounded(computeLocal(name, env, loc), loc);
  cache.set(`local.${name}`, value);
  return value;
}

function computeLocal(name: string, env: Env, loc: Loc): Value {
  const local = env.scope.locals.get(name);
  if (local === undefined) return unknown(`local.${name} is not defined in this module`, loc);
  const key = `${env.scope.prefix}${env.scope.dir}\u0000${name}`;
  if (localStack.has(key)) return unknown(`local.${name} refers to itself`, loc);
  localStack.add(key);
  try {
    return evaluate(local.expr, { scope: env.scope, file: local.file, depth: env.depth + 1 });
  } finally {
    localStack.delete(key);
  }
}

/**
 * A variable: its tfvars value or default. Scalars become parameters (Ref with a Default), so a
 * finding points at the use and names the variable; structures are evaluated in place. A variable
 * with neither is a parameter without default: symbolic, never a wildcard.
 */
function variableValue(name: string, env: Env, loc: Loc): Value {
  const cache = (env.scope.valueCache ??= new Map());
  const cached = cache.get(`var.${name}`);
  // The cached value keeps the place of its first use; a parameter is placed at each use.
  if (cached !== undefined) return cached.k === 'param' ? { ...cached, loc } : cached;
  const value = computeVariable(name, env, loc);
  cache.set(`var.${name}`, value);
  return value;
}

function computeVariable(name: string, env: Env, loc: Loc): Value {
  const variable = env.scope.variables.get(name);
  if (variable === undefined) return unknown(`var.${name} is not declared in this module`, loc);
  const parameterName = `${env.scope.prefix}var.${name}`;
  let value: Value | undefined;
  if (variable.input !== undefined) {
    value = evaluate(variable.input.expr, { ...variable.input.env, depth: env.depth + 1 });
    // What the caller passes is the value, as written where the call is: a parameter of the caller stays one.
    if (value.k !== 'scalar') {
      const inputType = variable.block.body.attributes.find((attribute) => attribute.name === 'type');
      return inputType === undefined ? value : withTypeDefaults(value, inputType.expr, { scope: env.scope, file: variable.file, depth: env.depth + 1 });
    }
    if (value.v === null) value = undefined;
    else return { ...value, loc: value.loc };
  }
  if (value === undefined && variable.tfvar !== undefined) value = evaluate(variable.tfvar.expr, { scope: env.scope, file: variable.tfvar.file, depth: env.depth + 1 });
  else {
    const defaultAttribute = variable.block.body.attributes.find((attribute) => attribute.name === 'default');
    if (defaultAttribute !== undefined) value = evaluate(defaultAttribute.expr, { scope: env.scope, file: variable.file, depth: env.depth + 1 });
  }
  const typeAttribute = variable.block.body.attributes.find((attribute) => attribute.name === 'type');
  if (value !== undefined && typeAttribute !== undefined) value = withTypeDefaults(value, typeAttribute.expr, { scope: env.scope, file: variable.file, depth: env.depth + 1 });
  if (value !== undefined && value.k !== 'scalar') return value;
  if (value !== undefined && value.k === 'scalar' && value.v === null) return { k: 'absent', loc };
  if (!env.scope.parameters.has(parameterName)) {
    const label = variable.block.labels[0];
    env.scope.parameters.set(parameterName, {
      name: parameterName,
      loc: { file: variable.file, start: label?.start ?? variable.block.start, end: label?.end ?? variable.block.end },
      ...(value !== undefined ? { default: value, source: variable.tfvar !== undefined ? baseName(variable.tfvar.file.path) : `default in ${baseName(variable.file.path)}` } : {}),
    });
  }
  return { k: 'param', name: parameterName, loc, ...(value !== undefined ? { value } : {}), ...(variable.tfvar !== undefined || env.scope.prefix !== '' ? { fromTfvars: true } : {}) };
}

/**
 * `optional(type, default)` attributes of an `object({...})` type constraint fill in what the value
 * leaves out or sets to null, as Terraform does; through list(), set() and map() of objects too.
 */
function withTypeDefaults(value: Value, type: Expr, env: Env): Value {
  if (type.t !== 'call' || env.depth > MAX_DEPTH) return value;
  const inner: Env = { ...env, depth: env.depth + 1 };
  if ((type.name === 'list' || type.name === 'set' || type.name === 'map') && type.args[0] !== undefined) {
    const itemType = type.args[0];
    if (value.k === 'list') return { ...value, items: value.items.map((item) => withTypeDefaults(item, itemType, inner)) };
    if (value.k === 'object' && type.name === 'map') return { ...value, entries: value.entries.map((entry) => ({ ...entry, value: withTypeDefaults(entry.value, itemType, inner) })) };
    return value;
  }
  if (type.name !== 'object' || type.args[0]?.t !== 'object' || value.k !== 'object') return value;
  const entries = [...value.entries];
  for (const attribute of type.args[0].entries) {
    if (attribute.key.t !== 'var') continue;
    const name = attribute.key.name;
    let attributeType = attribute.value;
    let fallback: Expr | undefined;
    if (attributeType.t === 'call' && attributeType.name === 'optional') {
      fallback = attributeType.args[1];
      attributeType = attributeType.args[0] ?? attributeType;
    }
    const index = entries.findIndex((entry) => entry.key === name);
    const current = index >= 0 ? entries[index]!.value : undefined;
    if (current === undefined && fallback === undefined && attribute.value.t === 'call' && attribute.value.name === 'optional') {
      entries.push({ key: name, keyLoc: at(env, attribute.key), value: scalar(null, at(env, attribute.value)) });
    } else if ((current === undefined || (current.k === 'scalar' && current.v === null)) && fallback !== undefined) {
      const filled = withTypeDefaults(evaluate(fallback, inner), attributeType, inner);
      const entry = { key: name, keyLoc: at(env, attribute.key), value: filled };
      if (index >= 0) entries[index] = entry;
      else entries.push(entry);
    } else if (current !== undefined) {
      entries[index] = { ...entries[index]!, value: withTypeDefaults(current, attributeType, inner) };
    }
  }
  return { ...value, entries };
}

function applySteps(value: Value, steps: readonly Expr[], env: Env, loc: Loc): Value {
  let current = steps.length > 0 ? concrete(value) : value;
  for (const step of steps) {
    current = concrete(current);
    if (current.k === 'unknown') return { ...current, loc };
    if (step.t === 'attr') {
      if (current.k === 'object') {
        // An attribute the object does not have is an error (what try() moves past); optional()
        // attributes of a typed variable are there, null unless their default says otherwise.
        const found = get(current, step.name);
        current = found ?? failed(`the object has no attribute ${step.name}`, loc);
      } else if (current.k === 'scalar' || current.k === 'list' || current.k === 'absent') return failed(`.${step.name} of ${current.k === 'list' ? 'a list' : current.k === 'absent' || current.v === null ? 'null' : `a ${typeof current.v}`}`, loc);
      else return unknown(`.${step.name} of ${describeKind(current)}`, loc);
    } else if (step.t === 'index') {
      const key = concrete(evaluate(step.key, env));
      if (key.k !== 'scalar') return unknown('an index not known before apply', loc);
      if (current.k === 'list' && typeof key.v === 'number') current = current.items[key.v] ?? failed(`index ${key.v} out of range`, loc);
      else if (current.k === 'object' && key.v !== null) current = get(current, String(key.v)) ?? failed(`key ${String(key.v)} not found`, loc);
      else if (current.k === 'scalar' || current.k === 'absent') return failed(`[${String(key.v)}] of ${current.k === 'absent' || current.v === null ? 'null' : `a ${typeof current.v}`}`, loc);
      else return unknown(`[${String(key.v)}] of ${describeKind(current)}`, loc);
    } else if (step.t === 'splat') {
      if (current.k !== 'list') current = { k: 'list', items: [current], loc: current.loc };
    }
  }
  return current;
}

function describeKind(value: Value): string {
  switch (value.k) {
    case 'param':
      return value.name;
    case 'ref':
      return value.target;
    default:
      return `a value not known before apply`;
  }
}

function binary(op: string, left: Value, right: Value, loc: Loc): Value {
  if (isFailed(left)) return { ...left, loc };
  if (isFailed(right)) return { ...right, loc };
  // A known list or object is never null.
  if ((op === '==' || op === '!=') && (isNullValue(left) || isNullValue(right))) {
    const other = isNullValue(left) ? right : left;
    if (isNullValue(other)) return scalar(op === '==', loc);
    if (other.k === 'list' || other.k === 'object' || (other.k === 'scalar' && other.v !== null)) return scalar(op === '!=', loc);
  }
  if (left.k !== 'scalar' || right.k !== 'scalar') {
    if ((op === '&&' && isFalse(left)) || (op === '&&' && isFalse(right))) return scalar(false, loc);
    if ((op === '||' && isTrue(left)) || (op === '||' && isTrue(right))) return scalar(true, loc);
    return unknown(`${op} of values not known before apply`, loc);
  }
  const a = left.v;
  const b = right.v;
  switch (op) {
    case '==':
      return scalar(a === b, loc);
    case '!=':
      return scalar(a !== b, loc);
    case '&&':
      return scalar(a === true && b === true, loc);
    case '||':
      return scalar(a === true || b === true, loc);
  }
  if (typeof a !== 'number' || typeof b !== 'number') return unknown(`${op} of non-numbers`, loc);
  switch (op) {
    case '+':
      return scalar(a + b, loc);
    case '-':
      return scalar(a - b, loc);
    case '*':
      return scalar(a * b, loc);
    case '/':
      return scalar(a / b, loc);
    case '%':
      return scalar(a % b, loc);
    case '<':
      return scalar(a < b, loc);
    case '>':
      return scalar(a > b, loc);
    case '<=':
      return scalar(a <= b, loc);
    case '>=':
      return scalar(a >= b, loc);
    default:
      return unknown(`operator ${op}`, loc);
  }
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A failure anywhere in a value fails the expression that holds it (what try() moves past). */
function containsFailure(value: Value, depth = 0): boolean {
  if (isFailed(value)) return true;
  if (depth > 16) return false;
  switch (value.k) {
    case 'list':
      return value.items.some((item) => containsFailure(item, depth + 1));
    case 'object':
      return value.entries.some((entry) => containsFailure(entry.value, depth + 1));
    case 'concat':
      return value.parts.some((part) => containsFailure(part, depth + 1));
    default:
      return false;
  }
}

function isEmptyText(value: Value): boolean {
  return value.k === 'absent' || (value.k === 'scalar' && (value.v === null || value.v === ''));
}

function isNullValue(value: Value): boolean {
  return (value.k === 'scalar' && value.v === null) || value.k === 'absent';
}

function isFalse(value: Value): boolean {
  return value.k === 'scalar' && value.v === false;
}

function isTrue(value: Value): boolean {
  return value.k === 'scalar' && value.v === true;
}

/** The functions that matter for policies, evaluated when their arguments are known; others stay unknown. */
function callFunction(expr: Extract<Expr, { t: 'call' }>, env: Env): Value {
  const loc = at(env, expr);
  const name = expr.name.replace(/^provider::[a-z0-9_]+::/, '');
  // Functions compute on a variable's value; jsonencode and friends keep the parameter (see below).
  const args = (): Value[] => expr.args.map((arg) => concrete(evaluate(arg, env)));
  switch (name) {
    case 'jsonencode':
    case 'tolist':
    case 'toset':
    case 'tomap':
    case 'sensitive':
    case 'nonsensitive':
    case 'tostring': {
      const [value] = args();
      if (value === undefined) return unknown(`${name}() without an argument`, loc);
      return value.k === 'object' || value.k === 'list' ? { ...value, loc } : value;
    }
    case 'jsondecode': {
      const [value] = args();
      if (value?.k === 'scalar' && typeof value.v === 'string') return value;
      return value ?? unknown('jsondecode() without an argument', loc);
    }
    case 'concat': {
      const lists = args();
      if (lists.every((list) => list.k === 'list')) return { k: 'list', items: lists.flatMap((list) => (list.k === 'list' ? list.items : [])).slice(0, MAX_ITEMS), loc };
      return unknown('concat() of lists not known before apply', loc);
    }
    case 'flatten': {
      const [list] = args();
      if (list?.k !== 'list') return unknown('flatten() of a list not known before apply', loc);
      const items: Value[] = [];
      const visit = (value: Value, depth: number): void => {
        if (value.k === 'list' && depth < 8) value.items.forEach((item) => visit(item, depth + 1));
        else if (items.length < MAX_ITEMS) items.push(value);
      };
      visit(list, 0);
      return { k: 'list', items, loc };
    }
    case 'compact':
    case 'distinct': {
      const [list] = args();
      if (list?.k !== 'list') return unknown(`${name}() of a list not known before apply`, loc);
      // compact() drops "" in every rendering: a conditional element with an empty branch is its other
      // branch (or nothing when both are empty), so "" never reaches a policy as an action or ARN.
      const items = name === 'compact'
        ? list.items.flatMap((item): Value[] => {
            const value = concrete(item);
            if (isEmptyText(value)) return [];
            if (value.k === 'cond') {
              const emptyWhenTrue = isEmptyText(concrete(value.whenTrue));
              const emptyWhenFalse = isEmptyText(concrete(value.whenFalse));
              if (emptyWhenTrue && emptyWhenFalse) return [];
              if (emptyWhenTrue) return [value.whenFalse];
              if (emptyWhenFalse) return [value.whenTrue];
            }
            return [item];
          })
        : list.items;
      return { k: 'list', items, loc };
    }
    case 'merge': {
      const objects = args();
      if (!objects.every((object) => object.k === 'object')) return unknown('merge() of maps not known before apply', loc);
      const entries = new Map<string, ObjectEntry>();
      for (const object of objects) if (object.k === 'object') for (const entry of object.entries) entries.set(entry.key, entry);
      return { k: 'object', entries: [...entries.values()], loc };
    }
    case 'coalescelist': {
      // The first non-empty list; a list not known before apply might be empty or not.
      for (const value of args()) {
        if (value.k === 'list' && value.items.length === 0) continue;
        if (value.k === 'absent' || (value.k === 'scalar' && value.v === null)) continue;
        return value;
      }
      return failed('coalescelist() where every list is empty', loc);
    }
    case 'coalesce': {
      for (const value of args()) {
        if (value.k === 'scalar' && value.v !== null && value.v !== '') return value;
        if (value.k !== 'scalar' && value.k !== 'absent') return value;
      }
      return unknown('coalesce() with no known non-empty value', loc);
    }
    case 'try':
    case 'can': {
      // Terraform's try() moves past an argument only when evaluating it fails; an argument not known
      // before apply may be the value (try() is unknown then, never its fallback).
      if (name === 'can') {
        const [value] = args();
        if (value === undefined) return unknown('can() without an argument', loc);
        if (containsFailure(value)) return scalar(false, loc);
        return isKnown(value) ? scalar(true, loc) : unknown('can() of a value not known before apply', loc);
      }
      for (const arg of expr.args) {
        const value = concrete(evaluate(arg, env));
        if (containsFailure(value)) continue;
        if (value.k === 'unknown') return { ...value, loc };
        return value;
      }
      return failed('try() where every alternative fails', loc);
    }
    case 'lookup': {
      const [map, key, fallback] = args();
      if (map?.k === 'object' && key?.k === 'scalar') return get(map, String(key.v)) ?? fallback ?? failed(`key ${String(key.v)} not found`, loc);
      return unknown('lookup() in a map not known before apply', loc);
    }
    case 'element': {
      const [list, index] = args();
      if (list?.k === 'list' && index?.k === 'scalar' && typeof index.v === 'number' && list.items.length > 0) return list.items[index.v % list.items.length]!;
      if (list?.k === 'list' && list.items.length === 0) return failed('element() of an empty list', loc);
      return unknown('element() of a list not known before apply', loc);
    }
    case 'length': {
      const [value] = args();
      if (value?.k === 'list') return scalar(value.items.length, loc);
      if (value?.k === 'object') return scalar(value.entries.length, loc);
      if (value?.k === 'scalar' && typeof value.v === 'string') return scalar(value.v.length, loc);
      return unknown('length() of a value not known before apply', loc);
    }
    case 'join': {
      const [separator, list] = args();
      if (separator?.k !== 'scalar' || list?.k !== 'list') return unknown('join() of values not known before apply', loc);
      const parts: Value[] = [];
      list.items.forEach((item, index) => {
        if (index > 0) parts.push(scalar(stringOf(separator.v), separator.loc));
        parts.push(item);
      });
      return joinParts(parts, loc);
    }
    case 'format': {
      const [pattern, ...rest] = args();
      if (pattern?.k !== 'scalar' || typeof pattern.v !== 'string') return unknown('format() with a pattern not known before apply', loc);
      const pieces = pattern.v.split(/(%%|%[-+ #0-9.]*[a-zA-Z])/);
      const parts: Value[] = [];
      let argument = 0;
      for (const piece of pieces) {
        if (piece === '%%') parts.push(scalar('%', pattern.loc));
        else if (/^%[-+ #0-9.]*[svdtqfgbeEoxX]$/.test(piece)) parts.push(rest[argument++] ?? unknown('format() without enough arguments', loc));
        else if (piece !== '') parts.push(scalar(piece, pattern.loc));
      }
      return joinParts(parts, loc);
    }
    case 'lower':
    case 'upper':
    case 'trimspace': {
      const [value] = args();
      if (value?.k !== 'scalar' || typeof value.v !== 'string') return value?.k === 'param' || value?.k === 'ref' ? unknown(`${name}() of ${describeKind(value)}`, loc) : unknown(`${name}() of a value not known before apply`, loc);
      return scalar(name === 'lower' ? value.v.toLowerCase() : name === 'upper' ? value.v.toUpperCase() : value.v.trim(), value.loc);
    }
    case 'replace': {
      const [value, search, replacement] = args();
      if (value?.k === 'scalar' && search?.k === 'scalar' && replacement?.k === 'scalar' && typeof value.v === 'string' && !String(search.v).startsWith('/')) {
        return scalar(value.v.split(String(search.v)).join(String(replacement.v)), value.loc);
      }
      return unknown('replace() of values not known before apply', loc);
    }
    case 'keys':
    case 'values': {
      const [object] = args();
      if (object?.k !== 'object') return unknown(`${name}() of a map not known before apply`, loc);
      return { k: 'list', items: object.entries.map((entry) => (name === 'keys' ? scalar(entry.key, entry.keyLoc) : entry.value)), loc };
    }
    case 'file':
    case 'templatefile': {
      const [path] = expr.args.map((arg) => evaluate(arg, env));
      const text = knownString(path);
      if (text === undefined) return unknown(`${name}() of a path not known before apply`, loc);
      const file = env.scope.readFile(normalisePath(env.scope.dir, text));
      if (file === undefined) return unknown(`${name}("${text}"): the file is not in the scanned set`, loc);
      if (name === 'templatefile' && /\$\{|%\{/.test(file.text)) return unknown(`templatefile("${text}") with template sequences is not evaluated`, loc);
      const whole: Loc = { file, start: 0, end: file.text.length };
      return { k: 'scalar', v: file.text, loc: whole, places: writtenAt(whole) };
    }
    case 'one': {
      const [list] = args();
      if (list?.k === 'list' && list.items.length === 1) return list.items[0]!;
      return unknown('one() of a list not known before apply', loc);
    }
    default:
      return unknown(`${expr.name}() is not evaluated`, loc);
  }
}

/** Text parts joined: a known string when every part is known, else a concat; null in it fails, as in Terraform. */
function joinParts(parts: Value[], loc: Loc): Value {
  markFailures(parts);
  if (parts.every((part) => part.k === 'scalar')) return scalar(parts.map((part) => (part.k === 'scalar' ? stringOf(part.v) : '')).join(''), loc);
  return { k: 'concat', parts, loc };
}

/** `path.module/x.json` style paths, relative to the module directory, normalised. */
function normalisePath(dir: string, path: string): string {
  const cleaned = path.replace(/^\.\//, '');
  const joined = posix.normalize(posix.join(dir === '' ? '.' : dir, cleaned));
  return joined.replace(/^\.\//, '');
}

/**
 * A block's body as an object value: attributes by name; nested blocks (and `dynamic` blocks, one
 * instance per element of a known `for_each`, else one instance whose iterator is unknown) as lists
 * under their type.
 */
export function blockObject(block: Block, env: Env): Value {
  return bodyObject(block.body, env, at(env, block));
}

export function bodyObject(body: Body, env: Env, loc: Loc): Value {
  if (env.depth > MAX_DEPTH) return unknown('blocks nested too deeply', loc);
  const inner: Env = { ...env, depth: env.depth + 1 };
  const entries: ObjectEntry[] = [];
  for (const attribute of body.attributes) {
    const value = evaluate(attribute.expr, inner);
    // An argument set to null is not set (the provider's default applies).
    if (value.k === 'scalar' && value.v === null) continue;
    entries.push({ key: attribute.name, keyLoc: at(env, attribute.nameSpan), value });
  }
  const nested = new Map<string, { keyLoc: Loc; items: Value[] }>();
  const add = (type: string, keyLoc: Loc, item: Value) => {
    let group = nested.get(type);
    if (group === undefined) nested.set(type, (group = { keyLoc, items: [] }));
    if (group.items.length < MAX_ITEMS) group.items.push(item);
  };
  for (const block of body.blocks) {
    if (block.hasError) continue;
    if (block.type === 'dynamic') {
      const label = block.labels[0];
      if (label === undefined) continue;
      const content = block.body.blocks.find((candidate) => candidate.type === 'content');
      if (content === undefined) continue;
      const iteratorName = knownString(evaluateAttr(block.body, 'iterator', inner)) ?? label.value;
      const iterator = block.body.attributes.find((attribute) => attribute.name === 'iterator');
      const iteratorIdent = iterator?.expr.t === 'var' ? iterator.expr.name : iteratorName;
      const forEach = evaluateAttr(block.body, 'for_each', inner);
      const instances = forEachInstances(forEach, at(env, block));
      for (const instance of instances) {
        const symbols = new Map(env.symbols ?? []);
        symbols.set(iteratorIdent, { k: 'object', entries: [{ key: 'key', keyLoc: instance.loc, value: instance.key }, { key: 'value', keyLoc: instance.loc, value: instance.value }], loc: instance.loc });
        const object = bodyObject(content.body, { ...inner, symbols }, at(env, content));
        if (instance.unknownReason !== undefined && object.k === 'object') object.unknownInstance = instance.unknownReason;
        add(label.value, at(env, label), object);
      }
      continue;
    }
    add(block.type, at(env, block.typeSpan), bodyObject(block.body, inner, at(env, block)));
  }
  for (const [type, group] of nested) entries.push({ key: type, keyLoc: group.keyLoc, value: { k: 'list', items: group.items, loc: group.keyLoc } });
  return { k: 'object', entries, loc };
}

export function evaluateAttr(body: Body, name: string, env: Env): Value | undefined {
  const attribute = body.attributes.find((candidate) => candidate.name === name);
  return attribute === undefined ? undefined : evaluate(attribute.expr, env);
}

/** One instance of a resource whose count or for_each is known: `["key"]` or `[0]`, with each/count bound. */
export interface ResourceInstance {
  suffix: string;
  key: string | number;
  symbols: Map<string, Value>;
}

const MAX_INSTANCES = 32;
const computing = new Set<string>();

/**
 * The instances of a resource: one per element of a known for_each (each.key, each.value) or per index
 * of a known count (count.index); `null` when neither is known (one instance judged for all), `[]` when
 * the collection is empty or count is 0.
 */
export function resourceInstances(scope: ModuleScope, local: string): ResourceInstance[] | null {
  if (scope.instances.has(local)) return scope.instances.get(local)!;
  const declared = scope.resources.get(local);
  const key = `${scope.prefix}${scope.dir}\u0000${local}`;
  if (declared === undefined || computing.has(key)) return null;
  computing.add(key);
  let result: ResourceInstance[] | null = null;
  try {
    result = blockInstances(scope, declared);
  } finally {
    computing.delete(key);
  }
  scope.instances.set(local, result);
  return result;
}

/** The instances of a resource or module block by its count or for_each (see {@link resourceInstances}). */
export function blockInstances(scope: ModuleScope, declared: Declared): ResourceInstance[] | null {
  let result: ResourceInstance[] | null = null;
  {
    const env: Env = { scope, file: declared.file, depth: 0 };
    const forEachAttr = declared.block.body.attributes.find((attribute) => attribute.name === 'for_each');
    const countAttr = declared.block.body.attributes.find((attribute) => attribute.name === 'count');
    if (forEachAttr !== undefined) {
      const collection = concrete(evaluate(forEachAttr.expr, env));
      if ((collection.k === 'object' || collection.k === 'list') && (collection.k === 'list' ? collection.items.every((item) => item.k === 'scalar') : true)) {
        const pairs: [string | number, Value, Loc][] =
          collection.k === 'object' ? collection.entries.map((entry) => [entry.key, entry.value, entry.keyLoc]) : collection.items.map((item, index) => [item.k === 'scalar' && item.v !== null ? String(item.v) : index, item, item.loc]);
        result = pairs.slice(0, MAX_INSTANCES).map(([instanceKey, value, loc]) => ({
          suffix: `[${JSON.stringify(instanceKey)}]`,
          key: instanceKey,
          symbols: new Map([['each', { k: 'object', entries: [{ key: 'key', keyLoc: loc, value: scalar(instanceKey, loc) }, { key: 'value', keyLoc: loc, value }], loc } as Value]]),
        }));
      }
    } else if (countAttr !== undefined) {
      const count = decidedValue(evaluate(countAttr.expr, env));
      if (count.k === 'scalar' && typeof count.v === 'number' && Number.isInteger(count.v) && count.v >= 0) {
        const loc = at(env, countAttr.expr);
        result = Array.from({ length: Math.min(count.v, MAX_INSTANCES) }, (_, index) => ({
          suffix: `[${index}]`,
          key: index,
          symbols: new Map([['count', { k: 'object', entries: [{ key: 'index', keyLoc: loc, value: scalar(index, loc) }], loc } as Value]]),
        }));
      }
    }
  }
  return result;
}

export interface Instance {
  key: Value;
  value: Value;
  loc: Loc;
  /** Set for the one instance that stands for a collection not known before apply. */
  unknownReason?: string;
}

/**
 * The instances of a `for_each`: one per element of a known list, set or map; otherwise one instance
 * whose key and value are unknown (it stands for every instance). `undefined` for_each: one instance.
 */
export function forEachInstances(given: Value | undefined, loc: Loc): Instance[] {
  if (given === undefined) return [{ key: unknown('no for_each', loc), value: unknown('no for_each', loc), loc }];
  const forEach = concrete(given);
  // Both branches of a conditional collection are judged, as with Fn::If.
  if (forEach.k === 'cond') return [...forEachInstances(forEach.whenTrue, loc), ...forEachInstances(forEach.whenFalse, loc)].slice(0, MAX_ITEMS);
  if (forEach.k === 'absent' || (forEach.k === 'scalar' && forEach.v === null)) return [];
  if (forEach.k === 'list') return forEach.items.slice(0, MAX_ITEMS).map((item, index) => ({ key: item.k === 'scalar' ? item : scalar(index, item.loc), value: item, loc: item.loc }));
  if (forEach.k === 'object') return forEach.entries.slice(0, MAX_ITEMS).map((entry) => ({ key: scalar(entry.key, entry.keyLoc), value: entry.value, loc: entry.keyLoc }));
  const reason = forEach.k === 'unknown' ? forEach.reason : `for_each over ${forEach.k === 'param' ? forEach.name : 'a value'} not known before apply`;
  return [{ key: unknown(reason, loc), value: unknown(reason, loc), loc, unknownReason: reason }];
}

export { isKnown, plain };
