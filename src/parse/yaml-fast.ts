import { CST } from 'yaml';
import { MAX_NESTING_DEPTH, MAX_NODES } from './limits.js';
import { mapNode, scalarNode, seqNode, type MapEntry, type MapNode, type ScalarNode, type ScalarValue, type SeqNode, type SourceNode } from './nodes.js';
import { StringPool } from './string-pool.js';
import { longFormNode, SHORT_FORM_TAGS } from './short-forms.js';

/**
 * A fast path for the YAML that templates are written in: block maps and sequences, plain and quoted
 * one-line scalars, literal and folded block scalars, one-line flow collections, CloudFormation
 * short-form tags and comments. It reads the text once and builds the SourceNode tree directly, without
 * the `yaml` package's token tree and Document, which took most of the scan time and memory.
 *
 * It reproduces exactly what the `yaml` package (Parser + Composer, core schema) followed by our
 * conversion gives, offsets included: a node's `end` follows the library's ranges, in which a collection
 * ends after the trailing comment and line break of its last value, and after comment lines that the
 * library's parser attaches to it. Anything outside this subset — anchors, aliases, explicit keys,
 * multi-line plain or quoted scalars, multi-line flow collections, tabs, directives, several documents,
 * other tags, and every malformed document — makes it give up (`undefined`), and the caller uses the
 * library. Giving up is always safe, so every doubtful case gives up rather than guesses.
 */
export function parseYamlFast(text: string): SourceNode | undefined {
  // Tabs, carriage returns, control characters and byte order marks change indentation or token rules.
  if (UNUSUAL_CHARACTERS.test(text)) return undefined;
  try {
    return new FastYamlReader(text).document();
  } catch (error) {
    if (error === UNSUPPORTED) return undefined;
    throw error;
  }
}

// eslint-disable-next-line no-control-regex
const UNUSUAL_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f\ufeff]/;

/** Thrown (never escapes) when the text leaves the subset. */
const UNSUPPORTED = new Error('outside the fast YAML subset');

const NL = 10;
const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const COMMA = 44;
const DQUOTE = 34;
const SQUOTE = 39;
const BANG = 33;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const PIPE = 124;
const GT = 62;

/** Local tags other than the short forms, in the characters the library passes through unchanged. */
const OTHER_LOCAL_TAG = /^![A-Za-z][A-Za-z0-9:._-]*$/;

/** Nesting the fast path handles; deeper documents go to the library, which reports the limit. */
const DEPTH_LIMIT = MAX_NESTING_DEPTH - 16;

/** Characters that cannot start a plain scalar here (indicators, or errors the library reports). */
function isBadPlainStart(c: number): boolean {
  // , [ ] { } # & * ! | > ' " % @ `  (and ? : - handled by the callers)
  return (
    c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE || c === HASH || c === 38 || c === 42 ||
    c === BANG || c === PIPE || c === GT || c === SQUOTE || c === DQUOTE || c === 37 || c === 64 || c === 96
  );
}

function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

/** A flow collection while it is read: its `end` moves from the closing bracket to the library's range[2]. */
type FlowCollection = (MapNode | SeqNode) & { end: number };

interface Parsed {
  node: SourceNode;
  /** The library's `range[2]`: past the trailing spaces, comment and line break that belong to the node. */
  end2: number;
}


class FastYamlReader {
  private pos = 0;
  private nodes = 0;
  /** Indent of the next content line, -1 at the end of the text. */
  private nextIndent = -1;
  /**
   * Blank and comment lines before the next content line, while no collection has taken them yet. The
   * library's parser keeps them in the innermost open collection; a collection that ends keeps them (and
   * ends after them) when one of the comments is indented at least as deep as the collection, unless it
   * is at column 0; otherwise they move to its parent, which applies the same test.
   */
  private triviaOpen = false;
  private triviaMaxCommentIndent = -1;
  private triviaEnd = 0;
  private readonly pool = new StringPool();

  constructor(private readonly text: string) {}

  document(): SourceNode {
    this.scanTrivia(0);
    if (this.nextIndent !== 0) throw UNSUPPORTED;
    const parsed = this.isDash(this.pos) ? this.blockSeq(0, 1) : this.blockMap(0, 1);
    // Only blank and comment lines may follow the root collection.
    if (this.pos < this.text.length) throw UNSUPPORTED;
    return parsed.node;
  }

  private code(at: number): number {
    return this.text.charCodeAt(at);
  }

  private count(): void {
    if (++this.nodes > MAX_NODES) throw UNSUPPORTED;
  }

  /** `-` followed by a space, a line break or the end. */
  private isDash(at: number): boolean {
    if (this.code(at) !== DASH) return false;
    const next = this.code(at + 1);
    return next === SPACE || next === NL || at + 1 >= this.text.length;
  }

  private lineStartOf(at: number): number {
    return this.text.lastIndexOf('\n', at - 1) + 1;
  }

  /**
   * From the start of a line, skips blank and comment lines up to the next content line; records them
   * as open trivia and leaves `pos` at the first character of the content (or the end of the text).
   */
  private scanTrivia(from: number): void {
    const text = this.text;
    const length = text.length;
    let lineStart = from;
    let maxComment = -1;
    for (;;) {
      let at = lineStart;
      while (at < length && text.charCodeAt(at) === SPACE) at++;
      if (at >= length) {
        this.pos = length;
        this.nextIndent = -1;
        this.triviaEnd = length;
        break;
      }
      const c = text.charCodeAt(at);
      if (c === NL) {
        lineStart = at + 1;
        continue;
      }
      if (c === HASH) {
        if (at - lineStart > maxComment) maxComment = at - lineStart;
        const newline = text.indexOf('\n', at);
        if (newline < 0) {
          this.pos = length;
          this.nextIndent = -1;
          this.triviaEnd = length;
          break;
        }
        lineStart = newline + 1;
        continue;
      }
      if (at === lineStart && (c === DASH || c === 46 || c === 37)) {
        // Document markers and directives: several documents are the library's business.
        if (c === 37 || text.startsWith('---', at) || text.startsWith('...', at)) throw UNSUPPORTED;
      }
      this.pos = at;
      this.nextIndent = at - lineStart;
      this.triviaEnd = at;
      break;
    }
    this.triviaOpen = true;
    this.triviaMaxCommentIndent = maxComment;
  }

  /** A collection at `indent` ends: it takes the open trivia (and ends after it) when the parser would. */
  private claimTrivia(indent: number, end2: number): number {
    if (this.triviaOpen && indent !== 0 && this.triviaMaxCommentIndent >= indent) {
      this.triviaOpen = false;
      return this.triviaEnd;
    }
    return end2;
  }

  private blockMap(indent: number, depth: number): Parsed {
    if (depth > DEPTH_LIMIT) throw UNSUPPORTED;
    this.count();
    const start = this.pos;
    const entries: MapEntry[] = [];
    let end2 = start;
    for (;;) {
      const key = this.blockKey();
      const value = this.blockValue(indent, depth + 1, true);
      entries.push({ key, value: value.node });
      end2 = value.end2;
      if (this.nextIndent === indent) {
        if (this.isDash(this.pos)) throw UNSUPPORTED;
        this.triviaOpen = false;
        continue;
      }
      if (this.nextIndent > indent) throw UNSUPPORTED;
      break;
    }
    end2 = this.claimTrivia(indent, end2);
    return { node: mapNode(entries, start, end2), end2 };
  }

  private blockSeq(indent: number, depth: number): Parsed {
    if (depth > DEPTH_LIMIT) throw UNSUPPORTED;
    this.count();
    const start = this.pos;
    const items: SourceNode[] = [];
    let end2 = start;
    for (;;) {
      this.pos += 1; // the dash
      const value = this.blockValue(indent, depth + 1, false);
      items.push(value.node);
      end2 = value.end2;
      if (this.nextIndent === indent && this.isDash(this.pos)) {
        this.triviaOpen = false;
        continue;
      }
      if (this.nextIndent > indent) throw UNSUPPORTED;
      break;
    }
    end2 = this.claimTrivia(indent, end2);
    return { node: seqNode(items, start, end2), end2 };
  }

  /** A block mapping key at `pos`, through its `:` indicator. */
  private blockKey(): ScalarNode {
    const text = this.text;
    const start = this.pos;
    const c = this.code(start);
    let key: ScalarNode;
    let after: number;
    if (c === DQUOTE || c === SQUOTE) {
      key = this.quoted(start);
      after = key.end;
      while (this.code(after) === SPACE) after++;
      if (this.code(after) !== COLON) throw UNSUPPORTED;
    } else {
      const colon = this.plainKeyColon(start);
      if (colon < 0) throw UNSUPPORTED;
      let end = colon;
      while (end > start && this.code(end - 1) === SPACE) end--;
      this.count();
      key = scalarNode(this.pool.intern(resolvePlain(text.slice(start, end))), start, end);
      after = colon;
    }
    const next = this.code(after + 1);
    if (!(next === SPACE || next === NL || after + 1 >= text.length)) throw UNSUPPORTED;
    // The library refuses implicit keys longer than 1024 characters.
    if (after - start > 1000) throw UNSUPPORTED;
    this.pos = after + 1;
    return key;
  }

  /**
   * Where the `:` of a plain implicit key starting at `start` is, or -1 when the line holds no such key
   * (or holds something this reader leaves to the library).
   */
  private plainKeyColon(start: number): number {
    const text = this.text;
    const c = this.code(start);
    if (isBadPlainStart(c)) return -1;
    if (c === DASH || c === 63 || c === COLON) {
      const next = this.code(start + 1);
      if (next === SPACE || next === NL || start + 1 >= text.length) return -1;
    }
    const length = text.length;
    for (let at = start; at < length; at++) {
      const ch = text.charCodeAt(at);
      if (ch === NL) return -1;
      if (ch === COLON) {
        const next = text.charCodeAt(at + 1);
        if (next === SPACE || next === NL || at + 1 >= length) return at;
      } else if (ch === HASH && at > start && text.charCodeAt(at - 1) === SPACE) return -1;
    }
    return -1;
  }

  /**
   * The node after a `:` or `-` indicator at `pos`: on the same line, on the following lines (a nested
   * block collection), or empty. `indent` is the enclosing collection's.
   */
  private blockValue(indent: number, depth: number, inMap: boolean): Parsed {
    const text = this.text;
    let at = this.pos;
    while (this.code(at) === SPACE) at++;
    let tag: string | undefined;
    let longForm: string | undefined;
    if (this.code(at) === BANG) {
      let tagEnd = at;
      while (tagEnd < text.length && this.code(tagEnd) !== SPACE && this.code(tagEnd) !== NL) tagEnd++;
      tag = text.slice(at, tagEnd);
      longForm = SHORT_FORM_TAGS[tag];
      // Other local tags (`!Rain::Embed x`) leave collections alone and make scalars plain strings.
      if (longForm === undefined && !OTHER_LOCAL_TAG.test(tag)) throw UNSUPPORTED;
      at = tagEnd;
      while (this.code(at) === SPACE) at++;
    }
    const c = this.code(at);
    const spaced = at > this.pos && this.code(at - 1) === SPACE;
    if (at >= text.length || c === NL || (c === HASH && spaced)) {
      return this.valueOnNextLines(indent, depth, inMap, at, tag, longForm);
    }
    // The indicator was followed by a space (blockKey and isDash check it), and a tag stops at one.

    let parsed: Parsed;
    if (c === PIPE || c === GT) {
      parsed = this.blockScalar(at, indent);
    } else if (c === LBRACKET || c === LBRACE) {
      const node = this.flow(at, depth);
      // The library's collections end at range[2]: past the spaces, comment and line break after `]`.
      node.end = this.lineEnd(node.end, indent);
      parsed = { node, end2: node.end };
    } else if (c === DQUOTE || c === SQUOTE) {
      const node = this.quoted(at);
      if (!inMap && tag === undefined) {
        let after = node.end;
        while (this.code(after) === SPACE) after++;
        if (this.code(after) === COLON) throw UNSUPPORTED; // a quoted key in a compact mapping
      }
      parsed = { node, end2: this.lineEnd(node.end, indent) };
    } else if (!inMap && tag === undefined && this.isDash(at)) {
      // `- - item`: a sequence in the sequence entry, indented at its first dash.
      this.pos = at;
      return this.blockSeq(at - this.lineStartOf(at), depth);
    } else if (!inMap && tag === undefined && this.plainKeyColon(at) >= 0) {
      // `- key: value`: a mapping in the sequence entry, indented at its first key.
      this.pos = at;
      return this.blockMap(at - this.lineStartOf(at), depth);
    } else {
      const node = this.plainValue(at, tag === undefined);
      parsed = { node, end2: this.lineEnd(node.end, indent) };
    }
    if (longForm === undefined) return parsed;
    return { node: longFormNode(longForm, tag!.length, parsed.node, parsed.node.start, parsed.end2), end2: parsed.end2 };
  }

  private valueOnNextLines(indent: number, depth: number, inMap: boolean, at: number, tag: string | undefined, longForm: string | undefined): Parsed {
    const emptyAt = at;
    const commentOnLine = this.code(at) === HASH;
    const newline = this.text.indexOf('\n', at);
    if (newline < 0) {
      this.pos = this.text.length;
      this.scanTrivia(this.text.length);
    } else this.scanTrivia(newline + 1);
    let parsed: Parsed;
    if (this.nextIndent > indent || (inMap && this.nextIndent === indent && this.isDash(this.pos))) {
      if (this.isDash(this.pos)) parsed = this.blockSeq(this.nextIndent, depth);
      else if (this.plainKeyColon(this.pos) >= 0 || this.code(this.pos) === DQUOTE || this.code(this.pos) === SQUOTE) {
        if (this.nextIndent === indent) throw UNSUPPORTED;
        parsed = this.blockMap(this.nextIndent, depth);
      } else throw UNSUPPORTED;
    } else {
      // An empty value: the library places it after the indicator (or tag) and its spaces, and the blank
      // lines after it stay with it, where they never extend a range. Comments there would.
      if (commentOnLine || this.triviaMaxCommentIndent >= 0) throw UNSUPPORTED;
      if (tag !== undefined && longForm === undefined) throw UNSUPPORTED;
      this.triviaOpen = false;
      this.count();
      if (longForm === undefined) return { node: scalarNode(null, emptyAt, emptyAt), end2: emptyAt };
      // A short form without a value (`!GetAZs`) stands for the empty string.
      const empty: ScalarNode = scalarNode('', emptyAt, emptyAt);
      return { node: longFormNode(longForm, tag!.length, empty, emptyAt, emptyAt), end2: emptyAt };
    }
    if (longForm === undefined) return parsed;
    return { node: longFormNode(longForm, tag!.length, parsed.node, parsed.node.start, parsed.end2), end2: parsed.end2 };
  }

  /**
   * After a one-line value ending at `at`: spaces, a comment, the line break. Returns the value's
   * `range[2]`, which also covers comment lines indented deeper than the collection that directly follow
   * (after blank lines only), as the library's parser attaches those to the value. Then scans the trivia.
   */
  private lineEnd(at: number, indent: number): number {
    const text = this.text;
    const length = text.length;
    let end = at;
    while (this.code(end) === SPACE) end++;
    if (end < length && this.code(end) === HASH) {
      if (end === at) throw UNSUPPORTED;
      const newline = text.indexOf('\n', end);
      end = newline < 0 ? length : newline;
    }
    if (end >= length) {
      this.scanTrivia(length);
      return end;
    }
    if (this.code(end) !== NL) throw UNSUPPORTED;
    end += 1;
    // Comment lines deeper than the collection, after nothing but blank lines, belong to the value.
    let lineStart = end;
    for (;;) {
      let p = lineStart;
      while (p < length && this.code(p) === SPACE) p++;
      if (p >= length) break;
      const c = this.code(p);
      if (c === NL) {
        lineStart = p + 1;
        continue;
      }
      if (c === HASH && p - lineStart > indent) {
        const newline = text.indexOf('\n', p);
        end = newline < 0 ? length : newline + 1;
        if (newline < 0) break;
        lineStart = end;
        continue;
      }
      break;
    }
    this.scanTrivia(end);
    return end;
  }

  /** A plain scalar in block context, on one line; `typed` false keeps it a string (under a tag). */
  private plainValue(start: number, typed: boolean): ScalarNode {
    const text = this.text;
    const c = this.code(start);
    if (isBadPlainStart(c)) throw UNSUPPORTED;
    if (c === DASH || c === 63 || c === COLON) {
      const next = this.code(start + 1);
      if (next === SPACE || next === NL || start + 1 >= text.length) throw UNSUPPORTED;
    }
    const length = text.length;
    let at = start;
    for (; at < length; at++) {
      const ch = text.charCodeAt(at);
      if (ch === NL) break;
      if (ch === HASH && text.charCodeAt(at - 1) === SPACE) break;
      if (ch === COLON) {
        const next = text.charCodeAt(at + 1);
        if (next === SPACE || next === NL || at + 1 >= length) throw UNSUPPORTED;
      }
    }
    let end = at;
    while (end > start && this.code(end - 1) === SPACE) end--;
    this.count();
    const source = text.slice(start, end);
    return scalarNode(this.pool.intern(typed ? resolvePlain(source) : source), start, end);
  }

  /** A single- or double-quoted scalar on one line; the node ends after the closing quote. */
  private quoted(start: number): ScalarNode {
    const text = this.text;
    const length = text.length;
    const quote = this.code(start);
    let at = start + 1;
    let escaped = false;
    for (;;) {
      if (at >= length) throw UNSUPPORTED;
      const ch = text.charCodeAt(at);
      if (ch === NL) throw UNSUPPORTED;
      if (quote === DQUOTE) {
        if (ch === 92) {
          escaped = true;
          at += 2;
          continue;
        }
        if (ch === DQUOTE) break;
      } else if (ch === SQUOTE) {
        if (text.charCodeAt(at + 1) === SQUOTE) {
          escaped = true;
          at += 2;
          continue;
        }
        break;
      }
      at++;
    }
    const end = at + 1;
    let value: string;
    if (!escaped) value = text.slice(start + 1, at);
    else if (quote === SQUOTE) value = text.slice(start + 1, at).replace(/''/g, "'");
    else {
      let failed = false;
      const resolved = CST.resolveAsScalar({ type: 'double-quoted-scalar', offset: start, indent: 0, source: text.slice(start, end) }, true, () => {
        failed = true;
      });
      if (failed || resolved === null) throw UNSUPPORTED;
      value = resolved.value;
    }
    this.count();
    return scalarNode(this.pool.intern(value), start, end);
  }

  /**
   * A literal or folded block scalar whose header is at `start`; its lines are found the way the
   * library's lexer finds them, and its value comes from the library's own block scalar resolution.
   */
  private blockScalar(start: number, indent: number): Parsed {
    const text = this.text;
    const length = text.length;
    let at = start + 1;
    const chomp = this.code(at);
    if (chomp === DASH || chomp === 43) at++;
    const headerEnd = at;
    const afterHeader = this.code(at);
    if (!(afterHeader === SPACE || afterHeader === NL)) throw UNSUPPORTED; // indentation indicators, junk
    while (this.code(at) === SPACE) at++;
    if (this.code(at) === HASH) {
      if (at === headerEnd) throw UNSUPPORTED;
      const newline = text.indexOf('\n', at);
      if (newline < 0) throw UNSUPPORTED;
      at = newline;
    }
    if (this.code(at) !== NL) throw UNSUPPORTED;
    const bodyStart = at + 1;

    // The first line with content sets the indentation; it must be deeper than the collection.
    let nl = bodyStart - 1;
    let firstIndent = 0;
    let i = bodyStart;
    for (; i < length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === SPACE) firstIndent++;
      else if (ch === NL) {
        nl = i;
        firstIndent = 0;
      } else break;
    }
    if (i >= length || firstIndent < indent + 1) throw UNSUPPORTED;
    for (;;) {
      const next = this.continueBlockScalar(nl + 1, firstIndent);
      if (next < 0) break;
      nl = text.indexOf('\n', next);
      if (nl < 0) break;
    }
    if (nl < 0) nl = length;
    if (chomp !== 43) {
      // Trailing lines that are not more indented than the content are not part of the scalar.
      for (;;) {
        let j = nl - 1;
        const lastChar = j;
        while (this.code(j) === SPACE) j--;
        if (this.code(j) === NL && j >= bodyStart && j + 1 + firstIndent > lastChar) nl = j;
        else break;
      }
    }
    const bodyEnd = Math.min(nl + 1, length);
    let failed = false;
    const resolved = CST.resolveAsScalar(
      {
        type: 'block-scalar',
        offset: start,
        indent,
        props: [
          { type: 'block-scalar-header', offset: start, indent, source: text.slice(start, headerEnd) },
          { type: 'space', offset: headerEnd, indent, source: text.slice(headerEnd, bodyStart) },
        ],
        source: text.slice(bodyStart, bodyEnd),
      },
      true,
      () => {
        failed = true;
      },
    );
    if (failed || resolved === null) throw UNSUPPORTED;
    this.count();
    const end = resolved.range[1];
    this.scanTrivia(bodyEnd);
    return { node: scalarNode(resolved.value, start, end), end2: resolved.range[2] };
  }

  private continueBlockScalar(offset: number, indentNext: number): number {
    let spaces = 0;
    while (this.code(offset + spaces) === SPACE) spaces++;
    const ch = this.code(offset + spaces);
    return ch === NL || spaces >= indentNext ? offset + spaces : -1;
  }

  /** A flow collection on one line, from its opening bracket to its closing one. */
  private flow(start: number, depth: number): FlowCollection {
    if (depth > DEPTH_LIMIT) throw UNSUPPORTED;
    this.count();
    const isMapping = this.code(start) === LBRACE;
    const close = isMapping ? RBRACE : RBRACKET;
    let at = this.skipSpaces(start + 1);
    const entries: MapEntry[] = [];
    const items: SourceNode[] = [];
    if (this.code(at) !== close) {
      for (;;) {
        if (isMapping) {
          const key = this.flowKey(at);
          at = key.end;
          while (this.code(at) === SPACE) at++;
          if (this.code(at) !== COLON || this.code(at + 1) !== SPACE) throw UNSUPPORTED;
          const value = this.flowItem(this.skipSpaces(at + 1), depth + 1);
          entries.push({ key, value: value.node });
          at = value.end2;
        } else {
          const item = this.flowItem(at, depth + 1);
          items.push(item.node);
          at = item.end2;
        }
        const c = this.code(at);
        if (c === COMMA) {
          at = this.skipSpaces(at + 1);
          if (this.code(at) === close) throw UNSUPPORTED; // a trailing comma
          continue;
        }
        if (c === close) break;
        throw UNSUPPORTED;
      }
    }
    const end = at + 1;
    return isMapping ? mapNode(entries, start, end) : seqNode(items, start, end);
  }

  private skipSpaces(at: number): number {
    while (this.code(at) === SPACE) at++;
    return at;
  }

  private flowKey(start: number): ScalarNode {
    const c = this.code(start);
    if (c === DQUOTE || c === SQUOTE) return this.quoted(start);
    return this.flowPlain(start, true);
  }

  /** One entry value in a flow collection; `end2` is where the next `,` or closing bracket is. */
  private flowItem(start: number, depth: number): Parsed {
    const text = this.text;
    let at = start;
    let tag: string | undefined;
    let longForm: string | undefined;
    if (this.code(at) === BANG) {
      let tagEnd = at;
      while (tagEnd < text.length && this.code(tagEnd) !== SPACE && !isFlowIndicator(this.code(tagEnd)) && this.code(tagEnd) !== NL) tagEnd++;
      tag = text.slice(at, tagEnd);
      longForm = SHORT_FORM_TAGS[tag];
      if (longForm === undefined || this.code(tagEnd) !== SPACE) throw UNSUPPORTED;
      at = this.skipSpaces(tagEnd);
    }
    const c = this.code(at);
    let node: SourceNode;
    let end2: number;
    if (c === LBRACKET || c === LBRACE) {
      const collection = this.flow(at, depth);
      collection.end = end2 = this.skipSpaces(collection.end);
      node = collection;
    } else {
      node = c === DQUOTE || c === SQUOTE ? this.quoted(at) : this.flowPlain(at, false);
      end2 = this.skipSpaces(node.end);
    }
    const next = this.code(end2);
    if (!(next === COMMA || next === RBRACKET || next === RBRACE)) throw UNSUPPORTED;
    if (longForm === undefined) return { node, end2 };
    return { node: longFormNode(longForm, tag!.length, node, node.start, end2), end2 };
  }

  /** A plain scalar inside a flow collection: it stops at flow indicators and at `: `. */
  private flowPlain(start: number, isKey: boolean): ScalarNode {
    const text = this.text;
    const c = this.code(start);
    if (isBadPlainStart(c) || c === NL || start >= text.length) throw UNSUPPORTED;
    if (c === DASH || c === 63 || c === COLON) {
      const next = this.code(start + 1);
      if (next === SPACE || next === NL || isFlowIndicator(next) || start + 1 >= text.length) throw UNSUPPORTED;
    }
    const length = text.length;
    let at = start;
    for (; at < length; at++) {
      const ch = text.charCodeAt(at);
      if (ch === NL) throw UNSUPPORTED;
      if (ch === COMMA || ch === RBRACKET || ch === RBRACE) break;
      if (ch === LBRACKET || ch === LBRACE) throw UNSUPPORTED;
      if (ch === HASH && text.charCodeAt(at - 1) === SPACE) throw UNSUPPORTED;
      if (ch === COLON) {
        const next = text.charCodeAt(at + 1);
        if (next === SPACE || isFlowIndicator(next) || next === NL || at + 1 >= length) {
          if (!isKey) throw UNSUPPORTED;
          break;
        }
      }
    }
    if (at >= length) throw UNSUPPORTED;
    let end = at;
    while (end > start && this.code(end - 1) === SPACE) end--;
    if (end === start) throw UNSUPPORTED;
    this.count();
    return scalarNode(this.pool.intern(resolvePlain(text.slice(start, end))), start, end);
  }
}

const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** The YAML 1.2 core schema's reading of a plain scalar, in the `yaml` package's order of tests. */
export function resolvePlain(source: string): ScalarValue {
  const first = source.charCodeAt(0);
  // Most scalars are names and words: nothing in the schema starts with a letter other than these.
  const maybeTyped =
    source === '' || first === 126 || first === 43 || first === DASH || first === 46 || (first >= 48 && first <= 57) ||
    first === 110 || first === 78 || first === 116 || first === 84 || first === 102 || first === 70;
  if (!maybeTyped) return source;
  switch (source) {
    case '':
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  if (INT_OCT.test(source)) return parseInt(source.substring(2), 8);
  if (INT.test(source)) return parseInt(source, 10);
  if (INT_HEX.test(source)) return parseInt(source.substring(2), 16);
  if (FLOAT_NAN.test(source)) {
    return source.slice(-3).toLowerCase() === 'nan' ? NaN : source[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(source) || FLOAT.test(source)) return parseFloat(source);
  return source;
}
