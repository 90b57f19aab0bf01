import { unescapeQuoted, templateText, type Attribute, type Block, type Body, type Expr, type Span, type TemplatePart } from './hcl-syntax.js';

/**
 * HCL read straight into the syntax tree, in one pass over the characters, for files it reads with
 * certainty. Parsing through tree-sitter's wasm runtime and copying its tree out cost about half of a
 * Terraform scan; this reader does the same work about ten times faster (docs/benchmarks.md).
 *
 * It gives up (returns `undefined`) at the first thing it is not sure of: any syntax error, and the
 * corners where tree-sitter's grammar reads differently from a plain reading (a `[` or `(` on a new line
 * after a value, a heredoc closed at the end of the file, a newline inside a quoted string, unusual
 * whitespace or non-ASCII names, deep nesting). tree-sitter then reads the file, so every syntax error is
 * found and reported by one parser, with its recovery. On everything both read, the two give the same
 * tree: test/terraform/hcl-direct.test.ts compares them on every file of the corpus and on mutations.
 */
export function readHclDirect(text: string): Body | undefined {
  try {
    return new DirectReader(text).file();
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  }
}

const GIVE_UP = new Error('not read directly');

/** Deeper than this the reader leaves the file to tree-sitter, whose walk has its own nesting limit. */
const MAX_DEPTH = 160;

/** Past this many nodes tree-sitter reads the file, and reports it when it is too large to read. */
const MAX_NODES = 1_000_000;

const TAB = 9;
const LF = 10;
const VT = 11;
const FF = 12;
const CR = 13;
const SPACE = 32;
const BANG = 33;
const QUOTE = 34;
const HASH = 35;
const DOLLAR = 36;
const PERCENT = 37;
const AMP = 38;
const LPAREN = 40;
const RPAREN = 41;
const STAR = 42;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const SLASH = 47;
const COLON = 58;
const LT = 60;
const EQ = 61;
const GT = 62;
const QUESTION = 63;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const LBRACE = 123;
const PIPE = 124;
const RBRACE = 125;
const TILDE = 126;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isNamePart(c: number): boolean {
  return isNameStart(c) || isDigit(c) || c === MINUS;
}

/** Operator precedence as the grammar ranks it (higher binds tighter); all are left-associative. */
const PRECEDENCE: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '>': 4, '>=': 4, '<': 4, '<=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

/** Words the grammar treats as keywords where they appear; as names they are left to tree-sitter. */
const RESERVED = new Set(['for', 'in', 'if', 'true', 'false', 'null']);

/** A `%{ … }` tag of a template: its keyword, span and strip markers. */
interface Tag extends Span {
  keyword: 'for' | 'if' | 'else' | 'endif' | 'endfor';
  stripBefore: boolean;
  stripAfter: boolean;
}

/** What a template's parts ended at: the closing quote or heredoc line, or a directive's tag. */
interface TemplateEnd {
  /** Where the literal text of the sequence stops (the tag's or closing line's start). */
  at: number;
  tag?: Tag;
}

class DirectReader {
  private pos = 0;
  /** End of the last token read: where a node ends. */
  private lastEnd = 0;
  /** A newline was crossed by the last {@link skip}. */
  private newline = false;
  private depth = 0;
  private visited = 0;

  constructor(private readonly text: string) {}

  private fail(): never {
    throw GIVE_UP;
  }

  private code(at = this.pos): number {
    return at < this.text.length ? this.text.charCodeAt(at) : -1;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH || ++this.visited > MAX_NODES) this.fail();
  }

  /** Whitespace and comments; anything beyond ASCII outside strings and comments is left to tree-sitter. */
  private skip(): void {
    const text = this.text;
    let pos = this.pos;
    let newline = false;
    for (;;) {
      const c = pos < text.length ? text.charCodeAt(pos) : -1;
      if (c === SPACE || c === TAB || c === CR || c === VT || c === FF) pos++;
      else if (c === LF) {
        newline = true;
        pos++;
      } else if (c === HASH || (c === SLASH && text.charCodeAt(pos + 1) === SLASH)) {
        const end = text.indexOf('\n', pos);
        pos = end < 0 ? text.length : end;
      } else if (c === SLASH && text.charCodeAt(pos + 1) === STAR) {
        const end = text.indexOf('*/', pos + 2);
        if (end < 0) this.fail();
        if (text.lastIndexOf('\n', end) > pos) newline = true;
        pos = end + 2;
      } else if (c > 127 && c !== 0xfeff) this.fail();
      else break;
    }
    this.pos = pos;
    this.newline = newline;
  }

  private expect(c: number): void {
    this.skip();
    if (this.code() !== c) this.fail();
    this.pos++;
    this.lastEnd = this.pos;
  }

  /** A name at the current position (no skip), or undefined. */
  private name(): (Span & { value: string }) | undefined {
    const text = this.text;
    const start = this.pos;
    if (!isNameStart(this.code(start))) {
      if (this.code(start) > 127) this.fail();
      return undefined;
    }
    let pos = start + 1;
    for (;;) {
      const c = pos < text.length ? text.charCodeAt(pos) : -1;
      if (isNamePart(c)) pos++;
      else if (c === COLON && text.charCodeAt(pos + 1) === COLON) pos += 2;
      else if (c > 127) this.fail();
      else break;
    }
    this.pos = pos;
    this.lastEnd = pos;
    return { value: text.slice(start, pos), start, end: pos };
  }

  /** Whether the next token is this word (whole), without reading it. */
  private atWord(word: string): boolean {
    this.skip();
    const end = this.pos + word.length;
    return this.text.startsWith(word, this.pos) && !isNamePart(this.code(end)) && this.code(end) !== COLON && !(this.code(end) > 127);
  }

  private word(word: string): void {
    if (!this.atWord(word)) this.fail();
    this.pos += word.length;
    this.lastEnd = this.pos;
  }

  file(): Body {
    this.skip();
    if (this.code() === 0xfeff) this.fail();
    const body = this.body(false);
    if (this.pos < this.text.length) this.fail();
    return body;
  }

  private body(inBlock: boolean): Body {
    this.enter();
    const body: Body = { attributes: [], blocks: [] };
    for (;;) {
      this.skip();
      const c = this.code();
      if (c === -1) {
        if (inBlock) this.fail();
        break;
      }
      if (c === RBRACE && inBlock) break;
      const name = this.name();
      if (name === undefined) this.fail();
      this.skip();
      if (this.code() === EQ && this.code(this.pos + 1) !== EQ && this.code(this.pos + 1) !== GT) {
        this.pos++;
        const expr = this.expression();
        body.attributes.push({ name: name.value, nameSpan: { start: name.start, end: name.end }, expr, start: name.start, end: this.lastEnd } satisfies Attribute);
        continue;
      }
      if (this.newline) this.fail();
      body.blocks.push(this.block(name));
    }
    this.depth--;
    return body;
  }

  private block(type: Span & { value: string }): Block {
    const labels: Block['labels'] = [];
    for (;;) {
      this.skip();
      if (this.newline) this.fail();
      const c = this.code();
      if (c === LBRACE) break;
      if (c === QUOTE) {
        const label = this.quoted();
        if (label.t !== 'lit' || typeof label.value !== 'string') this.fail();
        labels.push({ value: label.value, start: label.start, end: label.end });
        continue;
      }
      const name = this.name();
      if (name === undefined) this.fail();
      labels.push(name);
    }
    this.pos++;
    const body = this.body(true);
    this.pos++;
    this.lastEnd = this.pos;
    return { type: type.value, typeSpan: { start: type.start, end: type.end }, labels, body, hasError: false, start: type.start, end: this.pos };
  }

  /** An expression: a conditional (right-associative, as HCL reads it) or an operation. */
  private expression(): Expr {
    this.enter();
    this.skip();
    const start = this.pos;
    const condition = this.operation(1);
    this.skip();
    let result = condition;
    if (this.code() === QUESTION) {
      this.pos++;
      const whenTrue = this.expression();
      this.expect(COLON);
      const whenFalse = this.expression();
      result = { t: 'cond', condition, whenTrue, whenFalse, start, end: this.lastEnd };
    }
    this.depth--;
    return result;
  }

  /** Binary operators by precedence climbing, each operand a term (with its unary operators). */
  private operation(minimum: number): Expr {
    this.skip();
    const start = this.pos;
    let left = this.unary();
    for (;;) {
      this.skip();
      const op = this.operator();
      if (op === undefined || PRECEDENCE[op]! < minimum) return left;
      this.pos += op.length;
      const right = this.operation(PRECEDENCE[op]! + 1);
      left = { t: 'binary', op, left, right, start, end: this.lastEnd };
    }
  }

  private operator(): string | undefined {
    const c = this.code();
    const next = this.code(this.pos + 1);
    switch (c) {
      case EQ:
        return next === EQ ? '==' : undefined;
      case BANG:
        return next === EQ ? '!=' : undefined;
      case AMP:
        return next === AMP ? '&&' : this.fail();
      case PIPE:
        return next === PIPE ? '||' : this.fail();
      case LT:
        return next === EQ ? '<=' : next === LT ? this.fail() : '<';
      case GT:
        return next === EQ ? '>=' : '>';
      case PLUS:
        return '+';
      case MINUS:
        return '-';
      case STAR:
        return '*';
      case SLASH:
        return '/';
      case PERCENT:
        return next === LBRACE ? this.fail() : '%';
      default:
        return undefined;
    }
  }

  private unary(): Expr {
    this.skip();
    const c = this.code();
    if ((c === MINUS || c === BANG) && this.code(this.pos + 1) !== EQ) {
      this.enter();
      const start = this.pos;
      this.pos++;
      const operand = this.unary();
      this.depth--;
      return { t: 'unary', op: c === MINUS ? '-' : '!', operand, start, end: this.lastEnd };
    }
    return this.term();
  }

  /** A primary followed by its postfix steps: `.name`, `.0`, `[key]`, `.*` and `[*]` splats. */
  private term(): Expr {
    this.enter();
    this.skip();
    const start = this.pos;
    let current = this.primary();
    for (;;) {
      this.skip();
      const c = this.code();
      if (c === DOT) {
        const next = this.code(this.pos + 1);
        if (next === STAR) {
          this.pos += 2;
          this.lastEnd = this.pos;
          this.splatSteps();
          current = { t: 'splat', object: current, start, end: this.lastEnd };
        } else if (isDigit(next)) {
          current = { t: 'index', object: current, key: this.legacyIndex(), start, end: this.lastEnd };
        } else if (isNameStart(next)) {
          this.pos++;
          const name = this.name()!;
          if (RESERVED.has(name.value)) this.fail();
          current = { t: 'attr', object: current, name: name.value, start, end: this.lastEnd };
        } else if (next === DOT) {
          break;
        } else this.fail();
      } else if (c === LBRACKET) {
        if (this.newline) this.fail();
        if (this.text.startsWith('[*]', this.pos)) {
          this.pos += 3;
          this.lastEnd = this.pos;
          this.splatSteps();
          current = { t: 'splat', object: current, start, end: this.lastEnd };
        } else {
          this.pos++;
          const key = this.expression();
          this.expect(RBRACKET);
          current = { t: 'index', object: current, key, start, end: this.lastEnd };
        }
      } else break;
    }
    this.depth--;
    return current;
  }

  /** `.0`: the key spans the dot and the digits, as the grammar's legacy index does. */
  private legacyIndex(): Expr {
    const start = this.pos;
    let pos = start + 1;
    while (isDigit(this.code(pos))) pos++;
    if (isNamePart(this.code(pos)) || this.code(pos) > 127) this.fail();
    this.pos = pos;
    this.lastEnd = pos;
    return { t: 'lit', value: Number(this.text.slice(start + 1, pos)), start, end: pos };
  }

  /** The attribute and index steps a splat takes into itself (they are not read one by one). */
  private splatSteps(): void {
    for (;;) {
      this.skip();
      const c = this.code();
      const next = this.code(this.pos + 1);
      if (c === DOT && isDigit(next)) this.legacyIndex();
      else if (c === DOT && isNameStart(next)) {
        this.pos++;
        if (RESERVED.has(this.name()!.value)) this.fail();
      } else if (c === DOT && next !== STAR && next !== DOT) this.fail();
      else if (c === LBRACKET && !this.text.startsWith('[*]', this.pos)) {
        if (this.newline) this.fail();
        this.pos++;
        this.expression();
        this.expect(RBRACKET);
      } else return;
    }
  }

  private primary(): Expr {
    const c = this.code();
    const start = this.pos;
    if (c === LPAREN) {
      this.pos++;
      const inner = this.expression();
      this.expect(RPAREN);
      return inner;
    }
    if (c === QUOTE) return this.quoted();
    if (c === LT && this.code(start + 1) === LT) return this.heredoc();
    if (isDigit(c)) return this.number();
    if (c === LBRACKET) return this.tuple();
    if (c === LBRACE) return this.object();
    const name = this.name();
    if (name === undefined) this.fail();
    switch (name.value) {
      case 'true':
      case 'false':
        return { t: 'lit', value: name.value === 'true', start, end: name.end };
      case 'null':
        return { t: 'lit', value: null, start, end: name.end };
      case 'for':
      case 'in':
      case 'if':
        this.fail();
    }
    this.skip();
    if (this.code() !== LPAREN) {
      this.pos = name.end;
      return { t: 'var', name: name.value, start, end: name.end };
    }
    if (this.newline) this.fail();
    this.pos++;
    const args: Expr[] = [];
    this.skip();
    if (this.code() === RPAREN) {
      this.pos++;
    } else {
      for (;;) {
        args.push(this.expression());
        this.skip();
        if (this.code() === COMMA) {
          this.pos++;
          this.skip();
          if (this.code() === RPAREN) {
            this.pos++;
            break;
          }
          continue;
        }
        if (this.text.startsWith('...', this.pos)) {
          this.pos += 3;
          this.expect(RPAREN);
          break;
        }
        if (this.code() !== RPAREN) this.fail();
        this.pos++;
        break;
      }
    }
    this.lastEnd = this.pos;
    return { t: 'call', name: name.value, args, start, end: this.pos };
  }

  private number(): Expr {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    while (isDigit(this.code(pos))) pos++;
    if (this.code(pos) === DOT && isDigit(this.code(pos + 1))) {
      pos++;
      while (isDigit(this.code(pos))) pos++;
      const e = this.code(pos);
      if (e === 101 || e === 69) {
        pos++;
        if (this.code(pos) === PLUS || this.code(pos) === MINUS) pos++;
        if (!isDigit(this.code(pos))) this.fail();
        while (isDigit(this.code(pos))) pos++;
      }
    }
    const after = this.code(pos);
    if (isNamePart(after) || after > 127 || (after === DOT && isDigit(this.code(pos + 1)))) this.fail();
    this.pos = pos;
    this.lastEnd = pos;
    return { t: 'lit', value: Number(text.slice(start, pos)), start, end: pos };
  }

  private tuple(): Expr {
    const start = this.pos;
    this.pos++;
    if (this.atFor()) return this.forExpr(start, false);
    const items: Expr[] = [];
    for (;;) {
      this.skip();
      if (this.code() === RBRACKET) break;
      items.push(this.expression());
      this.skip();
      if (this.code() === COMMA) {
        this.pos++;
        continue;
      }
      if (this.code() !== RBRACKET) this.fail();
    }
    this.pos++;
    this.lastEnd = this.pos;
    return { t: 'tuple', items, start, end: this.pos };
  }

  private object(): Expr {
    const start = this.pos;
    this.pos++;
    if (this.atFor()) return this.forExpr(start, true);
    const entries: { key: Expr; value: Expr }[] = [];
    for (;;) {
      this.skip();
      if (this.code() === RBRACE) break;
      const key = this.expression();
      this.skip();
      const c = this.code();
      if (c === EQ && this.code(this.pos + 1) !== EQ && this.code(this.pos + 1) !== GT) this.pos++;
      else if (c === COLON && this.code(this.pos + 1) !== COLON) this.pos++;
      else this.fail();
      entries.push({ key, value: this.expression() });
      this.skip();
      if (this.code() === COMMA) this.pos++;
    }
    this.pos++;
    this.lastEnd = this.pos;
    return { t: 'object', entries, start, end: this.pos };
  }

  /** `for` followed by a name: a for expression (anything else named `for` is left to tree-sitter). */
  private atFor(): boolean {
    if (!this.atWord('for')) return false;
    const after = this.pos + 3;
    let pos = after;
    while (this.code(pos) === SPACE || this.code(pos) === TAB) pos++;
    if (pos === after || !isNameStart(this.code(pos))) this.fail();
    return true;
  }

  private forExpr(start: number, object: boolean): Expr {
    this.enter();
    this.word('for');
    const { keyVar, valueVar, collection } = this.forIntro();
    if (collection.t === 'cond') this.fail();
    this.expect(COLON);
    let key: Expr | undefined;
    let value = this.expression();
    let group = false;
    if (object) {
      this.skip();
      if (!this.text.startsWith('=>', this.pos)) this.fail();
      this.pos += 2;
      key = value;
      value = this.expression();
      this.skip();
      if (this.text.startsWith('...', this.pos)) {
        this.pos += 3;
        group = true;
      }
    }
    let cond: Expr | undefined;
    if (this.atWord('if')) {
      this.pos += 2;
      cond = this.expression();
    }
    this.expect(object ? RBRACE : RBRACKET);
    this.depth--;
    return {
      t: 'for',
      object,
      ...(keyVar !== undefined ? { keyVar } : {}),
      valueVar,
      collection,
      ...(key !== undefined ? { key } : {}),
      value,
      group,
      ...(cond !== undefined ? { cond } : {}),
      start,
      end: this.lastEnd,
    };
  }

  /**
   * After `for`, in a for expression or a `%{ for }` directive: `k, v in collection` or `v in collection`
   * (the names must not be keywords).
   */
  private forIntro(): { keyVar?: string; valueVar: string; collection: Expr } {
    this.skip();
    const first = this.name() ?? this.fail();
    let second: string | undefined;
    this.skip();
    if (this.code() === COMMA) {
      this.pos++;
      this.skip();
      second = (this.name() ?? this.fail()).value;
    }
    for (const symbol of [first.value, second]) if (symbol !== undefined && RESERVED.has(symbol)) this.fail();
    this.word('in');
    const collection = this.expression();
    return second === undefined ? { valueVar: first.value, collection } : { keyVar: first.value, valueVar: second, collection };
  }

  /** A quoted string: a literal when nothing is interpolated, else a template. */
  private quoted(): Expr {
    const start = this.pos;
    this.pos++;
    this.enter();
    const { parts, end } = this.templateParts('quoted', start + 1, false);
    this.depth--;
    if (end.tag !== undefined) this.fail();
    this.pos = end.at + 1;
    this.lastEnd = this.pos;
    if (!parts.some((part) => part.t !== 'text')) return { t: 'lit', value: unescapeQuoted(this.text.slice(start + 1, end.at)), start, end: this.pos };
    return { t: 'template', parts: parts, heredoc: false, directive: parts.some((part) => part.t === 'for' || part.t === 'if'), start, end: this.pos };
  }

  /** `<<EOT` or `<<-EOT` up to the line that holds only `EOT`. */
  private heredoc(): Expr {
    const text = this.text;
    const start = this.pos;
    let pos = start + 2;
    if (this.code(pos) === MINUS) pos++;
    const nameStart = pos;
    while (isNamePart(this.code(pos))) pos++;
    if (pos === nameStart) this.fail();
    const marker = text.slice(nameStart, pos);
    if (this.code(pos) === CR) pos++;
    if (this.code(pos) !== LF) this.fail();
    this.pos = pos + 1;
    this.enter();
    const { parts, end } = this.templateParts('heredoc', this.pos, false, marker);
    this.depth--;
    if (end.tag !== undefined) this.fail();
    // The closing line: its indentation, the marker (where the node ends), trailing blanks, a newline.
    this.pos = this.blanksFrom(end.at) + marker.length;
    this.lastEnd = this.pos;
    return { t: 'template', parts, heredoc: true, directive: parts.some((part) => part.t === 'for' || part.t === 'if'), start, end: this.pos };
  }

  /** Past the blanks (whitespace other than a newline) from `at`. */
  private blanksFrom(at: number): number {
    let pos = at;
    for (let c = this.code(pos); c === SPACE || c === TAB || c === VT || c === FF || c === CR; c = this.code(pos)) pos++;
    return pos;
  }

  /** Whether the line starting at `at` closes the heredoc: only the marker, blanks around it, then a newline. */
  private closesHeredoc(at: number, marker: string): boolean {
    let pos = this.blanksFrom(at);
    if (!this.text.startsWith(marker, pos)) return false;
    pos = this.blanksFrom(pos + marker.length);
    if (this.code(pos) === LF) return true;
    // The marker alone on the last line, without a newline: tree-sitter does not close the heredoc there.
    if (pos >= this.text.length) this.fail();
    return false;
  }

  /**
   * The parts of a template from `from`: literal text from the source between interpolations and
   * directives, up to the closing quote, the heredoc's closing line, or (inside a directive) the next
   * `%{ else }`, `%{ endif }` or `%{ endfor }` tag. `stripStart`: a `~` before this sequence removes the
   * whitespace at its start.
   */
  private templateParts(kind: 'quoted' | 'heredoc', from: number, inDirective: boolean, marker = '', stripStart = false): { parts: TemplatePart[]; end: TemplateEnd } {
    const text = this.text;
    const parts: TemplatePart[] = [];
    let cursor = from;
    let stripNext = stripStart;
    const pushText = (end: number, stripBefore: boolean) => {
      if (end > cursor) {
        const value = templateText(text.slice(cursor, end), kind === 'heredoc', stripNext, stripBefore);
        if (value !== '') parts.push({ t: 'text', text: value, start: cursor, end });
      }
    };
    let pos = from;
    if (kind === 'heredoc' && !inDirective && this.closesHeredoc(pos, marker)) {
      pushText(pos, false);
      return { parts, end: { at: pos } };
    }
    for (;;) {
      if (pos >= text.length) this.fail();
      const c = text.charCodeAt(pos);
      if (kind === 'quoted') {
        if (c === QUOTE) {
          if (inDirective) this.fail();
          pushText(pos, false);
          return { parts, end: { at: pos } };
        }
        if (c === LF || c === CR) this.fail();
        if (c === BACKSLASH) {
          pos = this.escape(pos);
          continue;
        }
      } else if (c === LF) {
        pos++;
        if (this.closesHeredoc(pos, marker)) {
          if (inDirective) this.fail();
          pushText(pos, false);
          return { parts, end: { at: pos } };
        }
        continue;
      }
      const next = pos + 1 < text.length ? text.charCodeAt(pos + 1) : -1;
      if ((c === DOLLAR || c === PERCENT) && next === c && text.charCodeAt(pos + 2) === LBRACE) {
        pos += 3;
        continue;
      }
      if (c === DOLLAR && next === LBRACE) {
        const stripBefore = this.code(pos + 2) === TILDE;
        pushText(pos, stripBefore);
        const start = pos;
        this.pos = pos + (stripBefore ? 3 : 2);
        this.skip();
        if (this.code() === RBRACE || this.code() === TILDE) this.fail();
        const expr = this.expression();
        const stripAfter = this.closeSequence();
        parts.push({ t: 'interp', expr, start, end: this.pos });
        stripNext = stripAfter;
        cursor = pos = this.pos;
        continue;
      }
      if (c === PERCENT && next === LBRACE) {
        const tag = this.tag(pos);
        if (tag.keyword === 'else' || tag.keyword === 'endif' || tag.keyword === 'endfor') {
          if (!inDirective) this.fail();
          pushText(pos, tag.stripBefore);
          return { parts, end: { at: pos, tag } };
        }
        pushText(pos, tag.stripBefore);
        const directive = this.directive(kind, tag, marker);
        parts.push(directive.part);
        stripNext = directive.stripAfter;
        cursor = pos = this.pos;
        continue;
      }
      pos++;
    }
  }

  /** A backslash escape of a quoted string; the ones the grammar does not know are left to tree-sitter. */
  private escape(at: number): number {
    const c = this.code(at + 1);
    if (c === QUOTE || c === BACKSLASH || c === 110 || c === 114 || c === 116) return at + 2;
    const digits = c === 117 ? 4 : c === 85 ? 8 : 0;
    if (digits === 0) this.fail();
    for (let i = 0; i < digits; i++) if (!isHexDigit(this.code(at + 2 + i))) this.fail();
    return at + 2 + digits;
  }

  /**
   * A `%{ … }` tag at `at`, read up to its keyword; for `for` and `if` the reader stops after the
   * keyword (the caller reads the rest), for the others after the closing brace.
   */
  private tag(at: number): Tag {
    this.pos = at + 2;
    const stripBefore = this.code() === TILDE;
    if (stripBefore) this.pos++;
    this.skip();
    const word = this.name();
    if (word === undefined) this.fail();
    const keyword = word.value;
    if (keyword !== 'for' && keyword !== 'if' && keyword !== 'else' && keyword !== 'endif' && keyword !== 'endfor') this.fail();
    if (keyword === 'for' || keyword === 'if') return { keyword, stripBefore, stripAfter: false, start: at, end: this.pos };
    const stripAfter = this.closeSequence();
    return { keyword, stripBefore, stripAfter, start: at, end: this.pos };
  }

  /** `~`? then `}` closing a `${…}` or a `%{…}` tag; whether the marker was there. */
  private closeSequence(): boolean {
    this.skip();
    let strip = false;
    if (this.code() === TILDE) {
      strip = true;
      this.pos++;
    }
    this.expect(RBRACE);
    return strip;
  }

  /** The rest of a `%{ for }` or `%{ if }` directive whose tag was just read, to its end tag. */
  private directive(kind: 'quoted' | 'heredoc', opening: Tag, marker: string): { part: TemplatePart; stripAfter: boolean } {
    this.enter();
    const start = opening.start;
    let result: { part: TemplatePart; stripAfter: boolean };
    if (opening.keyword === 'for') {
      const { keyVar, valueVar, collection } = this.forIntro();
      const stripInside = this.closeSequence();
      const { parts, end } = this.templateParts(kind, this.pos, true, marker, stripInside);
      if (end.tag?.keyword !== 'endfor') this.fail();
      result = {
        part: { t: 'for', ...(keyVar !== undefined ? { keyVar } : {}), valueVar, collection, body: parts, start, end: end.tag.end },
        stripAfter: end.tag.stripAfter,
      };
      this.pos = end.tag.end;
    } else {
      const condition = this.expression();
      const stripInside = this.closeSequence();
      const then = this.templateParts(kind, this.pos, true, marker, stripInside);
      let otherwise: TemplatePart[] = [];
      let last = then.end.tag;
      if (last?.keyword === 'else') {
        this.pos = last.end;
        const rest = this.templateParts(kind, this.pos, true, marker, last.stripAfter);
        otherwise = rest.parts;
        last = rest.end.tag;
      }
      if (last?.keyword !== 'endif') this.fail();
      result = { part: { t: 'if', condition, then: then.parts, else: otherwise, start, end: last.end }, stripAfter: last.stripAfter };
      this.pos = last.end;
    }
    this.lastEnd = this.pos;
    this.depth--;
    return result;
  }
}
