import { parseJson } from '../parse/json.js';
import { isMap, isScalar, isSeq, scalarString, type MapEntry, type MapNode, type ScalarNode, type SourceNode } from '../parse/nodes.js';
import { scalarValueOffsets, type ValueOffsets } from '../parse/scalar-offsets.js';
import { intrinsicOf } from './intrinsics.js';

/**
 * Policies written as JSON text, as CloudFormation accepts them: a plain JSON string, `Fn::Sub` of JSON
 * text (`PolicyDocument: !Sub | {...}`), `Fn::Join` of JSON pieces. The text is parsed with every
 * `${…}` placeholder (and every non-literal piece of a join) kept as a value to resolve, not as text: a
 * string holding one becomes an `Fn::Sub` node that the shared resolver evaluates, so
 * `"arn:aws:s3:::${Bucket}/*"` reads as a bucket only known at deployment, exactly as
 * `!Sub arn:aws:s3:::${Bucket}/*` does. Every node of the result carries the file offsets of the
 * characters it was parsed from (inside the block scalar or the escaped string), so findings point at
 * the line and column in the file.
 *
 * Returns `undefined` when the node is not JSON text (a map, another intrinsic, text that is not JSON).
 * The nodes it points at that were written outside the text (Sub variables, join items) are shared, not
 * copied, and their parents are left as they are.
 */
export function parsePolicyText(node: SourceNode, source: string): SourceNode | undefined {
  const segments = segmentsOf(node, source, 0, true);
  if (segments === undefined) return undefined;
  const firstText = segments.find((s) => s.kind !== 'text' || s.text.trim() !== '');
  if (firstText === undefined || firstText.kind !== 'text' || !firstText.text.trimStart().startsWith('{')) return undefined;
  const built = buildText(segments);
  const parsed = parseJson(built.text);
  if (!parsed.ok || !isMap(parsed.root)) return undefined;
  const context: BuildContext = { starts: built.starts, ends: built.ends, holes: built.holes, end: built.end };
  const root = convert(context, parsed.root);
  link(root, context.foreign);
  root.parent = node.parent;
  if (node.key !== undefined) root.key = node.key;
  return root;
}

type Segment =
  | { kind: 'text'; text: string; starts: ArrayLike<number>; ends: ArrayLike<number> }
  /** A value inside the text: `name` as `Fn::Sub` would write it, `node` when it is a node of the file. */
  | { kind: 'hole'; name: string; node: SourceNode | undefined; start: number; end: number };

const MAX_DEPTH = 16;

function textOf(node: ScalarNode, source: string): Segment {
  const text = String(node.value);
  const offsets = scalarValueOffsets(source, node) ?? pinned(text.length, node);
  return { kind: 'text', text, starts: offsets.starts, ends: offsets.ends };
}

/** Every character spanning the whole scalar: used when the source cannot be mapped. */
function pinned(length: number, node: SourceNode): ValueOffsets {
  return { starts: new Uint32Array(length).fill(node.start), ends: new Uint32Array(length).fill(node.end) };
}

function segmentsOf(node: SourceNode, source: string, depth: number, top: boolean): Segment[] | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (isScalar(node)) return typeof node.value === 'string' ? [textOf(node, source)] : top ? undefined : [textOf({ ...node, value: String(node.value) }, source)];
  const fn = intrinsicOf(node);
  if (fn?.name === 'Fn::Sub') return subSegments(fn.argument, source);
  if (fn?.name === 'Fn::Join') return joinSegments(fn.argument, source, depth);
  return undefined;
}

function subSegments(argument: SourceNode, source: string): Segment[] | undefined {
  let textNode: SourceNode | undefined = argument;
  let variables: SourceNode | undefined;
  if (isSeq(argument)) {
    if (argument.items.length !== 2 || !isMap(argument.items[1])) return undefined;
    [textNode, variables] = argument.items;
  }
  if (!isScalar(textNode) || typeof textNode.value !== 'string') return undefined;
  const whole = textOf(textNode, source) as Extract<Segment, { kind: 'text' }>;
  const { text, starts, ends } = whole;
  const out: Segment[] = [];
  const pattern = /\$\{([^}]*)\}/g;
  let last = 0;
  const literal = (from: number, to: number, skip?: number): void => {
    let chars = '';
    const at: number[] = [];
    const past: number[] = [];
    for (let i = from; i < to; i++) {
      if (i === skip) continue;
      chars += text[i]!;
      at.push(starts[i]!);
      past.push(ends[i]!);
    }
    if (chars !== '') out.push({ kind: 'text', text: chars, starts: at, ends: past });
  };
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    literal(last, match.index);
    last = match.index + match[0].length;
    const raw = match[1]!;
    if (raw.trimStart().startsWith('!')) {
      // `${!Literal}` is the text `${Literal}`.
      literal(match.index, last, match.index + 2 + raw.indexOf('!'));
      continue;
    }
    const name = raw.trim();
    const variable = isMap(variables) ? variables.entries.find((e) => e.key.value === name)?.value : undefined;
    out.push({ kind: 'hole', name, node: variable, start: starts[match.index]!, end: ends[last - 1]! });
  }
  literal(last, text.length);
  return out;
}

function joinSegments(argument: SourceNode, source: string, depth: number): Segment[] | undefined {
  if (!isSeq(argument) || argument.items.length !== 2 || !isSeq(argument.items[1])) return undefined;
  const delimiterNode = argument.items[0]!;
  if (!isScalar(delimiterNode)) return undefined;
  const delimiter = textOf({ ...delimiterNode, value: delimiterNode.value === null ? '' : String(delimiterNode.value) }, source);
  const out: Segment[] = [];
  argument.items[1].items.forEach((item, index) => {
    if (index > 0 && delimiter.kind === 'text' && delimiter.text !== '') out.push(delimiter);
    const inner = segmentsOf(item, source, depth + 1, false);
    if (inner !== undefined) out.push(...inner);
    else out.push({ kind: 'hole', ...holeName(item), start: item.start, end: item.end });
  });
  return out;
}

/** How `Fn::Sub` would name a join item: `${Name}` for a Ref, `${Id.Attribute}` for a GetAtt, else a variable. */
function holeName(item: SourceNode): { name: string; node: SourceNode | undefined } {
  const fn = intrinsicOf(item);
  const ref = fn?.name === 'Ref' ? scalarString(fn.argument) : undefined;
  if (ref !== undefined && /^[A-Za-z0-9:]+$/.test(ref)) return { name: ref, node: undefined };
  if (fn?.name === 'Fn::GetAtt') {
    const parts = isSeq(fn.argument) ? fn.argument.items.map(scalarString) : (scalarString(fn.argument) ?? '').split('.');
    if (parts.length === 2 && parts.every((p) => p !== undefined && /^[A-Za-z0-9.]+$/.test(p))) return { name: `${parts[0]}.${parts[1]}`, node: undefined };
  }
  return { name: 'part', node: item };
}

interface Hole {
  name: string;
  node: SourceNode | undefined;
  start: number;
  end: number;
  /** Written where a JSON value goes (`"Action": ${Actions}`), not inside a string. */
  bare: boolean;
}

/** Private-use characters around a hole's number: valid inside a JSON string, never in a template. */
const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARKER = /\uE000(\d+)\uE001/g;

function buildText(segments: Segment[]): { text: string; starts: number[]; ends: number[]; holes: Hole[]; end: number } {
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  const holes: Hole[] = [];
  let inString = false;
  let escaped = false;
  let end = 0;
  for (const segment of segments) {
    if (segment.kind === 'text') {
      for (let i = 0; i < segment.text.length; i++) {
        const c = segment.text[i]!;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        text += c;
        starts.push(segment.starts[i]!);
        ends.push(segment.ends[i]!);
      }
      end = segment.text.length > 0 ? segment.ends[segment.text.length - 1]! : end;
      continue;
    }
    const marker = `${OPEN}${holes.length}${CLOSE}`;
    const written = inString ? marker : `"${marker}"`;
    holes.push({ name: segment.name, node: segment.node, start: segment.start, end: segment.end, bare: !inString });
    for (let i = 0; i < written.length; i++) {
      starts.push(segment.start);
      ends.push(segment.end);
    }
    text += written;
    end = segment.end;
  }
  return { text, starts, ends, holes, end };
}

interface BuildContext {
  starts: number[];
  ends: number[];
  holes: Hole[];
  end: number;
  /** Nodes of the file placed in the tree (Sub variables): linking must not reparent them. */
  foreign?: Set<SourceNode>;
}

function span(context: BuildContext, node: SourceNode): { start: number; end: number } {
  const start = context.starts[node.start] ?? context.end;
  const last = context.ends[node.end - 1];
  return { start, end: last === undefined ? context.end : Math.max(start, last) };
}

function convert(context: BuildContext, node: SourceNode): SourceNode {
  const { start, end } = span(context, node);
  if (node.kind === 'map') {
    const entries: MapEntry[] = node.entries.map((entry) => {
      const keySpan = span(context, entry.key);
      const keyText = String(entry.key.value).replace(MARKER, (_, n: string) => `\${${context.holes[Number(n)]?.name ?? ''}}`);
      const key: ScalarNode = { kind: 'scalar', value: keyText, start: keySpan.start, end: keySpan.end };
      return { key, value: convert(context, entry.value) };
    });
    return { kind: 'map', entries, start, end };
  }
  if (node.kind === 'seq') return { kind: 'seq', items: node.items.map((item) => convert(context, item)), start, end };
  if (typeof node.value !== 'string' || !node.value.includes(OPEN)) return { kind: 'scalar', value: node.value, start, end };
  return holeValue(context, node.value, start, end);
}

/** A string of the text that holds holes: the hole itself when it is the whole value, else an `Fn::Sub`. */
function holeValue(context: BuildContext, value: string, start: number, end: number): SourceNode {
  const only = /^\uE000(\d+)\uE001$/.exec(value);
  const single = only === null ? undefined : context.holes[Number(only[1])];
  if (single?.bare === true) return single.node !== undefined ? shallowCopy(single.node) : refNode(single.name, single.start, single.end);
  const variables: MapEntry[] = [];
  const names = new Map<SourceNode, string>();
  let text = '';
  let last = 0;
  for (const match of value.matchAll(MARKER)) {
    text += value.slice(last, match.index).replaceAll('${', '${!');
    last = match.index + match[0].length;
    const hole = context.holes[Number(match[1])]!;
    let name = hole.name;
    if (hole.node !== undefined) {
      name = names.get(hole.node) ?? uniqueName(hole.name, variables);
      if (!names.has(hole.node)) {
        names.set(hole.node, name);
        (context.foreign ??= new Set()).add(hole.node);
        variables.push({ key: { kind: 'scalar', value: name, start: hole.start, end: hole.end }, value: hole.node });
      }
    }
    text += `\${${name}}`;
  }
  text += value.slice(last).replaceAll('${', '${!');
  const textNode: ScalarNode = { kind: 'scalar', value: text, start, end };
  const argument: SourceNode =
    variables.length === 0 ? textNode : { kind: 'seq', items: [textNode, { kind: 'map', entries: variables, start, end } satisfies MapNode], start, end };
  return { kind: 'map', entries: [{ key: { kind: 'scalar', value: 'Fn::Sub', start, end }, value: argument }], start, end };
}

function uniqueName(base: string, taken: MapEntry[]): string {
  const used = new Set(taken.map((e) => String(e.key.value)));
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}${n}`)) return `${base}${n}`;
}

function refNode(name: string, start: number, end: number): SourceNode {
  const dot = name.indexOf('.');
  const argument: SourceNode =
    dot > 0 && !name.startsWith('AWS::')
      ? {
          kind: 'seq',
          items: [
            { kind: 'scalar', value: name.slice(0, dot), start, end },
            { kind: 'scalar', value: name.slice(dot + 1), start, end },
          ],
          start,
          end,
        }
      : { kind: 'scalar', value: name, start, end };
  return { kind: 'map', entries: [{ key: { kind: 'scalar', value: dot > 0 && !name.startsWith('AWS::') ? 'Fn::GetAtt' : 'Ref', start, end }, value: argument }], start, end };
}

/** The node's value at the node's place, with a parent of its own; its children stay where they are. */
function shallowCopy(node: SourceNode): SourceNode {
  if (node.kind === 'scalar') return { kind: 'scalar', value: node.value, start: node.start, end: node.end };
  if (node.kind === 'seq') return { kind: 'seq', items: node.items, start: node.start, end: node.end };
  return { kind: 'map', entries: node.entries, start: node.start, end: node.end };
}

/** Sets parent and key through the new tree, stopping at nodes of the file (and at shared children). */
function link(root: SourceNode, foreign: Set<SourceNode> | undefined): void {
  const stack: SourceNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.kind === 'map') {
      for (const entry of node.entries) {
        if (foreign?.has(entry.value) || entry.value.parent !== undefined) continue;
        entry.value.parent = node;
        entry.value.key = String(entry.key.value);
        entry.key.parent = node;
        stack.push(entry.value);
      }
    } else if (node.kind === 'seq') {
      node.items.forEach((item, index) => {
        if (foreign?.has(item) || item.parent !== undefined) return;
        item.parent = node;
        item.key = index;
        stack.push(item);
      });
    }
  }
}
