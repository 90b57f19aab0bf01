import type { SourceNode } from './nodes.js';

export interface ParseProblem {
  message: string;
  /** Offset into the source text where the problem was found. */
  offset: number;
  endOffset?: number;
}

/** Expected failures are values: a document either parsed or says where and why it did not. */
export type ParseResult = { ok: true; root: SourceNode } | { ok: false; problem: ParseProblem };
