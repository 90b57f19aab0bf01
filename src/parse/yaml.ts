import { type Tags, visit, isAlias, isMap, isScalar, isSeq, LineCounter, Parser, Composer, type Node as YamlNode, type Document } from 'yaml';
import { linkParents, mapNode, scalarNode as makeScalar, seqNode, type MapEntry, type SourceNode, type ScalarNode } from './nodes.js';
import { MAX_ALIAS_NODES, MAX_NESTING_DEPTH, MAX_NODES } from './limits.js';
import type { ParseProblem, ParseResult } from './parse-result.js';
import { longFormNode, SHORT_FORM_TAGS } from './short-forms.js';
import { parseYamlFast } from './yaml-fast.js';

/**
 * The short-form tags declared to the YAML library for every node kind, so that it does not build a
 * warning (with a stack trace) for each `!Ref` — on real templates that was a tenth of the parse time.
 */
const CLOUDFORMATION_TAGS: Tags = Object.keys(SHORT_FORM_TAGS).flatMap((tag): Tags => [
  { tag, resolve: (value: string) => value },
  { tag, collection: 'seq', resolve: (value: unknown) => value },
  { tag, collection: 'map', resolve: (value: unknown) => value },
]);

/**
 * An error the yaml package places at the end of the text (a flow collection or a quote left open) is
 * shown on the last line that has content, where the reader can see what is missing, not past it.
 */
function atContent(text: string, problem: ParseProblem): ParseProblem {
  const end = text.trimEnd().length;
  if (problem.offset < end || end === 0) return problem;
  return { ...problem, message: `${problem.message} (the file ends here)`, offset: end - 1, endOffset: end };
}

class YamlLimitError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** A bound against hostile input, not a mistake in the text. */
    readonly limit = true,
  ) {
    super(message);
  }
}

/**
 * Parses YAML (the first document of a stream) into a {@link SourceNode} tree with offsets. The common
 * shape of templates is read by a fast reader that builds the tree directly (src/parse/yaml-fast.ts);
 * everything else, errors included, by the `yaml` package, with the same result for what both read
 * (test/parse/yaml-equivalence.test.ts checks that on the whole corpus and on mutated documents).
 */
export function parseYaml(text: string): ParseResult {
  const fast = parseYamlFast(text);
  if (fast !== undefined) {
    linkParents(fast);
    return { ok: true, root: fast };
  }
  return parseYamlWithComposer(text);
}

/** The `yaml` package's Parser and Composer, then conversion: reads every YAML, reports every error. */
export function parseYamlWithComposer(text: string): ParseResult {
  let document: Document.Parsed | undefined;
  try {
    const lineCounter = new LineCounter();
    const composer = new Composer({ uniqueKeys: false, intAsBigInt: false, schema: 'core', customTags: CLOUDFORMATION_TAGS, lineCounter });
    for (const doc of composer.compose(new Parser(lineCounter.addNewLine).parse(text), true, text.length)) {
      if (document === undefined) document = doc;
    }
  } catch (error) {
    return { ok: false, problem: { message: `YAML could not be read: ${(error as Error).message}`, offset: 0 } };
  }
  if (document === undefined || document.contents === null) {
    return { ok: false, problem: { message: 'the file is empty', offset: 0 } };
  }
  const firstError = document.errors[0];
  if (firstError !== undefined) {
    return {
      ok: false,
      problem: atContent(text, { message: firstError.message.split('\n')[0]!, offset: firstError.pos[0], endOffset: firstError.pos[1] }),
    };
  }
  try {
    const budget: Budget = { nodes: 0, aliasNodes: 0, anchors: undefined, document };
    const root = convert(document.contents as YamlNode, document, 0, budget);
    linkParents(root);
    return { ok: true, root };
  } catch (error) {
    if (error instanceof YamlLimitError) return { ok: false, problem: { message: error.message, offset: error.offset, ...(error.limit ? { limit: true as const } : {}) } };
    if (error instanceof RangeError) return { ok: false, problem: { message: 'the document is nested too deeply', offset: 0, limit: true } };
    throw error;
  }
}

function convert(node: YamlNode, document: Document.Parsed, depth: number, budget: Budget, underAlias = false): SourceNode {
  const [start, , end] = node.range ?? [0, 0, 0];
  if (++budget.nodes > MAX_NODES) throw new YamlLimitError(`the document has more than ${MAX_NODES} nodes`, start);
  if (underAlias && ++budget.aliasNodes > MAX_ALIAS_NODES) {
    throw new YamlLimitError(`YAML aliases expand to more than ${MAX_ALIAS_NODES} nodes (an alias bomb?)`, start);
  }
  if (depth > MAX_NESTING_DEPTH) throw new YamlLimitError(`nesting deeper than ${MAX_NESTING_DEPTH} levels`, start);

  let converted: SourceNode;
  if (isAlias(node)) {
    const target = (budget.anchors ??= collectAnchors(budget.document)).get(node.source);
    if (target === undefined) throw new YamlLimitError(`unknown alias *${node.source}`, start, false);
    return convert(target as YamlNode, document, depth + 1, budget, true);
  } else if (isMap(node)) {
    const entries: MapEntry[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const key: ScalarNode =
        keyNode !== null && isScalar(keyNode)
          ? scalarNode(keyNode.value, keyNode.range ?? [start, start, start])
          : makeScalar(keyNode === null ? '' : String(keyNode), start, start);
      const valueNode = pair.value as YamlNode | null;
      const value: SourceNode =
        valueNode === null
          ? makeScalar(null, key.end, key.end)
          : convert(valueNode, document, depth + 1, budget, underAlias);
      entries.push({ key, value });
    }
    converted = mapNode(entries, start, end);
  } else if (isSeq(node)) {
    const items = node.items.map((item) =>
      item === null
        ? makeScalar(null, start, start)
        : convert(item as YamlNode, document, depth + 1, budget, underAlias),
    );
    converted = seqNode(items, start, end);
  } else if (isScalar(node)) {
    converted = scalarNode(node.value, node.range ?? [start, start, end]);
  } else {
    converted = makeScalar(null, start, end);
  }

  const tag = node.tag;
  const longForm = tag === undefined ? undefined : SHORT_FORM_TAGS[tag];
  if (longForm === undefined) return converted;
  // The tag itself becomes the key so that a finding on the function points at `!Ref ...` as written.
  return longFormNode(longForm, tag!.length, converted, start, end);
}

interface Budget {
  nodes: number;
  aliasNodes: number;
  /** Anchor name to node, built on the first alias: the library's own lookup walks the document every time. */
  anchors: Map<string, YamlNode> | undefined;
  document: Document.Parsed;
}

function collectAnchors(document: Document.Parsed): Map<string, YamlNode> {
  const anchors = new Map<string, YamlNode>();
  visit(document, {
    Node(_key, node) {
      if (!isAlias(node) && node.anchor) anchors.set(node.anchor, node);
    },
  });
  return anchors;
}

function scalarNode(value: unknown, range: readonly number[]): ScalarNode {
  const start = range[0] ?? 0;
  const end = range[1] ?? start;
  let scalar: ScalarNode['value'];
  if (value === null || value === undefined) scalar = null;
  else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') scalar = value;
  else scalar = String(value);
  return makeScalar(scalar, start, end);
}
