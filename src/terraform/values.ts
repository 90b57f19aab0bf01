import type { SourceFile } from '../parse/source-file.js';

/** Where a value is written: a file of the module and the character span in it. */
export interface Loc {
  file: SourceFile;
  start: number;
  end: number;
}

/**
 * A Terraform value after evaluation, every part remembering where it was written. What cannot be
 * known before apply stays symbolic: `ref` (an attribute of a resource of the module), `param` (a
 * variable, with or without a value), `pseudo` (account, region), `concat` (a string with such
 * parts), `cond` (both branches of a conditional), `unknown` (with the reason). Nothing unknown ever
 * becomes a wildcard or disappears.
 */
export type Value =
  /**
   * `places`: where each piece of the text is written, when it is the file's own (a heredoc, a file
   * read with file(), a heredoc built with directives), so JSON inside it maps back to its lines.
   */
  | { k: 'scalar'; v: string | number | boolean | null; loc: Loc; places?: TextPlace[] }
  | { k: 'list'; items: Value[]; loc: Loc }
  /** `unknownInstance`: the one instance standing for a dynamic block whose for_each is not known. */
  | { k: 'object'; entries: ObjectEntry[]; loc: Loc; unknownInstance?: string }
  /** An attribute of a resource of this module: `Ref` when `attr` is undefined, else `Fn::GetAtt`. */
  | { k: 'ref'; target: string; attr?: string; loc: Loc }
  /** A variable as a template parameter; `value` is its default or tfvars value when it has one. */
  | { k: 'param'; name: string; loc: Loc; value?: Value; fromTfvars?: boolean }
  | { k: 'pseudo'; name: 'AWS::AccountId' | 'AWS::Region' | 'AWS::Partition' | 'AWS::URLSuffix'; loc: Loc }
  | { k: 'concat'; parts: Value[]; loc: Loc; heredoc?: HeredocSource }
  | { k: 'cond'; whenTrue: Value; whenFalse: Value; loc: Loc }
  | { k: 'absent'; loc: Loc }
  /**
   * `error`: evaluation would fail in Terraform itself (an index out of range, null interpolated into a
   * template): `try()` moves past it to its next argument; any other unknown might be the value.
   */
  | { k: 'unknown'; reason: string; loc: Loc; error?: true };

/**
 * A piece of a text built by a template, from offset `at` of the text: written at `start`–`end` of
 * `file`, character for character when `exact`, else as a whole (an interpolated value).
 */
export interface TextPlace {
  at: number;
  file: SourceFile;
  start: number;
  end: number;
  exact: boolean;
}

/** A text that is the file's own at `loc`, character for character: one exact piece. */
export function writtenAt(loc: Loc): TextPlace[] {
  return [{ at: 0, file: loc.file, start: loc.start, end: loc.end, exact: true }];
}

export interface ObjectEntry {
  key: string;
  keyLoc: Loc;
  value: Value;
}

/** A heredoc with interpolations: its raw text span and the evaluated interpolations, for JSON inside it. */
export interface HeredocSource {
  contentStart: number;
  contentEnd: number;
  interpolations: { start: number; end: number; value: Value }[];
}

/**
 * The size a value expands to when written out (characters of its text, one per other node), counted
 * once per shared part: locals that double themselves build a small graph that expands exponentially.
 */
const weights = new WeakMap<Value, number>();
export function weightOf(value: Value): number {
  const known = weights.get(value);
  if (known !== undefined) return known;
  let weight = 1;
  switch (value.k) {
    case 'scalar':
      weight += typeof value.v === 'string' ? value.v.length : 1;
      break;
    case 'list':
      for (const item of value.items) weight += weightOf(item);
      break;
    case 'object':
      for (const entry of value.entries) weight += entry.key.length + weightOf(entry.value);
      break;
    case 'concat':
      for (const part of value.parts) weight += weightOf(part);
      break;
    case 'cond':
      weight += weightOf(value.whenTrue) + weightOf(value.whenFalse);
      break;
    case 'param':
      if (value.value !== undefined) weight += weightOf(value.value);
      break;
    default:
      break;
  }
  weights.set(value, weight);
  return weight;
}

export function scalar(v: string | number | boolean | null, loc: Loc): Value {
  return { k: 'scalar', v, loc };
}

export function unknown(reason: string, loc: Loc): Value {
  return { k: 'unknown', reason, loc };
}

/** What Terraform itself refuses to evaluate (see `error` on unknown values): not known, and never a value. */
export function failed(reason: string, loc: Loc): Value {
  return { k: 'unknown', reason, loc, error: true };
}

export function isFailed(value: Value): boolean {
  return value.k === 'unknown' && value.error === true;
}

/** The value a decision is made on: a variable's default or tfvars value stands for the variable. */
export function concrete(value: Value): Value {
  return value.k === 'param' && value.value !== undefined ? value.value : value;
}

/**
 * The value a conditional is decided on. A default may be changed by whoever calls the module, so a
 * conditional on it judges both branches (as Fn::If on a parameter does); a tfvars value decides, and so
 * does a default inside a module call (the call fixes every input it does not pass).
 */
export function decided(value: Value): Value {
  return value.k === 'param' && value.value !== undefined && value.fromTfvars === true ? value.value : value;
}

export function getEntry(value: Value | undefined, key: string): ObjectEntry | undefined {
  if (value?.k !== 'object') return undefined;
  for (let i = value.entries.length - 1; i >= 0; i--) if (value.entries[i]!.key === key) return value.entries[i];
  return undefined;
}

export function get(value: Value | undefined, key: string): Value | undefined {
  return getEntry(value, key)?.value;
}

/** A nested block's items (`statement`, `metadata_options`, …): every written and dynamic instance. */
export function blocks(value: Value | undefined, type: string): Value[] {
  const entry = get(value, type);
  if (entry === undefined) return [];
  return entry.k === 'list' ? entry.items : [entry];
}

/**
 * Text for a map key (a condition key, a principal type): a known string, or a template whose parts
 * are all known through variable values. `undefined` otherwise.
 */
export function keyText(value: Value | undefined): string | undefined {
  if (value === undefined) return undefined;
  const resolved = concrete(value);
  if (resolved.k === 'scalar') return resolved.v === null ? undefined : String(resolved.v);
  if (resolved.k === 'concat') {
    let text = '';
    for (const part of resolved.parts) {
      const piece = keyText(part);
      if (piece === undefined) return undefined;
      text += piece;
    }
    return text;
  }
  return undefined;
}

export function knownString(value: Value | undefined): string | undefined {
  return value?.k === 'scalar' && typeof value.v === 'string' ? value.v : undefined;
}

/** True when the value is fully known (no reference, variable or unknown anywhere in it). */
export function isKnown(value: Value): boolean {
  switch (value.k) {
    case 'scalar':
      return true;
    case 'list':
      return value.items.every(isKnown);
    case 'object':
      return value.entries.every((entry) => isKnown(entry.value));
    default:
      return false;
  }
}

/** Plain data of a known value (for jsonencode of known structures, keys, comparisons). */
export function plain(value: Value): unknown {
  switch (value.k) {
    case 'scalar':
      return value.v;
    case 'list':
      return value.items.map(plain);
    case 'object':
      return Object.fromEntries(value.entries.map((entry) => [entry.key, plain(entry.value)]));
    default:
      return undefined;
  }
}

/** Short text for messages: the known string, or what the value depends on. */
export function describe(value: Value): string {
  switch (value.k) {
    case 'scalar':
      return String(value.v);
    case 'ref':
      return value.attr === undefined ? value.target : `${value.target}.${value.attr}`;
    case 'param':
      return value.name;
    case 'pseudo':
      return value.name;
    case 'concat':
      return value.parts.map((part) => (part.k === 'scalar' ? String(part.v) : '${' + describe(part) + '}')).join('');
    case 'cond':
      return `${describe(value.whenTrue)} or ${describe(value.whenFalse)}`;
    case 'unknown':
      return `(unknown: ${value.reason})`;
    case 'absent':
      return 'null';
    case 'list':
      return '[…]';
    case 'object':
      return '{…}';
  }
}
