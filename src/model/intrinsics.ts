import { getKey, isMap, isScalar, isSeq, scalarString, type MapNode, type ScalarValue, type SourceNode } from '../parse/nodes.js';
import type { Template } from './template.js';

/** Something a value depends on that is not known when the template is read. */
export interface Reference {
  /** A resource's logical id, a parameter's name, or a pseudo parameter such as `AWS::AccountId`. */
  name: string;
  kind: 'resource' | 'parameter' | 'pseudo' | 'import' | 'other';
  /** The attribute for `Fn::GetAtt`. */
  attribute?: string;
}

/**
 * One possible value of a node after intrinsic functions are applied.
 *
 * - `known`: the value as deployed (a scalar, or a list of strings from Fn::Split or a list parameter).
 *   `via` says when it comes from a parameter default or allowed value, which a deployer may change.
 * - `partial`: a string in which the parts not known until deployment are written as `${Name}` —
 *   `arn:aws:s3:::${BucketName}/*`. `refs` lists those parts.
 * - `structure`: a plain map or list (no intrinsic at its top); walk `node` itself.
 * - `unknown`: cannot be known from the template; `reason` says why. Rules must decide about it.
 * - `absent`: `Ref: AWS::NoValue`, the property is removed.
 *
 * `node` is where the value was written: the literal, the parameter's default, a branch of Fn::If.
 */
export type ResolvedValue =
  | { kind: 'known'; value: ScalarValue | string[]; node: SourceNode; via?: string }
  | { kind: 'partial'; text: string; refs: Reference[]; node: SourceNode; via?: string }
  | { kind: 'structure'; node: SourceNode }
  | { kind: 'unknown'; reason: string; refs: Reference[]; node: SourceNode }
  | { kind: 'absent'; node: SourceNode; /** How the document's language writes it, when not `AWS::NoValue` (Terraform: `null`). */ written?: string };

/** Pseudo parameters with one value in the commercial partition; the rest stay symbolic. */
const FIXED_PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};
const SYMBOLIC_PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::Region',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::NotificationARNs',
]);

/** More alternatives than this (nested Fn::If, long AllowedValues) are cut, keeping the first ones. */
const MAX_ALTERNATIVES = 64;
const MAX_DEPTH = 32;

/**
 * The one intrinsic-function resolver every rule uses. It follows Ref (parameters with Default and
 * AllowedValues, pseudo parameters, resources), Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If (both branches
 * unless the condition is decidable), Fn::FindInMap, Fn::Select, Fn::Split, Fn::Base64 and Conditions.
 * It never throws on odd input: what it cannot evaluate comes back as `unknown` with a reason.
 *
 * Without a template (a plain policy file) every intrinsic is `unknown`.
 */
export class IntrinsicResolver {
  private readonly conditionCache = new Map<string, boolean | undefined>();

  constructor(private readonly template?: Template) {}

  /** Every value the node may take. Always at least one entry. */
  resolve(node: SourceNode): ResolvedValue[] {
    return this.resolveAt(node, 0).slice(0, MAX_ALTERNATIVES);
  }

  /**
   * The structural alternatives of a node: Fn::If branches (recursively), nothing for AWS::NoValue,
   * otherwise the node itself. Used where a whole statement or list may sit behind a condition.
   */
  expand(node: SourceNode): SourceNode[] {
    const fn = intrinsicOf(node);
    if (fn?.name === 'Fn::If' && isSeq(fn.argument) && fn.argument.items.length === 3) {
      const [condition, whenTrue, whenFalse] = fn.argument.items as [SourceNode, SourceNode, SourceNode];
      const name = scalarString(condition) ?? '';
      // A condition the template cannot decide may still be settled by the branch this Fn::If sits in.
      const decided = this.evaluateCondition(name) ?? this.guardsOf(node).get(name);
      const branches = decided === true ? [whenTrue] : decided === false ? [whenFalse] : [whenTrue, whenFalse];
      return branches.flatMap((branch) => this.expand(branch));
    }
    if (fn?.name === 'Ref' && scalarString(fn.argument) === 'AWS::NoValue') return [];
    return [node];
  }

  /** The elements of a value that should be a list: a lone value counts as a list of one. */
  listItems(node: SourceNode | undefined): SourceNode[] {
    if (node === undefined) return [];
    return this.expand(node).flatMap((alternative) =>
      isSeq(alternative) ? alternative.items.flatMap((item) => this.expand(item)) : [alternative],
    );
  }

  /** `true`/`false` when a named condition can be decided from the template alone, else `undefined`. */
  evaluateCondition(name: string): boolean | undefined {
    if (this.conditionCache.has(name)) return this.conditionCache.get(name);
    this.conditionCache.set(name, undefined); // guards against conditions that refer to themselves
    const definition = getKey(this.template?.conditions, name);
    const result = definition === undefined ? undefined : this.evaluateConditionNode(definition, 0);
    this.conditionCache.set(name, result);
    return result;
  }

  /**
   * The conditions a node is written under, each with the value it must have for the node to be
   * deployed: the branch of every Fn::If above it (`true` in the second item, `false` in the third) and
   * the `Condition` of the resource that holds it. The innermost guard wins when two name the same
   * condition. Empty outside a template or when the template has no Conditions.
   */
  guardsOf(node: SourceNode): ReadonlyMap<string, boolean> {
    const guards = new Map<string, boolean>();
    if (this.template === undefined || this.template.conditions === undefined) return guards;
    const resources = getKey(this.template.root, 'Resources');
    for (let current: SourceNode = node; current.parent !== undefined; current = current.parent) {
      const parent: SourceNode = current.parent;
      if (isSeq(parent) && parent.items.length === 3 && (current.key === 1 || current.key === 2) && intrinsicOf(parent.parent)?.name === 'Fn::If') {
        const name = scalarString(parent.items[0]);
        if (name !== undefined && !guards.has(name)) guards.set(name, current.key === 1);
      }
      if (parent === resources) {
        const name = scalarString(getKey(current, 'Condition'));
        if (name !== undefined && !guards.has(name)) guards.set(name, true);
      }
    }
    return guards;
  }

  /**
   * Whether a parameter may hold `value` where `node` is written: `false` when one of the node's guards
   * ({@link guardsOf}) cannot hold with that value (`Fn::If [HasBucket, …]` where HasBucket is
   * `!Not [!Equals [!Ref Bucket, ""]]` rules out the default `""` inside its true branch).
   */
  private admittedUnder(node: SourceNode, parameter: string, value: string): boolean {
    const guards = this.guardsOf(node);
    if (guards.size === 0) return true;
    const bindings = new Map([[parameter, value]]);
    for (const [name, expected] of guards) {
      const definition = getKey(this.template?.conditions, name);
      if (definition !== undefined && this.evaluateConditionNode(definition, 0, bindings) === !expected) return false;
    }
    return true;
  }

  /**
   * `bindings` fixes parameters to one value each (a candidate being tested by {@link admittedUnder});
   * without them a parameter is never certain, since it may be overridden at deployment.
   */
  private evaluateConditionNode(node: SourceNode, depth: number, bindings?: ReadonlyMap<string, string>): boolean | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const fn = intrinsicOf(node);
    if (fn === undefined) return undefined;
    const args = isSeq(fn.argument) ? fn.argument.items : [];
    switch (fn.name) {
      case 'Condition': {
        const name = scalarString(fn.argument) ?? '';
        if (bindings === undefined) return this.evaluateCondition(name);
        const definition = getKey(this.template?.conditions, name);
        return definition === undefined ? undefined : this.evaluateConditionNode(definition, depth + 1, bindings);
      }
      case 'Fn::Not': {
        const inner = args[0] === undefined ? undefined : this.evaluateConditionNode(args[0], depth + 1, bindings);
        return inner === undefined ? undefined : !inner;
      }
      case 'Fn::And':
      case 'Fn::Or': {
        const results = args.map((arg) => this.evaluateConditionNode(arg, depth + 1, bindings));
        const decisive = fn.name === 'Fn::And' ? false : true;
        if (results.includes(decisive)) return decisive;
        return results.every((r) => r !== undefined) ? !decisive : undefined;
      }
      case 'Fn::Equals': {
        if (args.length !== 2) return undefined;
        // Equal only when both sides have one certain value; a parameter may be overridden at deploy time.
        const [left, right] = args.map((arg): ResolvedValue[] => {
          const bound = bindings?.get(scalarString(intrinsicOf(arg)?.name === 'Ref' ? intrinsicOf(arg)!.argument : undefined) ?? '');
          return bound !== undefined ? [{ kind: 'known', value: bound, node: arg }] : this.resolveAt(arg, depth + 1);
        });
        if (left!.length !== 1 || right!.length !== 1) return undefined;
        const [a, b] = [left![0]!, right![0]!];
        if (a.kind !== 'known' || b.kind !== 'known' || a.via !== undefined || b.via !== undefined) return undefined;
        return String(a.value) === String(b.value);
      }
      default:
        return undefined;
    }
  }

  private resolveAt(node: SourceNode, depth: number): ResolvedValue[] {
    if (depth > MAX_DEPTH) return [unknown(node, 'intrinsic functions nested too deeply')];
    if (isScalar(node)) return [{ kind: 'known', value: node.value, node }];
    const fn = intrinsicOf(node);
    if (fn === undefined) return [{ kind: 'structure', node }];
    if (this.template === undefined && fn.name !== 'Fn::If') {
      return [unknown(node, `${fn.name} is not evaluated outside a CloudFormation template`)];
    }
    switch (fn.name) {
      case 'Ref':
        return this.resolveRef(node, scalarString(fn.argument) ?? '');
      case 'Fn::GetAtt':
        return this.resolveGetAtt(node, fn.argument);
      case 'Fn::Sub':
        return this.resolveSub(node, fn.argument, depth);
      case 'Fn::Join':
        return this.resolveJoin(node, fn.argument, depth);
      case 'Fn::If':
        return this.expand(node).flatMap((branch) => (branch === node ? [] : this.resolveAt(branch, depth + 1)));
      case 'Fn::FindInMap':
        return this.resolveFindInMap(node, fn.argument, depth);
      case 'Fn::Select':
        return this.resolveSelect(node, fn.argument, depth);
      case 'Fn::Split':
        return this.resolveSplit(node, fn.argument, depth);
      case 'Fn::Base64':
        return this.resolveAt(fn.argument, depth + 1);
      case 'Fn::ImportValue': {
        const names = this.resolveAt(fn.argument, depth + 1);
        const name = names[0]?.kind === 'known' ? String(names[0].value) : describeValue(names[0]!);
        return [{ kind: 'unknown', reason: `imported from another stack (Fn::ImportValue ${name})`, refs: [{ name, kind: 'import' }], node }];
      }
      case 'Fn::Unresolved':
        // A Terraform value only known at apply (a module output, a data source, an unevaluated function).
        return [unknown(node, scalarString(fn.argument) ?? 'not known before apply')];
      default:
        return [unknown(node, `${fn.name} is evaluated only at deployment`)];
    }
  }

  private resolveRef(node: SourceNode, name: string): ResolvedValue[] {
    if (name === 'AWS::NoValue') {
      const written = this.template?.vocabulary.noValue;
      return [written === undefined || written === 'AWS::NoValue' ? { kind: 'absent', node } : { kind: 'absent', node, written }];
    }
    const fixed = FIXED_PSEUDO_PARAMETERS[name];
    if (fixed !== undefined) return [{ kind: 'known', value: fixed, node }];
    if (SYMBOLIC_PSEUDO_PARAMETERS.has(name)) {
      return [{ kind: 'partial', text: `\${${name}}`, refs: [{ name, kind: 'pseudo' }], node }];
    }
    const parameter = this.template?.parameters.get(name);
    if (parameter !== undefined) {
      const isList = parameter.type !== undefined && /^(CommaDelimitedList|List<)/.test(parameter.type);
      const fromParameter = (source: SourceNode, via: string): ResolvedValue => {
        const text = scalarString(source);
        if (text === undefined) return unknown(node, `parameter ${name} has a value that is not a scalar`);
        return { kind: 'known', value: isList ? text.split(',').map((s) => s.trim()) : coerce(source), node: source, via };
      };
      // A Terraform variable says where its value is written (`var.x (terraform.tfvars)`).
      const terraformSource = scalarString(getKey(parameter.node, 'x-terraform-source'));
      const [candidates, via] =
        parameter.allowedValues !== undefined && parameter.allowedValues.length > 0
          ? [parameter.allowedValues, `parameter ${name} (AllowedValues)`]
          : parameter.default !== undefined
            ? [[parameter.default], terraformSource !== undefined ? `${name} (${terraformSource})` : `parameter ${name} (Default)`]
            : [[], ''];
      // Only the values the conditions guarding this use admit: inside `Fn::If [HasBucket, …]` the bucket
      // parameter is not its empty default. When none is admitted, the value is one the deployer supplies.
      const admitted = candidates.filter((candidate) => this.admittedUnder(node, name, scalarString(candidate) ?? ''));
      if (admitted.length > 0) return admitted.map((candidate) => fromParameter(candidate, via));
      // Kept as a placeholder rather than `unknown`, so `arn:aws:s3:::${Bucket}/*` still reads as one bucket.
      return [{ kind: 'partial', text: `\${${name}}`, refs: [{ name, kind: 'parameter' }], node }];
    }
    if (this.template?.resources.has(name)) {
      return [{ kind: 'partial', text: `\${${name}}`, refs: [{ name, kind: 'resource' }], node }];
    }
    return [{ kind: 'unknown', reason: `Ref to ${name}, which the template does not define`, refs: [{ name, kind: 'other' }], node }];
  }

  private resolveGetAtt(node: SourceNode, argument: SourceNode): ResolvedValue[] {
    const parts = isSeq(argument) ? argument.items.map((item) => scalarString(item)) : [];
    const [logicalId, attribute] = parts;
    if (logicalId === undefined || attribute === undefined) return [unknown(node, 'Fn::GetAtt whose target could not be read')];
    return [
      {
        kind: 'partial',
        text: `\${${logicalId}.${attribute}}`,
        refs: [{ name: logicalId, kind: this.template?.resources.has(logicalId) ? 'resource' : 'other', attribute }],
        node,
      },
    ];
  }

  private resolveSub(node: SourceNode, argument: SourceNode, depth: number): ResolvedValue[] {
    let textNode: SourceNode | undefined = argument;
    let variables: SourceNode | undefined;
    if (isSeq(argument)) {
      if (argument.items.length !== 2 || !isMap(argument.items[1])) return [unknown(node, 'Fn::Sub needs a string and a map of variables')];
      [textNode, variables] = argument.items;
    }
    const text = scalarString(textNode);
    if (text === undefined) return [unknown(node, 'Fn::Sub whose string could not be read')];

    let results: { text: string; refs: Reference[]; unknownReason?: string; via?: string }[] = [{ text: '', refs: [] }];
    const pattern = /\$\{([^}]*)\}/g;
    let last = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const literal = text.slice(last, match.index);
      last = match.index + match[0].length;
      const name = match[1]!.trim();
      let pieces: ResolvedValue[];
      if (name.startsWith('!')) {
        results = results.map((r) => ({ ...r, text: r.text + literal + '${' + name.slice(1) + '}' }));
        continue;
      }
      const variable = getKey(variables, name);
      if (variable !== undefined) pieces = this.resolveAt(variable, depth + 1);
      else if (name.includes('.')) {
        const dot = name.indexOf('.');
        const logicalId = name.slice(0, dot);
        pieces = [
          {
            kind: 'partial',
            text: `\${${name}}`,
            refs: [{ name: logicalId, kind: this.template?.resources.has(logicalId) ? 'resource' : 'other', attribute: name.slice(dot + 1) }],
            node,
          },
        ];
      } else pieces = this.resolveRef(node, name);
      const next: typeof results = [];
      for (const result of results) {
        for (const piece of pieces) {
          next.push(appendPiece(result, literal, piece, name));
          if (next.length >= MAX_ALTERNATIVES) break;
        }
      }
      results = next;
    }
    return results.map((r) => {
      const full = r.text + text.slice(last);
      if (r.unknownReason !== undefined) return { kind: 'unknown', reason: r.unknownReason, refs: r.refs, node };
      if (r.refs.length === 0) return { kind: 'known', value: full, node, ...(r.via ? { via: r.via } : {}) };
      return { kind: 'partial', text: full, refs: r.refs, node, ...(r.via ? { via: r.via } : {}) };
    });
  }

  private resolveJoin(node: SourceNode, argument: SourceNode, depth: number): ResolvedValue[] {
    if (!isSeq(argument) || argument.items.length !== 2) return [unknown(node, 'Fn::Join needs a delimiter and a list')];
    const delimiter = scalarString(argument.items[0]) ?? '';
    const listNode = argument.items[1]!;
    const elementSets: ResolvedValue[][] = isSeq(listNode)
      ? listNode.items.flatMap((item) => {
          const values = this.resolveAt(item, depth + 1).filter((v) => v.kind !== 'absent');
          return values.length === 0 ? [] : [values];
        })
      : [this.resolveAt(listNode, depth + 1)];
    let results: { parts: string[]; refs: Reference[]; unknownReason?: string; via?: string }[] = [{ parts: [], refs: [] }];
    for (const values of elementSets) {
      const next: typeof results = [];
      for (const result of results) {
        for (const value of values) {
          if (value.kind === 'known' && Array.isArray(value.value)) {
            next.push({ ...result, parts: [...result.parts, ...value.value], via: result.via ?? value.via });
          } else {
            const appended = appendPiece({ text: '', refs: result.refs, unknownReason: result.unknownReason, via: result.via }, '', value, 'element');
            next.push({ ...appended, parts: [...result.parts, appended.text] });
          }
          if (next.length >= MAX_ALTERNATIVES) break;
        }
      }
      results = next;
    }
    return results.map((r) => {
      const text = r.parts.join(delimiter);
      if (r.unknownReason !== undefined) return { kind: 'unknown', reason: r.unknownReason, refs: r.refs, node };
      if (r.refs.length === 0) return { kind: 'known', value: text, node, ...(r.via ? { via: r.via } : {}) };
      return { kind: 'partial', text, refs: r.refs, node, ...(r.via ? { via: r.via } : {}) };
    });
  }

  private resolveFindInMap(node: SourceNode, argument: SourceNode, depth: number): ResolvedValue[] {
    if (!isSeq(argument) || argument.items.length < 3) return [unknown(node, 'Fn::FindInMap needs a map name and two keys')];
    const [mapName, topKey, secondKey] = argument.items.slice(0, 3).map((item) => this.resolveAt(item, depth + 1));
    const map = getKey(this.template?.mappings, knownText(mapName![0]) ?? '');
    if (!isMap(map)) return [unknown(node, 'Fn::FindInMap refers to a mapping the template does not define')];
    const candidates = (values: ResolvedValue[], within: SourceNode | undefined): SourceNode[] => {
      if (!isMap(within)) return [];
      // A key known only at deployment (the region, a parameter without default) may be any key.
      if (values.some((v) => v.kind !== 'known')) return within.entries.map((e) => e.value);
      return values.flatMap((v) => {
        const found = getKey(within, String((v as { value: unknown }).value));
        return found === undefined ? [] : [found];
      });
    };
    const found = candidates(topKey!, map).flatMap((level) => candidates(secondKey!, level));
    if (found.length === 0) return [unknown(node, 'Fn::FindInMap keys not found in the mapping')];
    return found.flatMap((value) => this.resolveAt(value, depth + 1));
  }

  private resolveSelect(node: SourceNode, argument: SourceNode, depth: number): ResolvedValue[] {
    if (!isSeq(argument) || argument.items.length !== 2) return [unknown(node, 'Fn::Select needs an index and a list')];
    const indexes = this.resolveAt(argument.items[0]!, depth + 1);
    const listNode = argument.items[1]!;
    const out: ResolvedValue[] = [];
    for (const indexValue of indexes) {
      const index = indexValue.kind === 'known' ? Number(indexValue.value) : NaN;
      if (!Number.isInteger(index)) {
        out.push(unknown(node, 'Fn::Select index is not known'));
        continue;
      }
      if (isSeq(listNode)) {
        const item = listNode.items[index];
        out.push(...(item === undefined ? [unknown(node, 'Fn::Select index out of range')] : this.resolveAt(item, depth + 1)));
        continue;
      }
      for (const list of this.resolveAt(listNode, depth + 1)) {
        if (list.kind === 'known' && Array.isArray(list.value)) {
          const element = list.value[index];
          out.push(element === undefined ? unknown(node, 'Fn::Select index out of range') : { kind: 'known', value: element, node: list.node, ...(list.via ? { via: list.via } : {}) });
        } else out.push(unknown(node, 'Fn::Select from a list not known until deployment'));
      }
    }
    return out;
  }

  private resolveSplit(node: SourceNode, argument: SourceNode, depth: number): ResolvedValue[] {
    if (!isSeq(argument) || argument.items.length !== 2) return [unknown(node, 'Fn::Split needs a delimiter and a string')];
    const delimiter = scalarString(argument.items[0]) ?? ',';
    return this.resolveAt(argument.items[1]!, depth + 1).map((value) =>
      value.kind === 'known' && typeof value.value === 'string'
        ? { kind: 'known', value: value.value.split(delimiter), node: value.node, ...(value.via ? { via: value.via } : {}) }
        : unknown(node, 'Fn::Split of a string not known until deployment'),
    );
  }
}

/** `{ name, argument }` when the node is a one-key map naming an intrinsic function (or Ref/Condition). */
export function intrinsicOf(node: SourceNode | undefined): { name: string; argument: SourceNode } | undefined {
  if (!isMap(node) || node.entries.length !== 1) return undefined;
  const entry = node.entries[0]!;
  const name = entry.key.value;
  if (typeof name !== 'string') return undefined;
  if (name === 'Ref' || name === 'Condition' || name.startsWith('Fn::')) return { name, argument: entry.value };
  return undefined;
}

/** Human-readable rendering for messages: the value, the text with placeholders, or why it is unknown. */
export function describeValue(value: ResolvedValue): string {
  switch (value.kind) {
    case 'known':
      return Array.isArray(value.value) ? value.value.join(',') : String(value.value);
    case 'partial':
      return value.text;
    case 'structure':
      return '(a structure)';
    case 'unknown':
      return `(unknown: ${value.reason})`;
    case 'absent':
      return `(${value.written ?? 'AWS::NoValue'})`;
  }
}

/** The text of a `known` or `partial` value; `undefined` otherwise. */
export function valueText(value: ResolvedValue): string | undefined {
  if (value.kind === 'known') return Array.isArray(value.value) ? value.value.join(',') : value.value === null ? undefined : String(value.value);
  if (value.kind === 'partial') return value.text;
  return undefined;
}

function knownText(value: ResolvedValue | undefined): string | undefined {
  return value?.kind === 'known' && !Array.isArray(value.value) && value.value !== null ? String(value.value) : undefined;
}

function unknown(node: SourceNode, reason: string): ResolvedValue {
  return { kind: 'unknown', reason, refs: [], node };
}

function coerce(node: SourceNode): ScalarValue {
  return isScalar(node) ? node.value : null;
}

function appendPiece(
  result: { text: string; refs: Reference[]; unknownReason?: string; via?: string },
  literal: string,
  piece: ResolvedValue,
  name: string,
): { text: string; refs: Reference[]; unknownReason?: string; via?: string } {
  const via = result.via ?? ('via' in piece ? piece.via : undefined);
  const base = { ...result, ...(via ? { via } : {}) };
  switch (piece.kind) {
    case 'known':
      return { ...base, text: result.text + literal + (Array.isArray(piece.value) ? piece.value.join(',') : String(piece.value ?? '')) };
    case 'partial':
      return { ...base, text: result.text + literal + piece.text, refs: [...result.refs, ...piece.refs] };
    case 'absent':
      return { ...base, text: result.text + literal };
    case 'unknown':
      return {
        ...base,
        text: result.text + literal + '${' + name + '}',
        refs: [...result.refs, ...piece.refs],
        unknownReason: result.unknownReason ?? piece.reason,
      };
    case 'structure':
      return { ...base, text: result.text + literal + '${' + name + '}', unknownReason: result.unknownReason ?? `${name} is not a string` };
  }
}

export type { MapNode };
