import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { linkParents, mapNode, scalarNode, seqNode, type MapEntry, type SourceNode } from './nodes.js';
import { parseJsonFast } from './json-fast.js';
import { MAX_NESTING_DEPTH } from './limits.js';
import type { ParseResult } from './parse-result.js';

/**
 * Parses strict JSON into a {@link SourceNode} tree with offsets: the fast reader for well-formed JSON,
 * jsonc-parser for everything else (its error messages and positions).
 */
export function parseJson(text: string): ParseResult {
  const tooDeep = findExcessiveNesting(text);
  if (tooDeep !== undefined) {
    return { ok: false, problem: { message: `nesting deeper than ${MAX_NESTING_DEPTH} levels`, offset: tooDeep, limit: true } };
  }
  const fast = parseJsonFast(text);
  if (fast !== undefined) return { ok: true, root: fast };
  // Not well-formed (or something the fast reader leaves alone): jsonc-parser says what and where.
  return parseJsonWithJsoncParser(text);
}

/** jsonc-parser's reading of strict JSON, converted to a SourceNode tree; exported for the test that compares both readers. */
export function parseJsonWithJsoncParser(text: string): ParseResult {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const first = errors[0];
  if (first !== undefined) {
    const unclosed = first.offset >= text.trimEnd().length ? unclosedBracket(text) : undefined;
    if (unclosed !== undefined) {
      const bracket = text[unclosed]!;
      return {
        ok: false,
        problem: {
          message: `invalid JSON: the ${bracket === '{' ? 'object' : 'array'} opened with ${bracket} here is never closed (the file ends at line ${lineOf(text, text.trimEnd().length)})`,
          offset: unclosed,
          endOffset: unclosed + 1,
        },
      };
    }
    return {
      ok: false,
      problem: {
        message: `invalid JSON: ${describeJsonError(printParseErrorCode(first.error))}`,
        offset: first.offset,
        endOffset: first.offset + first.length,
      },
    };
  }
  if (tree === undefined) return { ok: false, problem: { message: 'the file is empty', offset: 0 } };
  const root = convert(tree);
  linkParents(root);
  return { ok: true, root };
}

function describeJsonError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function convert(node: JsonNode): SourceNode {
  const start = node.offset;
  const end = node.offset + node.length;
  switch (node.type) {
    case 'object': {
      const entries: MapEntry[] = [];
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        if (keyNode === undefined) continue;
        const key = scalarNode(String(keyNode.value), keyNode.offset, keyNode.offset + keyNode.length);
        const value: SourceNode = valueNode === undefined ? scalarNode(null, key.end, key.end) : convert(valueNode);
        entries.push({ key, value });
      }
      return mapNode(entries, start, end);
    }
    case 'array':
      return seqNode((node.children ?? []).map(convert), start, end);
    default:
      return scalarNode((node.value ?? null) as string | number | boolean | null, start, end);
  }
}

/**
 * The offset of the innermost bracket still open at the end of the text, skipping string contents: where
 * a reader should look when the file ends early. jsonc-parser puts that error past the last line.
 */
function unclosedBracket(text: string): number | undefined {
  const open: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) open.push(i);
    else if (c === 125 || c === 93) open.pop();
  }
  return open.at(-1);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Finds the offset where bracket nesting first exceeds the limit, skipping string contents. */
function findExcessiveNesting(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_NESTING_DEPTH) return i;
    } else if (c === 125 || c === 93) depth--;
  }
  return undefined;
}
