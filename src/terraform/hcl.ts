import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { packageRoot } from '../aws-data/package-root.js';
import { MAX_NESTING_DEPTH } from '../parse/limits.js';
import { readHclDirect } from './hcl-direct.js';

/**
 * HCL (Terraform) read into a small syntax tree of our own, with character offsets (UTF-16, as
 * SourceFile counts them) on every node. The tree-sitter tree is converted and freed at once, so
 * nothing of the wasm heap outlives one parse.
 *
 * The grammar is loaded once per process from the installed packages (nothing is downloaded); its load is
 * asynchronous, so this module waits for it at import. If it cannot load, {@link parseHcl} says so and
 * the engine reports every Terraform file as not checked (fail closed).
 */

import { templateText, unescapeQuoted, type Attribute, type Block, type Body, type Expr, type HclResult, type Span, type SyntaxProblem, type TemplatePart } from './hcl-syntax.js';

export type { Attribute, Block, Body, Expr, HclResult, Span, SyntaxProblem, TemplatePart } from './hcl-syntax.js';

let parser: Parser | undefined;
let loadError: string | undefined;

/**
 * A wasm file of a dependency: resolved as Node resolves the package (so a hoisted install works), else
 * under the package root's node_modules.
 */
function dependencyFile(specifier: string): string {
  try {
    return createRequire(import.meta.url).resolve(specifier);
  } catch {
    return join(packageRoot(), 'node_modules', ...specifier.split('/'));
  }
}

/**
 * The runtime's own cursor functions. web-tree-sitter's TreeCursor copies the cursor into the runtime's
 * transfer buffer and back around every call (several calls into wasm and a dozen memory writes per
 * node); these take the cursor where the previous call left it, so a walk is one call per step. They are
 * the exports of the emscripten module, which is the options object given to `Parser.init`; when they
 * are not there (another version of web-tree-sitter), the walk goes through the public TreeCursor.
 */
interface RawCursor {
  gotoFirstChild(tree: number): number;
  gotoNextSibling(tree: number): number;
  gotoParent(tree: number): number;
  typeId(tree: number): number;
  startIndex(tree: number): number;
  endIndex(tree: number): number;
  isNamed(tree: number): number;
  isMissing(tree: number): number;
  delete(tree: number): void;
}

let raw: RawCursor | undefined;

function rawCursor(module: Record<string, unknown>): RawCursor | undefined {
  const names = {
    gotoFirstChild: '_ts_tree_cursor_goto_first_child_wasm',
    gotoNextSibling: '_ts_tree_cursor_goto_next_sibling_wasm',
    gotoParent: '_ts_tree_cursor_goto_parent_wasm',
    typeId: '_ts_tree_cursor_current_node_type_id_wasm',
    startIndex: '_ts_tree_cursor_start_index_wasm',
    endIndex: '_ts_tree_cursor_end_index_wasm',
    isNamed: '_ts_tree_cursor_current_node_is_named_wasm',
    isMissing: '_ts_tree_cursor_current_node_is_missing_wasm',
    delete: '_ts_tree_cursor_delete_wasm',
  } as const;
  const found: Partial<Record<keyof RawCursor, unknown>> = {};
  for (const [key, name] of Object.entries(names)) {
    if (typeof module[name] !== 'function') return undefined;
    found[key as keyof RawCursor] = module[name];
  }
  return found as RawCursor;
}

let walkWithRawCursor = true;

/** Tests: walk through the public TreeCursor (as without the runtime's exports), to compare the two. */
export function usePublicCursorForTests(on: boolean): void {
  walkWithRawCursor = !on;
}

/** Which walk {@link parseHcl} uses in this process. */
export function hclCursorKind(): 'runtime' | 'public' {
  return raw !== undefined && walkWithRawCursor ? 'runtime' : 'public';
}

try {
  const runtime = dependencyFile('web-tree-sitter/tree-sitter.wasm');
  const moduleOptions: Record<string, unknown> = { locateFile: () => runtime };
  await Parser.init(moduleOptions);
  raw = rawCursor(moduleOptions);
  const language = await Language.load(readFileSync(dependencyFile('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-terraform.wasm')));
  parser = new Parser();
  parser.setLanguage(language);
} catch (error) {
  loadError = error instanceof Error ? error.message : String(error);
}

/** Why Terraform cannot be read in this process, or `undefined` when it can. */
export function hclUnavailable(): string | undefined {
  return parser === undefined ? `the Terraform parser could not be loaded (${loadError ?? 'unknown reason'})` : undefined;
}

/** Nodes of one parse above this count: the file is reported, not read (bounded memory). */
const MAX_TREE_NODES = 2_000_000;

/** Lines that start a top-level block: where a file with a syntax error is cut into blocks read one by one. */
const TOP_LEVEL_BLOCK = /^(resource|data|variable|locals|module|output|provider|terraform|moved|import|check|removed|ephemeral)\b/gm;
const MAX_RECOVERY_CHARS = 2 * 1024 * 1024;
const MAX_RECOVERY_BLOCKS = 400;
const MAX_RECOVERY_WORK = 32 * 1024 * 1024;

/**
 * Parses one file. A syntax error makes the grammar's recovery swallow what follows into the broken
 * block, so such a file is read again block by block (each top-level block alone, the rest blanked out
 * so offsets stay those of the file): the broken blocks are reported and not judged, the others are.
 */
export function parseHcl(text: string): HclResult {
  const direct = readHclDirect(text);
  if (direct !== undefined) return { ok: true, body: direct, problems: [] };
  return parseHclThroughTreeSitter(text);
}

/**
 * {@link parseHcl} through tree-sitter alone, as it reads every file the direct reader leaves to it (and,
 * in the tests, every file: the two readers are compared).
 */
export function parseHclThroughTreeSitter(text: string): HclResult {
  const whole = parseOnce(text);
  if (!whole.ok || whole.problems.length === 0 || text.length > MAX_RECOVERY_CHARS) return whole;
  const starts = [...text.matchAll(TOP_LEVEL_BLOCK)].map((match) => match.index);
  // Each block is read against the whole file's length: past this much parsing the file is reported as
  // it parsed whole (its syntax error blocks), not read block by block.
  if (starts.length < 2 || starts.length > MAX_RECOVERY_BLOCKS || starts.length * text.length > MAX_RECOVERY_WORK) return whole;
  const body: Body = { attributes: [], blocks: [] };
  const problems: SyntaxProblem[] = [];
  const bounds = [0, ...starts.slice(1), text.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i]!;
    const to = bounds[i + 1]!;
    const masked = text.slice(0, from).replace(/[^\n]/g, ' ') + text.slice(from, to) + text.slice(to).replace(/[^\n]/g, ' ');
    const part = parseOnce(masked);
    if (!part.ok) {
      problems.push(part.problem);
      continue;
    }
    body.attributes.push(...part.body.attributes);
    body.blocks.push(...part.body.blocks);
    for (const problem of part.problems) if (!problems.some((p) => p.start === problem.start)) problems.push(problem);
  }
  return { ok: true, body, problems };
}

function parseOnce(text: string): HclResult {
  if (parser === undefined) return { ok: false, problem: { start: 0, end: 0, message: hclUnavailable()! } };
  // In chunks: given a string, web-tree-sitter hands over the whole rest of it at every read (quadratic on large files).
  const tree = parser.parse((index) => text.slice(index, index + 4096));
  if (tree === null) return { ok: false, problem: { start: 0, end: 0, message: 'the Terraform parser gave no result' } };
  try {
    const nodes = flatTree(tree, text);
    const converter = new Converter(text, nodes);
    let bodyNode = -1;
    for (let child = nodes.first[ROOT]!; child !== NONE; child = nodes.next[child]!) {
      if (nodes.isNamed(child) && nodes.type(child) === 'body') {
        bodyNode = child;
        break;
      }
    }
    const body = converter.body(bodyNode, 0);
    // What tree-sitter could not place in the body (a stray `}` before the first block, a root that is an
    // error node itself) is a syntax error too: a file is never read as fine while part of it went unread.
    if (nodes.hasError(ROOT) && converter.problems.length === 0) converter.unplaced(ROOT);
    return { ok: true, body, problems: converter.problems };
  } catch (error) {
    if (error instanceof TooComplex) return { ok: false, problem: { start: error.at, end: error.at, message: error.message } };
    throw error;
  } finally {
    tree.delete();
    releaseLargeBuffers();
  }
}

/** Index of the root node, and "no node" in the child and sibling links. */
const ROOT = 0;
const NONE = -1;
const NAMED = 1;
const MISSING = 2;
const HAS_ERROR = 4;

/**
 * The tree-sitter tree copied in one cursor walk into flat arrays, one slot per node in depth-first
 * order (a node's symbol, offsets, first child, next sibling and flags): reading node properties through
 * the wasm boundary one call at a time cost several times the parse itself, and half a million small
 * objects per corpus scan were garbage the moment the syntax tree below was built from them. The arrays
 * are reused from parse to parse (one parse at a time: parseHcl is synchronous).
 */
class FlatTree {
  count = 0;
  symbol = new Uint16Array(0);
  start = new Int32Array(0);
  end = new Int32Array(0);
  first = new Int32Array(0);
  next = new Int32Array(0);
  flags = new Uint8Array(0);
  text = '';

  constructor(capacity: number) {
    this.grow(capacity);
  }

  grow(capacity: number): void {
    const copy = <T extends Uint16Array | Int32Array | Uint8Array>(from: T, to: T): T => {
      to.set(from.subarray(0, this.count));
      return to;
    };
    this.symbol = copy(this.symbol, new Uint16Array(capacity));
    this.start = copy(this.start, new Int32Array(capacity));
    this.end = copy(this.end, new Int32Array(capacity));
    this.first = copy(this.first, new Int32Array(capacity));
    this.next = copy(this.next, new Int32Array(capacity));
    this.flags = copy(this.flags, new Uint8Array(capacity));
  }

  /** Appends a node (no children, no sibling yet) and returns its index. */
  add(symbol: number, start: number, end: number, flags: number): number {
    const index = this.count;
    if (index === this.symbol.length) this.grow(this.symbol.length * 2);
    this.symbol[index] = symbol;
    this.start[index] = start;
    this.end[index] = end;
    this.first[index] = NONE;
    this.next[index] = NONE;
    this.flags[index] = flags;
    this.count = index + 1;
    return index;
  }

  type(node: number): string {
    return symbolTypes[this.symbol[node]!]!;
  }

  isNamed(node: number): boolean {
    return (this.flags[node]! & NAMED) !== 0;
  }

  isMissing(node: number): boolean {
    return (this.flags[node]! & MISSING) !== 0;
  }

  isError(node: number): boolean {
    return symbolTypes[this.symbol[node]!] === 'ERROR';
  }

  hasError(node: number): boolean {
    return (this.flags[node]! & HAS_ERROR) !== 0;
  }

  nodeText(node: number): string {
    return this.text.slice(this.start[node], this.end[node]);
  }

  /** The first named child of one of these types, or NONE. */
  namedChild(node: number, type: string): number {
    for (let child = this.first[node]!; child !== NONE; child = this.next[child]!) {
      if ((this.flags[child]! & NAMED) !== 0 && symbolTypes[this.symbol[child]!] === type) return child;
    }
    return NONE;
  }

  /** The first named child, or NONE. */
  firstNamed(node: number): number {
    for (let child = this.first[node]!; child !== NONE; child = this.next[child]!) if ((this.flags[child]! & NAMED) !== 0) return child;
    return NONE;
  }

  /** The named children of this type, in order. */
  namedChildren(node: number, type: string): number[] {
    const out: number[] = [];
    for (let child = this.first[node]!; child !== NONE; child = this.next[child]!) {
      if ((this.flags[child]! & NAMED) !== 0 && symbolTypes[this.symbol[child]!] === type) out.push(child);
    }
    return out;
  }

  /** The children, less comments (the grammar lets them sit between any two tokens). */
  children(node: number): number[] {
    const out: number[] = [];
    for (let child = this.first[node]!; child !== NONE; child = this.next[child]!) if (symbolTypes[this.symbol[child]!] !== 'comment') out.push(child);
    return out;
  }
}

const INITIAL_CAPACITY = 1 << 14;
/** Arrays grown past this (a large file) are dropped after the parse rather than kept for the process. */
const KEPT_CAPACITY = 1 << 18;
let flat = new FlatTree(INITIAL_CAPACITY);

function releaseLargeBuffers(): void {
  flat.text = '';
  if (flat.symbol.length > KEPT_CAPACITY) flat = new FlatTree(INITIAL_CAPACITY);
}

/** Per grammar symbol: its type name, whether it is named and whether its children are skipped, filled as symbols are met. */
const symbolTypes: string[] = [];
const symbolNamed: boolean[] = [];
const symbolOpaque: boolean[] = [];

/**
 * Nodes whose children nothing reads when the tree has no error: a `for` expression and a template
 * directive are kept as their text or span, a comment is skipped. (With an error, every node is walked:
 * the error may be inside.) The walk through the public cursor descends into them all, as a reference.
 */
const OPAQUE_WHEN_CLEAN = new Set(['comment']);

/** The cursor steps a walk needs, at the cursor's current node. */
interface Steps {
  typeId(): number;
  isNamed(): boolean;
  isMissing(): boolean;
  startIndex(): number;
  endIndex(): number;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
}

function flatTree(tree: Tree, text: string): FlatTree {
  // Without errors no node is missing, and punctuation needs only its type: fewer calls into wasm.
  const clean = !tree.rootNode.hasError;
  const types = tree.language.types;
  const cursor = tree.walk();
  const nodes = flat;
  nodes.count = 0;
  nodes.text = text;
  if (raw !== undefined && walkWithRawCursor) {
    const api = raw;
    const address = (tree as unknown as Record<number, number>)[0]!;
    // Through the public cursor once: it writes itself into the runtime's transfer buffer, where every
    // raw call below moves it in place. Nothing else may call into the runtime until the cursor is
    // deleted (raw, from the buffer, where its latest state is).
    void cursor.nodeTypeId;
    const steps: Steps = {
      typeId: () => api.typeId(address),
      isNamed: () => api.isNamed(address) === 1,
      isMissing: () => api.isMissing(address) === 1,
      startIndex: () => api.startIndex(address),
      endIndex: () => api.endIndex(address),
      gotoFirstChild: () => api.gotoFirstChild(address) === 1,
      gotoNextSibling: () => api.gotoNextSibling(address) === 1,
      gotoParent: () => api.gotoParent(address) === 1,
    };
    try {
      walk(steps, nodes, types, clean, true);
    } finally {
      api.delete(address);
    }
    return nodes;
  }
  const steps: Steps = {
    typeId: () => cursor.nodeTypeId,
    isNamed: () => cursor.nodeIsNamed,
    isMissing: () => cursor.nodeIsMissing,
    startIndex: () => cursor.startIndex,
    endIndex: () => cursor.endIndex,
    gotoFirstChild: () => cursor.gotoFirstChild(),
    gotoNextSibling: () => cursor.gotoNextSibling(),
    gotoParent: () => cursor.gotoParent(),
  };
  try {
    walk(steps, nodes, types, clean, false);
  } finally {
    cursor.delete();
  }
  return nodes;
}

/** Depth-first with an explicit stack: deep nesting cannot exhaust the call stack here. */
function walk(cursor: Steps, nodes: FlatTree, types: readonly string[], clean: boolean, skipOpaque: boolean): void {
  let visited = 0;
  const make = (): number => {
    const id = cursor.typeId();
    if (symbolTypes[id] === undefined) {
      // As web-tree-sitter names it: a symbol without a name (65535, an error node) is "ERROR".
      const type = types[id] || 'ERROR';
      symbolTypes[id] = type;
      symbolNamed[id] = cursor.isNamed();
      symbolOpaque[id] = OPAQUE_WHEN_CLEAN.has(type);
    }
    const named = symbolNamed[id]!;
    if (clean && !named) return nodes.add(id, -1, -1, 0);
    const missing = !clean && cursor.isMissing();
    const flags = (named ? NAMED : 0) | (missing ? MISSING : 0) | (symbolTypes[id] === 'ERROR' || missing ? HAS_ERROR : 0);
    return nodes.add(id, cursor.startIndex(), cursor.endIndex(), flags);
  };
  make();
  const parents: number[] = [ROOT];
  const lastChild: number[] = [NONE];
  if (cursor.gotoFirstChild()) {
    for (;;) {
      if (++visited > MAX_TREE_NODES) throw new TooComplex(`more than ${MAX_TREE_NODES} syntax nodes`, cursor.startIndex());
      const node = make();
      const top = parents.length - 1;
      const previous = lastChild[top]!;
      if (previous === NONE) nodes.first[parents[top]!] = node;
      else nodes.next[previous] = node;
      lastChild[top] = node;
      if (!(skipOpaque && clean && symbolOpaque[nodes.symbol[node]!]) && cursor.gotoFirstChild()) {
        parents.push(node);
        lastChild.push(NONE);
        continue;
      }
      let done = false;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) {
          done = true;
          break;
        }
        parents.pop();
        lastChild.pop();
        if (parents.length === 0) {
          done = true;
          break;
        }
      }
      if (done) break;
    }
  }
  if (!clean) propagateErrors(nodes);
}

/** hasError bottom-up: children come after their parent in depth-first order. */
function propagateErrors(nodes: FlatTree): void {
  const parent = new Int32Array(nodes.count).fill(NONE);
  for (let node = 0; node < nodes.count; node++) {
    for (let child = nodes.first[node]!; child !== NONE; child = nodes.next[child]!) parent[child] = node;
  }
  for (let node = nodes.count - 1; node > 0; node--) {
    if ((nodes.flags[node]! & HAS_ERROR) !== 0 && parent[node] !== NONE) nodes.flags[parent[node]!] |= HAS_ERROR;
  }
}

class TooComplex extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

class Converter {
  readonly problems: SyntaxProblem[] = [];
  private visited = 0;

  constructor(
    private readonly text: string,
    private readonly n: FlatTree,
  ) {}

  private span(node: number): Span {
    return { start: this.n.start[node]!, end: this.n.end[node]! };
  }

  private count(node: number, depth: number): void {
    if (++this.visited > MAX_TREE_NODES) throw new TooComplex(`more than ${MAX_TREE_NODES} syntax nodes`, this.n.start[node]!);
    if (depth > MAX_NESTING_DEPTH) throw new TooComplex(`nesting deeper than ${MAX_NESTING_DEPTH} levels`, this.n.start[node]!);
  }

  /** A syntax error somewhere under `node` that no block or attribute reported. */
  unplaced(node: number): void {
    this.problem(node);
  }

  private problem(node: number): void {
    const n = this.n;
    // The innermost error or missing node is where the author has to look.
    const found = this.findError(node);
    const at = found ?? node;
    const start = n.start[at]!;
    const end = n.end[at]!;
    const type = n.type(at);
    const message = n.isMissing(at) ? `expected ${type === '' ? 'more input' : JSON.stringify(type)} here` : `unexpected ${describeText(this.text.slice(start, Math.min(end, start + 40)))}`;
    if (this.problems.some((problem) => problem.start === start)) return;
    this.problems.push({ start, end, message: `syntax error: ${message}` });
  }

  private findError(node: number): number | undefined {
    const n = this.n;
    if (n.isError(node) || n.isMissing(node)) {
      for (let child = n.first[node]!; child !== NONE; child = n.next[child]!) {
        if (n.isError(child) || n.isMissing(child)) return this.findError(child) ?? child;
      }
      return node;
    }
    for (let child = n.first[node]!; child !== NONE; child = n.next[child]!) {
      if (n.hasError(child) || n.isMissing(child)) return this.findError(child) ?? child;
    }
    return undefined;
  }

  body(node: number, depth: number): Body {
    const body: Body = { attributes: [], blocks: [] };
    if (node === NONE) return body;
    const n = this.n;
    this.count(node, depth);
    for (let child = n.first[node]!; child !== NONE; child = n.next[child]!) {
      const type = n.type(child);
      if (type === 'attribute') {
        if (n.hasError(child)) {
          this.problem(child);
          continue;
        }
        const attribute = this.attribute(child, depth + 1);
        if (attribute !== undefined) body.attributes.push(attribute);
      } else if (type === 'block') {
        const block = this.block(child, depth + 1);
        if (block !== undefined) body.blocks.push(block);
      } else if (n.isError(child) || n.isMissing(child) || n.hasError(child)) {
        this.problem(child);
      }
    }
    return body;
  }

  private attribute(node: number, depth: number): Attribute | undefined {
    const n = this.n;
    const name = n.namedChild(node, 'identifier');
    const value = n.namedChild(node, 'expression');
    if (name === NONE || value === NONE) return undefined;
    return { name: n.nodeText(name), nameSpan: this.span(name), expr: this.expr(value, depth + 1), start: n.start[node]!, end: n.end[node]! };
  }

  private block(node: number, depth: number): Block | undefined {
    const n = this.n;
    this.count(node, depth);
    let type = NONE;
    const labels: Block['labels'] = [];
    let bodyNode = NONE;
    for (let child = n.first[node]!; child !== NONE; child = n.next[child]!) {
      if (!n.isNamed(child)) continue;
      const childType = n.type(child);
      if (childType === 'identifier' && type === NONE) type = child;
      else if (childType === 'identifier') labels.push({ value: n.nodeText(child), ...this.span(child) });
      else if (childType === 'string_lit') labels.push({ value: this.stringLit(child), ...this.span(child) });
      else if (childType === 'body') bodyNode = child;
    }
    if (type === NONE) return undefined;
    const hasError = n.hasError(node);
    if (hasError) this.problem(node);
    return {
      type: n.nodeText(type),
      typeSpan: this.span(type),
      labels,
      body: this.body(bodyNode, depth + 1),
      hasError,
      start: n.start[node]!,
      end: n.end[node]!,
    };
  }

  /**
   * The value of a quoted string without interpolations: the source between its quotes, unescaped (the
   * grammar's template_literal leaves out the blanks at either end).
   */
  private stringLit(node: number): string {
    return unescapeQuoted(this.text.slice(this.n.start[node]! + 1, Math.max(this.n.start[node]! + 1, this.n.end[node]! - 1)));
  }

  /** An `expression` node: a primary followed by postfix steps (get_attr, index, splat). */
  expr(node: number, depth: number): Expr {
    const n = this.n;
    this.count(node, depth);
    if (n.type(node) !== 'expression') return this.primary(node, depth + 1);
    return this.sequence(n.children(node), n.start[node]!, n.end[node]!, depth + 1);
  }

  /**
   * A primary followed by postfix steps (get_attr, index, splat), as the grammar lays them side by side;
   * the primary may be `(`, an expression and `)`.
   */
  private sequence(children: readonly number[], start: number, end: number, depth: number): Expr {
    const n = this.n;
    let current: Expr | undefined;
    let from = 0;
    if (children.length > 0 && n.type(children[0]!) === '(') {
      const close = children.findIndex((child) => n.type(child) === ')');
      const inner = children.findIndex((child) => n.type(child) === 'expression');
      if (close < 0 || inner < 0 || inner > close) return { t: 'error', start, end };
      current = this.expr(children[inner]!, depth + 1);
      from = close + 1;
    }
    for (let i = from; i < children.length; i++) {
      const child = children[i]!;
      if (current === undefined) {
        current = this.primary(child, depth + 1);
        continue;
      }
      current = this.postfix(current, child, start, depth + 1);
    }
    return current ?? { t: 'error', start, end };
  }

  private postfix(object: Expr, step: number, start: number, depth: number): Expr {
    const n = this.n;
    const end = n.end[step]!;
    switch (n.type(step)) {
      case 'get_attr': {
        const name = n.namedChild(step, 'identifier');
        return { t: 'attr', object, name: name === NONE ? '' : n.nodeText(name), start, end };
      }
      case 'index': {
        const inner = n.firstNamed(step);
        if (inner !== NONE && n.type(inner) === 'legacy_index') {
          const digits = /\d+/.exec(n.nodeText(inner))?.[0] ?? '0';
          return { t: 'index', object, key: { t: 'lit', value: Number(digits), ...this.span(inner) }, start, end };
        }
        const key = inner === NONE ? NONE : n.namedChild(inner, 'expression');
        return { t: 'index', object, key: key !== NONE ? this.expr(key, depth + 1) : { t: 'error', ...this.span(step) }, start, end };
      }
      case 'splat':
        return { t: 'splat', object, start, end };
      default:
        return { t: 'error', start, end };
    }
  }

  /** The first named child read as a primary, or an error. */
  private innerPrimary(node: number, depth: number, at: Span): Expr {
    const inner = this.n.firstNamed(node);
    return inner !== NONE ? this.primary(inner, depth + 1) : { t: 'error', ...at };
  }

  private primary(node: number, depth: number): Expr {
    const n = this.n;
    this.count(node, depth);
    const at = this.span(node);
    switch (n.type(node)) {
      case 'expression':
        return this.expr(node, depth + 1);
      case 'literal_value':
        return this.innerPrimary(node, depth, at);
      case 'numeric_lit':
        return { t: 'lit', value: Number(n.nodeText(node)), ...at };
      case 'bool_lit':
        return { t: 'lit', value: n.nodeText(node) === 'true', ...at };
      case 'null_lit':
        return { t: 'lit', value: null, ...at };
      case 'string_lit':
        return { t: 'lit', value: this.stringLit(node), ...at };
      case 'template_expr':
        return this.innerPrimary(node, depth, at);
      case 'quoted_template':
        return this.template(node, false, depth + 1);
      case 'heredoc_template':
        return this.template(node, true, depth + 1);
      case 'collection_value':
        return this.innerPrimary(node, depth, at);
      case 'tuple':
        return { t: 'tuple', items: n.namedChildren(node, 'expression').map((c) => this.expr(c, depth + 1)), ...at };
      case 'object': {
        const entries: { key: Expr; value: Expr }[] = [];
        for (const elem of n.namedChildren(node, 'object_elem')) {
          const parts = n.namedChildren(elem, 'expression');
          if (parts.length === 2) entries.push({ key: this.expr(parts[0]!, depth + 1), value: this.expr(parts[1]!, depth + 1) });
        }
        return { t: 'object', entries, ...at };
      }
      case 'variable_expr': {
        const name = n.namedChild(node, 'identifier');
        return { t: 'var', name: n.nodeText(name === NONE ? node : name), ...at };
      }
      case 'function_call': {
        const name = n.namedChild(node, 'identifier');
        const args = n.namedChild(node, 'function_arguments');
        return {
          t: 'call',
          name: name === NONE ? '' : n.nodeText(name),
          args: args === NONE ? [] : n.namedChildren(args, 'expression').map((c) => this.expr(c, depth + 1)),
          ...at,
        };
      }
      case 'conditional': {
        const parts = n.namedChildren(node, 'expression');
        if (parts.length !== 3) return { t: 'error', ...at };
        return this.conditional(parts[0]!, this.expr(parts[1]!, depth + 1), this.expr(parts[2]!, depth + 1), at, depth + 1);
      }
      case 'operation':
        return this.innerPrimary(node, depth, at);
      case 'binary_operation': {
        const children = n.children(node);
        const at_ = children.findIndex((c, index) => index > 0 && !n.isNamed(c) && BINARY_OPERATORS.has(n.type(c)));
        if (at_ < 1 || at_ === children.length - 1) return { t: 'error', ...at };
        const left = children.slice(0, at_);
        const right = children.slice(at_ + 1);
        return {
          t: 'binary',
          op: n.type(children[at_]!),
          left: this.sequence(left, n.start[left[0]!]!, n.end[left[left.length - 1]!]!, depth + 1),
          right: this.sequence(right, n.start[right[0]!]!, n.end[right[right.length - 1]!]!, depth + 1),
          ...at,
        };
      }
      case 'unary_operation': {
        const children = n.children(node);
        if (children.length < 2) return { t: 'error', ...at };
        const rest = children.slice(1);
        return { t: 'unary', op: n.type(children[0]!), operand: this.sequence(rest, n.start[rest[0]!]!, n.end[node]!, depth + 1), ...at };
      }
      case 'for_expr': {
        const inner = n.firstNamed(node);
        return inner !== NONE ? this.forExpr(inner, depth + 1) : { t: 'error', ...at };
      }
      default:
        return { t: 'error', ...at };
    }
  }

  /**
   * `condition ? whenTrue : whenFalse`. The grammar groups a chain `a ? b : c ? d : e` from the left, as
   * `(a ? b : c) ? d : e`; HCL groups it from the right, `a ? b : (c ? d : e)`, so a condition that is
   * itself an unparenthesised conditional is regrouped.
   */
  private conditional(condition: number, whenTrue: Expr, whenFalse: Expr, at: Span, depth: number): Expr {
    const n = this.n;
    this.count(condition, depth);
    const inner = n.firstNamed(condition);
    if (inner !== NONE && n.type(inner) === 'conditional' && n.type(n.first[condition]!) !== '(') {
      const parts = n.namedChildren(inner, 'expression');
      if (parts.length === 3) {
        const rest = this.conditional(parts[2]!, whenTrue, whenFalse, { start: n.start[parts[2]!]!, end: at.end }, depth + 1);
        return this.conditional(parts[0]!, this.expr(parts[1]!, depth + 1), rest, at, depth + 1);
      }
    }
    return { t: 'cond', condition: this.expr(condition, depth + 1), whenTrue, whenFalse, ...at };
  }

  /** A `for_tuple_expr` or `for_object_expr`: its intro (symbols, collection), value (and key), condition. */
  private forExpr(node: number, depth: number): Expr {
    const n = this.n;
    this.count(node, depth);
    const at = this.span(node);
    const object = n.type(node) === 'for_object_expr';
    const intro = n.namedChild(node, 'for_intro');
    const symbols = intro === NONE ? [] : n.namedChildren(intro, 'identifier').map((identifier) => n.nodeText(identifier));
    const collection = intro === NONE ? NONE : n.namedChild(intro, 'expression');
    const expressions = n.namedChildren(node, 'expression');
    const cond = n.namedChild(node, 'for_cond');
    const condition = cond === NONE ? NONE : n.namedChild(cond, 'expression');
    if (collection === NONE || symbols.length === 0 || symbols.length > 2 || expressions.length !== (object ? 2 : 1)) return { t: 'error', ...at };
    return {
      t: 'for',
      object,
      ...(symbols.length === 2 ? { keyVar: symbols[0]! } : {}),
      valueVar: symbols[symbols.length - 1]!,
      collection: this.expr(collection, depth + 1),
      ...(object ? { key: this.expr(expressions[0]!, depth + 1) } : {}),
      value: this.expr(expressions[object ? 1 : 0]!, depth + 1),
      group: n.namedChild(node, 'ellipsis') !== NONE,
      ...(condition !== NONE ? { cond: this.expr(condition, depth + 1) } : {}),
      ...at,
    };
  }

  /**
   * A quoted or heredoc template. Literal text is taken from the source between interpolations (the
   * grammar drops a heredoc's first indentation), so offsets of every part are exact.
   */
  private template(node: number, heredoc: boolean, depth: number): Expr {
    const n = this.n;
    let contentStart: number;
    let contentEnd: number;
    if (heredoc) {
      let opening = NONE;
      let closing = NONE;
      for (let child = n.first[node]!; child !== NONE; child = n.next[child]!) {
        if (n.type(child) !== 'heredoc_identifier') continue;
        if (opening === NONE) opening = child;
        else if (closing === NONE) closing = child;
      }
      if (opening === NONE) return { t: 'error', ...this.span(node) };
      const newline = this.text.indexOf('\n', n.end[opening]!);
      contentStart = newline < 0 ? n.end[opening]! : newline + 1;
      contentEnd = closing === NONE ? n.end[node]! : this.text.lastIndexOf('\n', n.start[closing]!) + 1;
      if (contentEnd < contentStart) contentEnd = contentStart;
    } else {
      contentStart = n.start[node]! + 1;
      contentEnd = Math.max(contentStart, n.end[node]! - 1);
    }
    const directive = n.namedChild(node, 'template_directive') !== NONE;
    const parts = this.templateSequence(n.children(node), contentStart, contentEnd, false, false, heredoc, depth + 1);
    return { t: 'template', parts, heredoc, directive, start: n.start[node]!, end: n.end[node]! };
  }

  /**
   * The parts between `from` and `to` of a template: literal text from the source between the
   * interpolations and directives among `nodes`. `stripStart`/`stripEnd`: a `~` marker of the enclosing
   * directive removes the whitespace at the start/end; the markers of the sequences inside do the same
   * around them.
   */
  private templateSequence(nodes: readonly number[], from: number, to: number, stripStart: boolean, stripEnd: boolean, heredoc: boolean, depth: number): TemplatePart[] {
    const n = this.n;
    if (depth > MAX_NESTING_DEPTH) throw new TooComplex(`nesting deeper than ${MAX_NESTING_DEPTH} levels`, from);
    const parts: TemplatePart[] = [];
    let cursor = from;
    let stripNext = stripStart;
    const pushText = (end: number, stripBefore: boolean) => {
      if (end > cursor) {
        const text = templateText(this.text.slice(cursor, end), heredoc, stripNext, stripBefore);
        if (text !== '') parts.push({ t: 'text', text, start: cursor, end });
      }
    };
    for (const child of nodes) {
      const type = n.type(child);
      if (type !== 'template_interpolation' && type !== 'template_directive') continue;
      const start = n.start[child]!;
      const end = n.end[child]!;
      if (start < from || end > to) continue;
      if (type === 'template_interpolation') {
        const [open, close] = this.stripMarkers(child);
        pushText(start, open);
        const inner = n.namedChild(child, 'expression');
        parts.push({ t: 'interp', expr: inner !== NONE ? this.expr(inner, depth + 1) : { t: 'error', ...this.span(child) }, start, end });
        stripNext = close;
      } else {
        const inner = n.firstNamed(child);
        const members = inner === NONE ? [] : n.children(inner).filter((member) => n.isNamed(member));
        const open = members.length > 0 && this.stripMarkers(members[0]!)[0];
        const close = members.length > 0 && this.stripMarkers(members[members.length - 1]!)[1];
        pushText(start, open);
        const part = inner === NONE ? undefined : this.directive(inner, members, heredoc, depth + 1);
        // A directive that does not read is text nobody can evaluate: the template is not known.
        parts.push(part ?? { t: 'interp', expr: { t: 'error', start, end }, start, end });
        stripNext = close;
      }
      cursor = end;
    }
    pushText(to, stripEnd);
    return parts;
  }

  /** `%{ for x in coll }…%{ endfor }` or `%{ if cond }…%{ else }…%{ endif }`, with the parts inside. */
  private directive(node: number, members: readonly number[], heredoc: boolean, depth: number): TemplatePart | undefined {
    const n = this.n;
    this.count(node, depth);
    const at = this.span(node);
    const find = (type: string) => members.find((member) => n.type(member) === type);
    const body = (opening: number | undefined, closing: number | undefined): TemplatePart[] => {
      if (opening === undefined || closing === undefined) return [];
      return this.templateSequence(members, n.end[opening]!, n.start[closing]!, this.stripMarkers(opening)[1], this.stripMarkers(closing)[0], heredoc, depth + 1);
    };
    if (n.type(node) === 'template_for') {
      const start = find('template_for_start');
      const end = find('template_for_end');
      if (start === undefined) return undefined;
      const symbols = n.namedChildren(start, 'identifier').map((identifier) => n.nodeText(identifier));
      const collection = n.namedChild(start, 'expression');
      if (collection === NONE || symbols.length === 0 || symbols.length > 2) return undefined;
      return { t: 'for', ...(symbols.length === 2 ? { keyVar: symbols[0]! } : {}), valueVar: symbols[symbols.length - 1]!, collection: this.expr(collection, depth + 1), body: body(start, end), ...at };
    }
    if (n.type(node) === 'template_if') {
      const intro = find('template_if_intro');
      const otherwise = find('template_else_intro');
      const end = find('template_if_end');
      const condition = intro === undefined ? NONE : n.namedChild(intro, 'expression');
      if (condition === NONE) return undefined;
      return { t: 'if', condition: this.expr(condition, depth + 1), then: body(intro, otherwise ?? end), else: otherwise === undefined ? [] : body(otherwise, end), ...at };
    }
    return undefined;
  }

  /** Whether a template sequence (`${~ … ~}`, `%{~ … ~}`) strips the whitespace before it / after it. */
  private stripMarkers(node: number): [boolean, boolean] {
    const n = this.n;
    // Between the opening `${`/`%{` and the closing `}`: a marker right after the one, right before the other.
    const inner = n.children(node).slice(1, -1);
    const isMarker = (child: number | undefined) => child !== undefined && n.type(child) === 'strip_marker';
    const before = isMarker(inner[0]);
    return [before, isMarker(inner[inner.length - 1]) && (inner.length > 1 || !before)];
  }
}

const BINARY_OPERATORS = new Set(['==', '!=', '&&', '||', '+', '-', '*', '/', '%', '<', '>', '<=', '>=']);

function describeText(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line === '' ? 'end of line' : JSON.stringify(line);
}
