/** A file's text with a lazily built line index, so positions cost nothing until a finding needs one. */
export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column, in UTF-16 code units as editors and GitHub count them. */
  column: number;
}

export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export class SourceFile {
  private lineStarts: Uint32Array | undefined;

  constructor(
    /** Path as reported in findings: relative to the scanned folder or repository root, `/`-separated. */
    readonly path: string,
    readonly text: string,
  ) {}

  positionAt(offset: number): Position {
    const starts = (this.lineStarts ??= computeLineStarts(this.text));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  }

  spanOf(start: number, end: number): Span {
    const from = this.positionAt(start);
    const to = this.positionAt(Math.max(start, end));
    return { line: from.line, column: from.column, endLine: to.line, endColumn: to.column };
  }

  get lineCount(): number {
    return (this.lineStarts ??= computeLineStarts(this.text)).length;
  }
}

/** A typed array, counted first: a 10 MB template has ~400,000 lines, and a grown `number[]` is ~5 times larger. */
function computeLineStarts(text: string): Uint32Array {
  let lines = 1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++;
  const starts = new Uint32Array(lines);
  let line = 1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts[line++] = at + 1;
  return starts;
}
