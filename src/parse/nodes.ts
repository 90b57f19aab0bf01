/**
 * The parsed shape of every document trustgate reads. YAML and JSON both become this tree, so rules
 * never care which syntax a template was written in. Every node keeps its character offsets in the
 * source text and a link to its parent, from which its JSON path is derived on demand.
 */

export type ScalarValue = string | number | boolean | null;

interface NodeBase {
  /** Offset of the first character of the node in the source text. */
  readonly start: number;
  /** Offset just past the last character of the node. */
  readonly end: number;
  parent?: SourceNode;
  /** The map key or sequence index under which the parent holds this node. */
  key?: string | number;
}

export interface ScalarNode extends NodeBase {
  readonly kind: 'scalar';
  readonly value: ScalarValue;
}

export interface MapEntry {
  readonly key: ScalarNode;
  readonly value: SourceNode;
}

export interface MapNode extends NodeBase {
  readonly kind: 'map';
  readonly entries: MapEntry[];
}

export interface SeqNode extends NodeBase {
  readonly kind: 'seq';
  readonly items: SourceNode[];
}

export type SourceNode = ScalarNode | MapNode | SeqNode;

export function isMap(node: SourceNode | undefined): node is MapNode {
  return node?.kind === 'map';
}

export function isSeq(node: SourceNode | undefined): node is SeqNode {
  return node?.kind === 'seq';
}

export function isScalar(node: SourceNode | undefined): node is ScalarNode {
  return node?.kind === 'scalar';
}

/**
 * The value under `key` in a map node; `undefined` when the node is not a map or lacks the key. A key
 * given twice gives its last value, as CloudFormation, IAM, JSON.parse and the `yaml` package read it
 * (the scan reports the repeat as a blocking finding: src/parse/parse-file.ts).
 */
export function getKey(node: SourceNode | undefined, key: string): SourceNode | undefined {
  if (!isMap(node)) return undefined;
  const entries = node.entries;
  for (let index = entries.length - 1; index >= 0; index--) if (entries[index]!.key.value === key) return entries[index]!.value;
  return undefined;
}

/** Like {@link getKey}, matching the key without regard to case (IAM policy element names); the last match wins. */
export function getKeyIgnoreCase(node: SourceNode | undefined, key: string): SourceNode | undefined {
  if (!isMap(node)) return undefined;
  const wanted = key.toLowerCase();
  const entries = node.entries;
  for (let index = entries.length - 1; index >= 0; index--) {
    const name = entries[index]!.key.value;
    if (typeof name === 'string' && name.toLowerCase() === wanted) return entries[index]!.value;
  }
  return undefined;
}

/** The map entry for `key` (the last, as {@link getKey}), to point a finding at the key itself. */
export function getEntry(node: SourceNode | undefined, key: string): MapEntry | undefined {
  if (!isMap(node)) return undefined;
  const entries = node.entries;
  for (let index = entries.length - 1; index >= 0; index--) if (entries[index]!.key.value === key) return entries[index];
  return undefined;
}

/** Walks `keys` down a tree of maps and sequences. */
export function getPath(node: SourceNode | undefined, keys: readonly (string | number)[]): SourceNode | undefined {
  let current = node;
  for (const key of keys) {
    if (current === undefined) return undefined;
    if (typeof key === 'number') current = isSeq(current) ? current.items[key] : undefined;
    else current = getKey(current, key);
  }
  return current;
}

/** The string value of a scalar node, or `undefined`. Numbers are returned as their text. */
export function scalarString(node: SourceNode | undefined): string | undefined {
  if (!isScalar(node) || node.value === null) return undefined;
  return String(node.value);
}

/** JSON path segments from the document root to the node. */
export function pathSegments(node: SourceNode): (string | number)[] {
  const segments: (string | number)[] = [];
  for (let current: SourceNode | undefined = node; current?.parent !== undefined; current = current.parent) {
    if (current.key !== undefined) segments.push(current.key);
  }
  return segments.reverse();
}

/** Renders a path the way IAM tools do: `Resources.Role.Properties.Policies[0].PolicyDocument`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_:-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export function nodePath(node: SourceNode): string {
  return formatPath(pathSegments(node));
}

/** Converts a node tree to plain JSON-like data (for hashing, Access Analyzer and custom rules). */
export function toPlain(node: SourceNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toPlain);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const entry of node.entries) out[String(entry.key.value)] = toPlain(entry.value);
      return out;
    }
  }
}

/*
 * Parsers build nodes through these constructors rather than object literals. A 10 MB template has
 * ~1.2 million nodes, so every field costs ~10 MB: each class sets all its fields at construction (V8
 * moves properties added later into a separate out-of-line array), keeps `kind` on the prototype, and
 * derives `key` from the parent instead of storing it. Object literals remain valid nodes (synthetic
 * trees use them) and keep their own `key`.
 */

/** Keys set explicitly, for a node placed where its parent does not list it (a policy parsed from a string). */
const placedKeys = new WeakMap<ParsedNode, string | number | undefined>();

abstract class ParsedNode {
  parent: SourceNode | undefined = undefined;

  /** Found in the parent when asked: only paths (findings, messages) read it. */
  get key(): string | number | undefined {
    if (placedKeys.has(this)) return placedKeys.get(this);
    return keyInParent(this as unknown as SourceNode);
  }

  set key(key: string | number | undefined) {
    placedKeys.set(this, key);
  }
}

function keyInParent(node: SourceNode): string | number | undefined {
  const parent = node.parent;
  if (parent?.kind === 'seq') {
    if (parent.items.length > LINEAR_LOOKUP_LIMIT) return childKeyIndex(parent).get(node);
    const index = parent.items.indexOf(node);
    return index < 0 ? undefined : index;
  }
  if (parent?.kind === 'map') {
    if (parent.entries.length > LINEAR_LOOKUP_LIMIT) return childKeyIndex(parent).get(node);
    for (const entry of parent.entries) if (entry.value === node) return String(entry.key.value);
  }
  return undefined;
}

/** Above this many children a key is looked up in an index built on first use, not searched for. */
const LINEAR_LOOKUP_LIMIT = 16;
const childKeyIndexes = new WeakMap<SourceNode, Map<SourceNode, string | number>>();

/**
 * Child to key for a large collection (a template's `Resources` has thousands of entries, and every
 * finding's path passes through it). Only collections whose children are asked for their key get one.
 */
function childKeyIndex(parent: MapNode | SeqNode): Map<SourceNode, string | number> {
  let index = childKeyIndexes.get(parent);
  if (index !== undefined) return index;
  index = new Map();
  if (parent.kind === 'seq') parent.items.forEach((item, position) => index!.set(item, position));
  // The first entry wins, as in the linear search, should a map repeat a value node.
  else for (const entry of parent.entries) if (!index.has(entry.value)) index.set(entry.value, String(entry.key.value));
  childKeyIndexes.set(parent, index);
  return index;
}

class ScalarNodeImpl extends ParsedNode {
  declare readonly kind: 'scalar';
  constructor(
    readonly value: ScalarValue,
    readonly start: number,
    public end: number,
  ) {
    super();
  }
}

class MapNodeImpl extends ParsedNode {
  declare readonly kind: 'map';
  constructor(
    readonly entries: MapEntry[],
    readonly start: number,
    public end: number,
  ) {
    super();
  }
}

class SeqNodeImpl extends ParsedNode {
  declare readonly kind: 'seq';
  constructor(
    readonly items: SourceNode[],
    readonly start: number,
    public end: number,
  ) {
    super();
  }
}

Object.defineProperty(ScalarNodeImpl.prototype, 'kind', { value: 'scalar', enumerable: true });
Object.defineProperty(MapNodeImpl.prototype, 'kind', { value: 'map', enumerable: true });
Object.defineProperty(SeqNodeImpl.prototype, 'kind', { value: 'seq', enumerable: true });

export function scalarNode(value: ScalarValue, start: number, end: number): ScalarNode {
  return new ScalarNodeImpl(value, start, end);
}

/**
 * A map node. `entries` is copied when it was grown by `push`: V8 leaves such arrays with room for
 * 16 more elements, which on small maps is most of their size.
 */
export function mapNode(entries: MapEntry[], start: number, end: number): MapNode {
  return new MapNodeImpl(entries.length === 0 ? EMPTY_ENTRIES : entries.slice(), start, end);
}

/** A sequence node; `items` is copied to its exact length, as in {@link mapNode}. */
export function seqNode(items: SourceNode[], start: number, end: number): SeqNode {
  return new SeqNodeImpl(items.length === 0 ? EMPTY_ITEMS : items.slice(), start, end);
}

/** Shared by every empty collection; nothing appends to a parsed tree. */
const EMPTY_ENTRIES: MapEntry[] = [];
const EMPTY_ITEMS: SourceNode[] = [];

/** Links each child to its parent (and key, for nodes that store it); parsers call this once on the finished tree. */
export function linkParents(root: SourceNode): void {
  const stack: SourceNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.kind === 'map') {
      for (const entry of node.entries) {
        entry.value.parent = node;
        if (!(entry.value instanceof ParsedNode)) entry.value.key = String(entry.key.value);
        entry.key.parent = node;
        stack.push(entry.value);
      }
    } else if (node.kind === 'seq') {
      node.items.forEach((item, index) => {
        item.parent = node;
        if (!(item instanceof ParsedNode)) item.key = index;
        stack.push(item);
      });
    }
  }
}
