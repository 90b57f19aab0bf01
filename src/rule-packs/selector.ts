import { isMap, isSeq, type MapNode, type SourceNode } from '../parse/nodes.js';
import { LIMITS } from './limits.js';

/**
 * Selectors: a closed subset of JSONPath (names, indexes, `*`, `..`, unions, slices), parsed here and
 * evaluated here on the SourceNode tree, so a finding points at the exact node the selector matched.
 * Filter and script expressions (`[?(…)]`, `[(…)]`), parent (`^`), property-name (`~`) and type
 * (`@string()`) operators are refused when the rule is loaded; there is no code path that could evaluate
 * them (jsonpath-plus's script evaluation had CVE-2024-21534 and CVE-2025-1302).
 */

export type Segment =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'descent' }
  | { kind: 'union'; members: (string | number)[] }
  | { kind: 'slice'; start?: number; end?: number };

export interface CompiledSelector {
  /** As the author wrote it. */
  readonly source: string;
  readonly segments: readonly Segment[];
  /** The leading run of plain names and indexes: where "missing" is located and intrinsics detected. */
  readonly fixedPrefix: readonly (string | number)[];
  /** `true` when the selector is only names and indexes (it selects at most one node). */
  readonly isFixed: boolean;
  /** The same selector in jsonpath-plus's syntax (the tests check that both select the same nodes). */
  readonly canonical: string;
}

export type SelectorResult = { ok: true; selector: CompiledSelector } | { ok: false; message: string };

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_:-]*/;
/** Quoted names: no quotes, brackets, commas, `*`, or characters jsonpath-plus gives meaning to. */
const QUOTED_NAME = /^[A-Za-z0-9_:\-./ ]+$/;
const FORBIDDEN = /[?()@^~`$%\\]/;

export function parseSelector(source: string): SelectorResult {
  const fail = (message: string): SelectorResult => ({ ok: false, message: `selector ${JSON.stringify(source)}: ${message}` });
  if (source.length > LIMITS.maxSelectorLength) return fail(`longer than ${LIMITS.maxSelectorLength} characters`);
  if (!source.startsWith('$')) return fail('must start with `$` (the resource, or the document when the rule has no `resources`)');
  const rest = source.slice(1);
  if (FORBIDDEN.test(rest)) {
    return fail(
      'filter and script expressions (`?(…)`, `(…)`), `@`, `^`, `~` and `$` inside a path are not supported: selectors are names, indexes, `*`, `..`, unions and slices only, and nothing in a rule is ever evaluated as code',
    );
  }
  const segments: Segment[] = [];
  let i = 0;
  while (i < rest.length) {
    if (segments.length >= LIMITS.maxSelectorSegments) return fail(`more than ${LIMITS.maxSelectorSegments} segments`);
    if (rest.startsWith('..', i)) {
      if (segments.at(-1)?.kind === 'descent') return fail('`...` is not a segment');
      segments.push({ kind: 'descent' });
      i += 2;
      if (rest[i] === '[') continue;
      const parsed = dotName(rest.slice(i));
      if (parsed === undefined) return fail(`expected a name or \`*\` after \`..\` at character ${i + 2}`);
      segments.push(parsed.segment);
      i += parsed.length;
    } else if (rest[i] === '.') {
      i += 1;
      const parsed = dotName(rest.slice(i));
      if (parsed === undefined) return fail(`expected a name or \`*\` after \`.\` at character ${i + 1}`);
      segments.push(parsed.segment);
      i += parsed.length;
    } else if (rest[i] === '[') {
      const close = rest.indexOf(']', i);
      if (close < 0) return fail(`\`[\` at character ${i + 2} is not closed`);
      const inner = rest.slice(i + 1, close);
      const segment = bracket(inner);
      if (typeof segment === 'string') return fail(segment);
      segments.push(segment);
      i = close + 1;
    } else {
      return fail(`unexpected ${JSON.stringify(rest[i])} at character ${i + 2}; use \`.Name\` or \`['Name']\``);
    }
  }
  if (segments.at(-1)?.kind === 'descent') return fail('cannot end with `..`');
  const fixedPrefix: (string | number)[] = [];
  for (const segment of segments) {
    if (segment.kind === 'name') fixedPrefix.push(segment.name);
    else if (segment.kind === 'index') fixedPrefix.push(segment.index);
    else break;
  }
  return {
    ok: true,
    selector: { source, segments, fixedPrefix, isFixed: fixedPrefix.length === segments.length, canonical: '$' + segments.map(canonicalSegment).join('') },
  };
}

function dotName(text: string): { segment: Segment; length: number } | undefined {
  if (text.startsWith('*')) return { segment: { kind: 'wildcard' }, length: 1 };
  const match = PLAIN_NAME.exec(text);
  return match === null ? undefined : { segment: { kind: 'name', name: match[0] }, length: match[0].length };
}

function bracket(inner: string): Segment | string {
  const text = inner.trim();
  if (text === '*') return { kind: 'wildcard' };
  if (/^\d+$/.test(text)) return { kind: 'index', index: Number(text) };
  const slice = /^(-?\d*):(-?\d*)$/.exec(text);
  if (slice !== null) {
    return { kind: 'slice', ...(slice[1] !== '' ? { start: Number(slice[1]) } : {}), ...(slice[2] !== '' ? { end: Number(slice[2]) } : {}) };
  }
  const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(text);
  if (quoted !== null) {
    const name = quoted[1] ?? quoted[2] ?? '';
    if (!QUOTED_NAME.test(name) || !/[A-Za-z_]/.test(name)) {
      return `the quoted name ${JSON.stringify(name)} may contain only letters, digits, spaces and _ : - . / (and at least one letter)`;
    }
    return { kind: 'name', name };
  }
  if (text.includes(',')) {
    const members: (string | number)[] = [];
    for (const member of text.split(',').map((m) => m.trim())) {
      if (/^\d+$/.test(member)) members.push(Number(member));
      else if (PLAIN_NAME.exec(member)?.[0] === member) members.push(member);
      else return `union member ${JSON.stringify(member)} must be a plain name or an index (no quotes)`;
    }
    return { kind: 'union', members };
  }
  return `\`[${inner}]\` is not a supported selector segment (use [n], [*], ['Name'], [A,B] or [start:end])`;
}

function canonicalSegment(segment: Segment): string {
  switch (segment.kind) {
    case 'name':
      return `['${segment.name}']`;
    case 'index':
      return `[${segment.index}]`;
    case 'wildcard':
      return '[*]';
    case 'descent':
      return '..';
    case 'union':
      return `[${segment.members.join(',')}]`;
    case 'slice':
      return `[${segment.start ?? ''}:${segment.end ?? ''}]`;
  }
}

/** Why a selection stopped early. */
export type SelectionStop = 'too-many' | 'work';

export interface Selection {
  nodes: SourceNode[];
  stopped?: SelectionStop;
}

class StopSelection extends Error {
  constructor(readonly reason: SelectionStop) {
    super(reason);
  }
}

/**
 * The nodes `selector` matches below `scope` (which is `$`), in JSONPath order (jsonpath-plus's, which a
 * test checks this against), each once. Stops at `limit` nodes; `stopped` then says why and `nodes` holds
 * what was found so far. Before walking, the selection is charged the size of the scope (every node it
 * could visit) through `charge`, which answers false when the rule's work budget cannot pay: the
 * selection then does not run at all.
 *
 * The selector is evaluated on the SourceNode tree itself: no plain copy of the template is made (on a
 * 10 MB template those copies were ~25 MB), and every result is the node a finding points at.
 */
export function selectNodes(scope: SourceNode, selector: CompiledSelector, limit: number = LIMITS.maxSelected, charge: (units: number) => boolean = () => true): Selection {
  if (selector.segments.length === 0) return { nodes: [scope] };
  if (scope.kind === 'scalar') return { nodes: [] };
  if (!charge(subtreeSize(scope))) return { nodes: [], stopped: 'work' };
  const nodes: SourceNode[] = [];
  const seen = new Set<SourceNode>();
  try {
    trace(scope, selector.segments, 0, (node) => {
      if (seen.has(node)) return;
      seen.add(node);
      nodes.push(node);
      if (nodes.length > limit) throw new StopSelection('too-many');
    });
  } catch (error) {
    if (error instanceof StopSelection) return { nodes: nodes.slice(0, limit), stopped: error.reason };
    throw error;
  }
  return { nodes };
}

/** Applies `segments[index..]` at `node`, calling `found` for each match in JSONPath order. */
function trace(node: SourceNode, segments: readonly Segment[], index: number, found: (node: SourceNode) => void): void {
  const segment = segments[index];
  if (segment === undefined) {
    found(node);
    return;
  }
  // No helper closure here: this runs for every node a `..` visits, and a closure per call was the
  // largest allocation of a pack rule on a 10 MB template.
  switch (segment.kind) {
    case 'name':
    case 'index': {
      const child = member(node, segment.kind === 'name' ? segment.name : segment.index);
      if (child !== undefined) trace(child, segments, index + 1, found);
      return;
    }
    case 'union':
      for (const name of segment.members) {
        const child = member(node, name);
        if (child !== undefined) trace(child, segments, index + 1, found);
      }
      return;
    case 'wildcard':
      if (isMap(node) && inWrittenOrder(node)) for (const entry of node.entries) trace(entry.value, segments, index + 1, found);
      else for (const child of childrenInKeyOrder(node)) trace(child, segments, index + 1, found);
      return;
    case 'slice': {
      if (!isSeq(node)) return;
      // jsonpath-plus's arithmetic, quirks included: a missing or zero end means the whole list.
      const length = node.items.length;
      const start = segment.start ?? 0;
      const end = segment.end === undefined || segment.end === 0 ? length : segment.end;
      const from = start < 0 ? Math.max(0, start + length) : Math.min(length, start);
      const to = end < 0 ? Math.max(0, end + length) : Math.min(length, end);
      for (let i = from; i < to; i++) trace(node.items[i]!, segments, index + 1, found);
      return;
    }
    case 'descent':
      // The rest of the selector here, then `..` again in every collection below, depth first.
      trace(node, segments, index + 1, found);
      if (isMap(node) && inWrittenOrder(node)) {
        for (const entry of node.entries) if (entry.value.kind !== 'scalar') trace(entry.value, segments, index, found);
      } else {
        for (const child of childrenInKeyOrder(node)) if (child.kind !== 'scalar') trace(child, segments, index, found);
      }
      return;
  }
}

/** A map's value by key as text (the first of duplicate keys, as `getKey`; `3:` is key "3"), or a list's item by index. */
function member(node: SourceNode, name: string | number): SourceNode | undefined {
  if (isMap(node)) {
    const key = String(name);
    for (const entry of node.entries) if (entry.key.value === key || String(entry.key.value) === key) return entry.value;
    return undefined;
  }
  if (isSeq(node) && typeof name === 'number') return node.items[name];
  return undefined;
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * Whether a map's JavaScript property order is simply its written order: no key looks like an array
 * index and none repeats, as in almost every template. Checked without allocating for small maps.
 */
function inWrittenOrder(node: MapNode): boolean {
  const entries = node.entries;
  for (let i = 0; i < entries.length; i++) {
    const key = entries[i]!.key.value;
    if (typeof key !== 'string') return false;
    const first = key.charCodeAt(0);
    if (first >= 48 && first <= 57) return false;
  }
  if (entries.length <= 16) {
    for (let i = 1; i < entries.length; i++) for (let j = 0; j < i; j++) if (entries[i]!.key.value === entries[j]!.key.value) return false;
    return true;
  }
  return new Set(entries.map((entry) => entry.key.value)).size === entries.length;
}

/**
 * Children in the order JSONPath visits them: list items in order; map values in JavaScript's property
 * order (keys that are array indexes first, ascending, then the others as written), each key once.
 */
function childrenInKeyOrder(node: SourceNode): SourceNode[] {
  if (isSeq(node)) return node.items;
  if (!isMap(node)) return [];
  const firstByKey = new Map<string, SourceNode>();
  const indexKeys: number[] = [];
  for (const entry of node.entries) {
    const key = String(entry.key.value);
    if (firstByKey.has(key)) continue;
    firstByKey.set(key, entry.value);
    if (ARRAY_INDEX.test(key) && Number(key) < 4294967295) indexKeys.push(Number(key));
  }
  if (indexKeys.length === 0) return [...firstByKey.values()];
  indexKeys.sort((a, b) => a - b);
  const ordered = indexKeys.map((key) => firstByKey.get(String(key))!);
  for (const [key, value] of firstByKey) if (!(ARRAY_INDEX.test(key) && Number(key) < 4294967295)) ordered.push(value);
  return ordered;
}

const sizeCache = new WeakMap<SourceNode, number>();

/** Nodes in a subtree, the node included; cached for the nodes asked about (selection scopes), not for every descendant. */
export function subtreeSize(node: SourceNode): number {
  let size = sizeCache.get(node);
  if (size === undefined) {
    size = 0;
    const pending: SourceNode[] = [node];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      size++;
      if (next.kind === 'seq') pending.push(...next.items);
      else if (next.kind === 'map') for (const entry of next.entries) pending.push(entry.value);
    }
    sizeCache.set(node, size);
  }
  return size;
}

/** `true` when the node is a map (used by callers that need to know whether a scope can hold keys). */
export function isContainer(node: SourceNode | undefined): boolean {
  return isMap(node) || isSeq(node);
}
