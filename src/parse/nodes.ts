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

/** The value under `key` in a map node; `undefined` when the node is not a map or lacks the key. */
export function getKey(node: SourceNode | undefined, key: string): SourceNode | undefined {
  if (!isMap(node)) return undefined;
  for (const entry of node.entries) if (entry.key.value === key) return entry.value;
  return undefined;
}

/** Like {@link getKey}, matching the key without regard to case (IAM policy element names). */
export function getKeyIgnoreCase(node: SourceNode | undefined, key: string): SourceNode | undefined {
  if (!isMap(node)) return undefined;
  const wanted = key.toLowerCase();
  for (const entry of node.entries) {
    if (typeof entry.key.value === 'string' && entry.key.value.toLowerCase() === wanted) return entry.value;
  }
  return undefined;
}

/** The map entry for `key`, to point a finding at the key itself. */
export function getEntry(node: SourceNode | undefined, key: string): MapEntry | undefined {
  if (!isMap(node)) return undefined;
  return node.entries.find((entry) => entry.key.value === key);
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
 * moves properties added later, as `parent` and `key` were, into a separate out-of-line array) and
 * keeps `kind` on the prototype. Object literals remain valid nodes (synthetic trees use them).
 */
class ScalarNodeImpl {
  declare readonly kind: 'scalar';
  parent: SourceNode | undefined = undefined;
  key: string | number | undefined = undefined;
  constructor(
    readonly value: ScalarValue,
    readonly start: number,
    public end: number,
  ) {}
}

class MapNodeImpl {
  declare readonly kind: 'map';
  parent: SourceNode | undefined = undefined;
  key: string | number | undefined = undefined;
  constructor(
    readonly entries: MapEntry[],
    readonly start: number,
    public end: number,
  ) {}
}

class SeqNodeImpl {
  declare readonly kind: 'seq';
  parent: SourceNode | undefined = undefined;
  key: string | number | undefined = undefined;
  constructor(
    readonly items: SourceNode[],
    readonly start: number,
    public end: number,
  ) {}
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

/** Links each child to its parent and key; parsers call this once on the finished tree. */
export function linkParents(root: SourceNode): void {
  const stack: SourceNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.kind === 'map') {
      for (const entry of node.entries) {
        entry.value.parent = node;
        entry.value.key = String(entry.key.value);
        entry.key.parent = node;
        stack.push(entry.value);
      }
    } else if (node.kind === 'seq') {
      node.items.forEach((item, index) => {
        item.parent = node;
        item.key = index;
        stack.push(item);
      });
    }
  }
}
