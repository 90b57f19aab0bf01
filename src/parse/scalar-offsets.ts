import type { ScalarNode } from './nodes.js';

/** Where the characters of a value were written: `value[i]` from `starts[i]` up to `ends[i]` in the file. */
export interface ValueOffsets {
  starts: Uint32Array;
  ends: Uint32Array;
}

/**
 * Where each character of a string scalar's value sits in the file (an escape such as `\"` or `''`
 * is the one character it writes). Needed to point inside a
 * string — a policy written as JSON text in a YAML block scalar or an escaped JSON string — at the exact
 * line and column. Handles plain, single- and double-quoted (YAML and JSON escapes) and literal or
 * folded block scalars. The mapping is checked against the parser's value: when the source cannot be
 * mapped with certainty it returns `undefined`, and the caller falls back to the scalar's own span.
 */
export function scalarValueOffsets(text: string, node: ScalarNode): ValueOffsets | undefined {
  if (typeof node.value !== 'string') return undefined;
  const value = node.value;
  const first = text.charCodeAt(node.start);
  let mapped: Mapped | undefined;
  if (first === DQUOTE) mapped = doubleQuoted(text, node.start + 1, node.end - 1);
  else if (first === SQUOTE) mapped = singleQuoted(text, node.start + 1, node.end - 1);
  else if (first === PIPE || first === GT) mapped = blockScalar(text, node.start, node.end, first === GT, value);
  else mapped = { chars: text.slice(node.start, node.end), offsets: range(node.start, node.end), ends: range(node.start + 1, node.end + 1) };
  if (mapped === undefined) return undefined;
  // Block scalars may carry trailing line breaks that chomping drops; anything else must agree exactly.
  if (!mapped.chars.startsWith(value) || !/^\n*$/.test(mapped.chars.slice(value.length))) {
    if (!(value.startsWith(mapped.chars) && /^\n*$/.test(value.slice(mapped.chars.length)))) return undefined;
  }
  const starts = new Uint32Array(value.length);
  const ends = new Uint32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    starts[i] = mapped.offsets[i] ?? node.end;
    ends[i] = mapped.ends?.[i] ?? starts[i]! + 1;
  }
  return { starts, ends };
}

interface Mapped {
  chars: string;
  offsets: number[];
  /** Past each character's source; one past its start when absent. */
  ends?: number[];
}

const DQUOTE = 34;
const SQUOTE = 39;
const PIPE = 124;
const GT = 62;

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0', a: '\x07', e: '\x1b', v: '\v',
  ' ': ' ', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029', '\t': '\t',
};

function doubleQuoted(text: string, from: number, to: number): Mapped | undefined {
  let chars = '';
  const offsets: number[] = [];
  const ends: number[] = [];
  for (let i = from; i < to; i++) {
    const c = text[i]!;
    if (c === '\n' || c === '\r') return undefined; // multi-line folding: not mapped
    if (c !== '\\') {
      chars += c;
      offsets.push(i);
      ends.push(i + 1);
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) return undefined;
    const width = e === 'u' ? 4 : e === 'x' ? 2 : e === 'U' ? 8 : 0;
    if (width > 0) {
      const hex = text.slice(i + 2, i + 2 + width);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) return undefined;
      const decoded = String.fromCodePoint(parseInt(hex, 16));
      for (const unit of decoded.split('')) {
        chars += unit;
        offsets.push(i);
        ends.push(i + 2 + width);
      }
      i += 1 + width;
      continue;
    }
    const simple = SIMPLE_ESCAPES[e];
    if (simple === undefined) return undefined;
    chars += simple;
    offsets.push(i);
    ends.push(i + 2);
    i += 1;
  }
  return { chars, offsets, ends };
}

function singleQuoted(text: string, from: number, to: number): Mapped | undefined {
  let chars = '';
  const offsets: number[] = [];
  const ends: number[] = [];
  for (let i = from; i < to; i++) {
    const c = text[i]!;
    if (c === '\n' || c === '\r') return undefined;
    chars += c;
    offsets.push(i);
    if (c === "'" && text[i + 1] === "'") i++;
    ends.push(i + 1);
  }
  return { chars, offsets, ends };
}

/** The content lines of a block scalar, indentation removed; folded ones are then aligned with the value. */
function blockScalar(text: string, start: number, end: number, folded: boolean, value: string): Mapped | undefined {
  const headerEnd = text.indexOf('\n', start);
  if (headerEnd < 0 || headerEnd >= end) return { chars: '', offsets: [] };
  let indent: number | undefined;
  const lines: { from: number; to: number }[] = [];
  for (let at = headerEnd + 1; at < end; ) {
    let to = text.indexOf('\n', at);
    if (to < 0 || to > end) to = end;
    lines.push({ from: at, to });
    at = to + 1;
  }
  for (const line of lines) {
    const content = text.slice(line.from, line.to);
    if (content.trim() === '') continue;
    indent = content.length - content.trimStart().length;
    break;
  }
  if (indent === undefined) return { chars: '', offsets: [] };
  let chars = '';
  const offsets: number[] = [];
  for (const line of lines) {
    const from = Math.min(line.from + indent, line.to);
    for (let i = from; i < line.to; i++) {
      chars += text[i]!;
      offsets.push(i);
    }
    if (line.to < text.length && text[line.to] === '\n') {
      chars += '\n';
      offsets.push(line.to);
    }
  }
  if (!folded) return { chars, offsets };
  // Folding turns single line breaks into spaces and drops one of several: align the value with the lines.
  let aligned = '';
  const alignedOffsets: number[] = [];
  let j = 0;
  for (let i = 0; i < value.length; i++) {
    const wanted = value[i]!;
    while (j < chars.length && chars[j] !== wanted && !(wanted === ' ' && chars[j] === '\n')) {
      if (chars[j] !== '\n') return undefined;
      j++;
    }
    if (j >= chars.length) return undefined;
    aligned += wanted;
    alignedOffsets.push(offsets[j]!);
    j++;
  }
  return { chars: aligned, offsets: alignedOffsets };
}
