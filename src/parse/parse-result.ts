import type { SourceNode } from './nodes.js';

export interface ParseProblem {
  message: string;
  /** Offset into the source text where the problem was found. */
  offset: number;
  endOffset?: number;
  /**
   * The text may well be valid: it goes past a bound trustgate sets against hostile input (nesting,
   * alias expansion, node count), which is not a syntax error and is said differently.
   */
  limit?: true;
}

/** Expected failures are values: a document either parsed or says where and why it did not. */
export type ParseResult = { ok: true; root: SourceNode } | { ok: false; problem: ParseProblem };
