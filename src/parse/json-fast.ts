import { linkParents, mapNode, scalarNode, seqNode, type MapEntry, type ScalarValue, type SourceNode } from './nodes.js';
import { StringPool } from './string-pool.js';

/**
 * A strict JSON reader (RFC 8259) that builds the SourceNode tree directly, with the offsets
 * jsonc-parser gives (strings include their quotes). It handles well-formed JSON only: at the first
 * thing it does not accept it gives up, and parseJson falls back to jsonc-parser, which reports the
 * error with its message and position. Why not jsonc-parser alone: it builds every string one character
 * at a time and a tree of its own that was then converted, which made JSON templates the costliest to
 * parse; a test checks that both readers give the same tree for every JSON file of the corpus.
 */
export function parseJsonFast(text: string): SourceNode | undefined {
  try {
    const reader = new JsonReader(text);
    reader.skipSpace();
    const root = reader.value(0);
    reader.skipSpace();
    if (reader.at !== text.length) return undefined;
    linkParents(root);
    return root;
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  }
}

const GIVE_UP = new Error('not well-formed JSON for the fast reader');

// Deeper nesting is refused before parsing (MAX_NESTING_DEPTH); this only guards the recursion.
const MAX_DEPTH = 1000;

const QUOTE = 34;
const BACKSLASH = 92;

class JsonReader {
  at = 0;
  private readonly pool = new StringPool();

  constructor(private readonly text: string) {}

  skipSpace(): void {
    const text = this.text;
    let at = this.at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 32 || c === 10 || c === 13 || c === 9) at++;
      else break;
    }
    this.at = at;
  }

  value(depth: number): SourceNode {
    if (depth > MAX_DEPTH) throw GIVE_UP;
    const c = this.text.charCodeAt(this.at);
    if (c === 123) return this.object(depth);
    if (c === 91) return this.array(depth);
    const start = this.at;
    if (c === QUOTE) {
      const value = this.string();
      return scalarNode(value, start, this.at);
    }
    if (c === 116) return this.literal('true', true);
    if (c === 102) return this.literal('false', false);
    if (c === 110) return this.literal('null', null);
    return scalarNode(this.number(), start, this.at);
  }

  private object(depth: number): SourceNode {
    const start = this.at;
    this.at++;
    const entries: MapEntry[] = [];
    this.skipSpace();
    if (this.text.charCodeAt(this.at) === 125) {
      this.at++;
      return mapNode(entries, start, this.at);
    }
    for (;;) {
      if (this.text.charCodeAt(this.at) !== QUOTE) throw GIVE_UP;
      const keyStart = this.at;
      const keyValue = this.string();
      const key = scalarNode(keyValue, keyStart, this.at);
      this.skipSpace();
      if (this.text.charCodeAt(this.at) !== 58) throw GIVE_UP;
      this.at++;
      this.skipSpace();
      entries.push({ key, value: this.value(depth + 1) });
      this.skipSpace();
      const next = this.text.charCodeAt(this.at);
      this.at++;
      if (next === 125) return mapNode(entries, start, this.at);
      if (next !== 44) throw GIVE_UP;
      this.skipSpace();
    }
  }

  private array(depth: number): SourceNode {
    const start = this.at;
    this.at++;
    const items: SourceNode[] = [];
    this.skipSpace();
    if (this.text.charCodeAt(this.at) === 93) {
      this.at++;
      return seqNode(items, start, this.at);
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.skipSpace();
      const next = this.text.charCodeAt(this.at);
      this.at++;
      if (next === 93) return seqNode(items, start, this.at);
      if (next !== 44) throw GIVE_UP;
      this.skipSpace();
    }
  }

  private literal(word: string, value: ScalarValue): SourceNode {
    const start = this.at;
    if (!this.text.startsWith(word, start)) throw GIVE_UP;
    this.at += word.length;
    return scalarNode(value, start, this.at);
  }

  private number(): number {
    const text = this.text;
    const start = this.at;
    let at = start;
    if (text.charCodeAt(at) === 45) at++;
    const digitsFrom = at;
    while (isDigit(text.charCodeAt(at))) at++;
    const integerDigits = at - digitsFrom;
    if (integerDigits === 0 || (integerDigits > 1 && text.charCodeAt(digitsFrom) === 48)) throw GIVE_UP;
    if (text.charCodeAt(at) === 46) {
      at++;
      const fractionFrom = at;
      while (isDigit(text.charCodeAt(at))) at++;
      if (at === fractionFrom) throw GIVE_UP;
    }
    const e = text.charCodeAt(at);
    if (e === 101 || e === 69) {
      at++;
      const sign = text.charCodeAt(at);
      if (sign === 43 || sign === 45) at++;
      const exponentFrom = at;
      while (isDigit(text.charCodeAt(at))) at++;
      if (at === exponentFrom) throw GIVE_UP;
    }
    this.at = at;
    return Number(text.slice(start, at));
  }

  /** A string token at `at` (on its opening quote); leaves `at` just past the closing quote. */
  private string(): string {
    const text = this.text;
    const from = this.at + 1;
    let at = from;
    let simple = true;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        simple = false;
        at += 2;
        continue;
      }
      // Unescaped control characters are not JSON; NaN is the end of the text.
      if (c < 32 || Number.isNaN(c)) throw GIVE_UP;
      at++;
    }
    if (at > text.length) throw GIVE_UP;
    this.at = at + 1;
    const raw = text.slice(from, at);
    return this.pool.intern(simple ? raw : unescape(raw));
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function unescape(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw[++i];
    if (next === 'u') {
      const hex = raw.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw GIVE_UP;
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined) throw GIVE_UP;
      out += escaped;
    }
  }
  return out;
}
