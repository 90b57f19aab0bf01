import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { packageRoot } from '../aws-data/package-root.js';
import { MAX_NESTING_DEPTH } from '../parse/limits.js';

/**
 * HCL (Terraform) read into a small syntax tree of our own, with character offsets (UTF-16, as
 * SourceFile counts them) on every node. The tree-sitter tree is converted and freed at once, so
 * nothing of the wasm heap outlives one parse.
 *
 * The grammar is loaded once per process from the installed packages (nothing is downloaded); its load is
 * asynchronous, so this module waits for it at import. If it cannot load, {@link parseHcl} says so and
 * the engine reports every Terraform file as not checked (fail closed).
 */

export interface Span {
  start: number;
  end: number;
}

export type Expr =
  | (Span & { t: 'lit'; value: string | number | boolean | null })
  | (Span & { t: 'template'; parts: TemplatePart[]; heredoc: boolean; directive: boolean })
  | (Span & { t: 'tuple'; items: Expr[] })
  | (Span & { t: 'object'; entries: { key: Expr; value: Expr }[] })
  | (Span & { t: 'var'; name: string })
  | (Span & { t: 'attr'; object: Expr; name: string })
  | (Span & { t: 'index'; object: Expr; key: Expr })
  | (Span & { t: 'splat'; object: Expr })
  | (Span & { t: 'call'; name: string; args: Expr[] })
  | (Span & { t: 'cond'; condition: Expr; whenTrue: Expr; whenFalse: Expr })
  | (Span & { t: 'binary'; op: string; left: Expr; right: Expr })
  | (Span & { t: 'unary'; op: string; operand: Expr })
  | (Span & { t: 'for'; text: string })
  | (Span & { t: 'error' });

/** A piece of a string template: literal text (unescaped) or an interpolated expression. */
export type TemplatePart = (Span & { t: 'text'; text: string }) | (Span & { t: 'interp'; expr: Expr });

export interface Attribute extends Span {
  name: string;
  nameSpan: Span;
  expr: Expr;
}

export interface Block extends Span {
  type: string;
  typeSpan: Span;
  labels: (Span & { value: string })[];
  body: Body;
  /** The block, or something inside it, did not parse: it is not judged. */
  hasError: boolean;
}

export interface Body {
  attributes: Attribute[];
  blocks: Block[];
}

export interface SyntaxProblem extends Span {
  message: string;
}

export type HclResult = { ok: true; body: Body; problems: SyntaxProblem[] } | { ok: false; problem: SyntaxProblem };

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
    const root = liteTree(tree, text);
    const converter = new Converter(text);
    const body = converter.body(root.namedChildren.find((child) => child?.type === 'body') ?? null, 0);
    // What tree-sitter could not place in the body (a stray `}` before the first block, a root that is an
    // error node itself) is a syntax error too: a file is never read as fine while part of it went unread.
    if (root.hasError && converter.problems.length === 0) converter.unplaced(root);
    return { ok: true, body, problems: converter.problems };
  } catch (error) {
    if (error instanceof TooComplex) return { ok: false, problem: { start: error.at, end: error.at, message: error.message } };
    throw error;
  } finally {
    tree.delete();
  }
}

/**
 * The tree-sitter tree copied into plain objects in one cursor walk: reading node properties through
 * the wasm boundary one call at a time cost several times the parse itself.
 */
class TsNode {
  readonly children: TsNode[] = [];
  hasError: boolean;
  constructor(
    readonly type: string,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    private readonly source: string,
  ) {
    this.hasError = type === 'ERROR' || isMissing;
  }

  get isError(): boolean {
    return this.type === 'ERROR';
  }

  private named: TsNode[] | undefined;

  get namedChildren(): TsNode[] {
    return (this.named ??= this.children.filter((child) => child.isNamed));
  }

  get text(): string {
    return this.source.slice(this.startIndex, this.endIndex);
  }
}

/** Named or not, by type name (no type name of the grammar is both): one wasm call fewer per node. */
const namedTypes = new Map<string, boolean>();

function isNamedType(type: string, cursorIsNamed: () => boolean): boolean {
  let named = namedTypes.get(type);
  if (named === undefined) namedTypes.set(type, (named = cursorIsNamed()));
  return named;
}

/**
 * Nodes whose children nothing reads when the tree has no error: a `for` expression and a template
 * directive are kept as their text or span, a comment is skipped. (With an error, every node is walked:
 * the error may be inside.) The walk through the public cursor descends into them all, as a reference.
 */
const OPAQUE_WHEN_CLEAN = new Set(['for_expr', 'template_directive', 'comment']);

function liteTree(tree: Tree, text: string): TsNode {
  // Without errors no node is missing, and punctuation needs only its type: fewer calls into wasm.
  const clean = !tree.rootNode.hasError;
  const cursor = tree.walk();
  if (raw !== undefined && walkWithRawCursor) return rawLiteTree(tree, cursor, raw, text, clean);
  let visited = 0;
  const make = (): TsNode => {
    const type = cursor.nodeType;
    const named = isNamedType(type, () => cursor.nodeIsNamed);
    if (clean && !named) return new TsNode(type, -1, -1, false, false, text);
    return new TsNode(type, cursor.startIndex, cursor.endIndex, named, clean ? false : cursor.nodeIsMissing, text);
  };
  try {
    const root = make();
    const stack: TsNode[] = [root];
    // Depth-first with an explicit stack: deep nesting cannot exhaust the call stack here.
    if (cursor.gotoFirstChild()) {
      for (;;) {
        if (++visited > MAX_TREE_NODES) throw new TooComplex(`more than ${MAX_TREE_NODES} syntax nodes`, cursor.startIndex);
        const node = make();
        stack[stack.length - 1]!.children.push(node);
        if (cursor.gotoFirstChild()) {
          stack.push(node);
          continue;
        }
        while (!cursor.gotoNextSibling()) {
          if (!cursor.gotoParent()) return finish(root);
          stack.pop();
          if (stack.length === 0) return finish(root);
        }
      }
    }
    return finish(root);
  } finally {
    cursor.delete();
  }
}

/** Per grammar symbol: its type name and whether it is named, filled as symbols are met. */
const symbolTypes: (string | undefined)[] = [];
const symbolNamed: boolean[] = [];
/** The symbol id tree-sitter gives an ERROR node. */
const ERROR_SYMBOL = 65535;

/**
 * The same walk as {@link liteTree} through the runtime's cursor functions: the public cursor has just
 * been created, so the transfer buffer holds it, and every raw call moves it there in place. Nothing else
 * may call into the runtime until the cursor is deleted (raw, from the buffer, where its latest state is).
 */
function rawLiteTree(tree: Tree, cursor: { nodeTypeId: number }, api: RawCursor, text: string, clean: boolean): TsNode {
  const address = (tree as unknown as Record<number, number>)[0]!;
  const types = tree.language.types;
  // Through the public cursor once: it writes itself into the transfer buffer.
  void cursor.nodeTypeId;
  let visited = 0;
  const make = (): TsNode => {
    const id = api.typeId(address);
    let type = symbolTypes[id];
    if (type === undefined) {
      symbolTypes[id] = type = id === ERROR_SYMBOL ? 'ERROR' : (types[id] ?? 'ERROR');
      symbolNamed[id] = api.isNamed(address) === 1;
    }
    const named = symbolNamed[id]!;
    if (clean && !named) return new TsNode(type, -1, -1, false, false, text);
    return new TsNode(type, api.startIndex(address), api.endIndex(address), named, clean ? false : api.isMissing(address) === 1, text);
  };
  try {
    const root = make();
    const stack: TsNode[] = [root];
    if (api.gotoFirstChild(address) === 1) {
      for (;;) {
        if (++visited > MAX_TREE_NODES) throw new TooComplex(`more than ${MAX_TREE_NODES} syntax nodes`, api.startIndex(address));
        const node = make();
        stack[stack.length - 1]!.children.push(node);
        if (!(clean && OPAQUE_WHEN_CLEAN.has(node.type)) && api.gotoFirstChild(address) === 1) {
          stack.push(node);
          continue;
        }
        while (api.gotoNextSibling(address) !== 1) {
          if (api.gotoParent(address) !== 1) return finish(root);
          stack.pop();
          if (stack.length === 0) return finish(root);
        }
      }
    }
    return finish(root);
  } finally {
    api.delete(address);
  }
}

/** hasError bottom-up, iteratively. */
function finish(root: TsNode): TsNode {
  const order: TsNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    for (const child of node.children) stack.push(child);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    if (!node.hasError) node.hasError = node.children.some((child) => child.hasError);
  }
  return root;
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

  constructor(private readonly text: string) {}

  private count(node: TsNode, depth: number): void {
    if (++this.visited > MAX_TREE_NODES) throw new TooComplex(`more than ${MAX_TREE_NODES} syntax nodes`, node.startIndex);
    if (depth > MAX_NESTING_DEPTH) throw new TooComplex(`nesting deeper than ${MAX_NESTING_DEPTH} levels`, node.startIndex);
  }

  /** A syntax error somewhere under `node` that no block or attribute reported. */
  unplaced(node: TsNode): void {
    this.problem(node);
  }

  private problem(node: TsNode): void {
    // The innermost error or missing node is where the author has to look.
    const found = findError(node);
    const at = found ?? node;
    const message = at.isMissing ? `expected ${at.type === '' ? 'more input' : JSON.stringify(at.type)} here` : `unexpected ${describeText(this.text.slice(at.startIndex, Math.min(at.endIndex, at.startIndex + 40)))}`;
    if (this.problems.some((problem) => problem.start === at.startIndex)) return;
    this.problems.push({ start: at.startIndex, end: at.endIndex, message: `syntax error: ${message}` });
  }

  body(node: TsNode | null, depth: number): Body {
    const body: Body = { attributes: [], blocks: [] };
    if (node === null) return body;
    this.count(node, depth);
    for (const child of node.children) {
      if (child === null) continue;
      if (child.type === 'attribute') {
        if (child.hasError) {
          this.problem(child);
          continue;
        }
        const attribute = this.attribute(child, depth + 1);
        if (attribute !== undefined) body.attributes.push(attribute);
      } else if (child.type === 'block') {
        const block = this.block(child, depth + 1);
        if (block !== undefined) body.blocks.push(block);
      } else if (child.isError || child.isMissing || child.hasError) {
        this.problem(child);
      }
    }
    return body;
  }

  private attribute(node: TsNode, depth: number): Attribute | undefined {
    const name = node.namedChildren.find((c) => c?.type === 'identifier');
    const value = node.namedChildren.find((c) => c?.type === 'expression');
    if (!name || !value) return undefined;
    return { name: name.text, nameSpan: span(name), expr: this.expr(value, depth + 1), start: node.startIndex, end: node.endIndex };
  }

  private block(node: TsNode, depth: number): Block | undefined {
    this.count(node, depth);
    let type: TsNode | undefined;
    const labels: Block['labels'] = [];
    let bodyNode: TsNode | null = null;
    for (const child of node.namedChildren) {
      if (child === null) continue;
      if (child.type === 'identifier' && type === undefined) type = child;
      else if (child.type === 'identifier') labels.push({ value: child.text, ...span(child) });
      else if (child.type === 'string_lit') labels.push({ value: this.stringLit(child), ...span(child) });
      else if (child.type === 'body') bodyNode = child;
    }
    if (type === undefined) return undefined;
    if (node.hasError) this.problem(node);
    return {
      type: type.text,
      typeSpan: span(type),
      labels,
      body: this.body(bodyNode, depth + 1),
      hasError: node.hasError,
      start: node.startIndex,
      end: node.endIndex,
    };
  }

  private stringLit(node: TsNode): string {
    return node.namedChildren
      .filter((c) => c?.type === 'template_literal')
      .map((c) => unescapeQuoted(c!.text))
      .join('');
  }

  /** An `expression` node: a primary followed by postfix steps (get_attr, index, splat). */
  expr(node: TsNode, depth: number): Expr {
    this.count(node, depth);
    if (node.type !== 'expression') return this.primary(node, depth + 1);
    const children = node.children.filter((c): c is TsNode => c !== null);
    if (children[0]?.type === '(') {
      const inner = children.find((c) => c.type === 'expression');
      return inner ? this.expr(inner, depth + 1) : { t: 'error', ...span(node) };
    }
    return this.sequence(children, node.startIndex, node.endIndex, depth + 1);
  }

  /** A primary followed by postfix steps (get_attr, index, splat), as the grammar lays them side by side. */
  private sequence(children: TsNode[], start: number, end: number, depth: number): Expr {
    let current: Expr | undefined;
    for (const child of children) {
      if (current === undefined) {
        current = this.primary(child, depth + 1);
        continue;
      }
      current = this.postfix(current, child, start, depth + 1);
    }
    return current ?? { t: 'error', start, end };
  }

  private postfix(object: Expr, step: TsNode, start: number, depth: number): Expr {
    switch (step.type) {
      case 'get_attr': {
        const name = step.namedChildren.find((c) => c?.type === 'identifier');
        return { t: 'attr', object, name: name?.text ?? '', start, end: step.endIndex };
      }
      case 'index': {
        const inner = step.namedChildren[0];
        if (inner?.type === 'legacy_index') {
          const digits = /\d+/.exec(inner.text)?.[0] ?? '0';
          return { t: 'index', object, key: { t: 'lit', value: Number(digits), ...span(inner) }, start, end: step.endIndex };
        }
        const key = inner?.namedChildren.find((c) => c?.type === 'expression');
        return { t: 'index', object, key: key ? this.expr(key, depth + 1) : { t: 'error', ...span(step) }, start, end: step.endIndex };
      }
      case 'splat':
        return { t: 'splat', object, start, end: step.endIndex };
      default:
        return { t: 'error', start, end: step.endIndex };
    }
  }

  private primary(node: TsNode, depth: number): Expr {
    this.count(node, depth);
    const at = span(node);
    switch (node.type) {
      case 'expression':
        return this.expr(node, depth + 1);
      case 'literal_value': {
        const inner = node.namedChildren[0];
        return inner ? this.primary(inner, depth + 1) : { t: 'error', ...at };
      }
      case 'numeric_lit':
        return { t: 'lit', value: Number(node.text), ...at };
      case 'bool_lit':
        return { t: 'lit', value: node.text === 'true', ...at };
      case 'null_lit':
        return { t: 'lit', value: null, ...at };
      case 'string_lit':
        return { t: 'lit', value: this.stringLit(node), ...at };
      case 'template_expr': {
        const inner = node.namedChildren[0];
        return inner ? this.primary(inner, depth + 1) : { t: 'error', ...at };
      }
      case 'quoted_template':
        return this.template(node, false, depth + 1);
      case 'heredoc_template':
        return this.template(node, true, depth + 1);
      case 'collection_value': {
        const inner = node.namedChildren[0];
        return inner ? this.primary(inner, depth + 1) : { t: 'error', ...at };
      }
      case 'tuple':
        return { t: 'tuple', items: node.namedChildren.filter((c) => c?.type === 'expression').map((c) => this.expr(c!, depth + 1)), ...at };
      case 'object':
        return {
          t: 'object',
          entries: node.namedChildren
            .filter((c) => c?.type === 'object_elem')
            .flatMap((elem) => {
              const parts = elem!.namedChildren.filter((c) => c?.type === 'expression');
              if (parts.length !== 2) return [];
              return [{ key: this.expr(parts[0]!, depth + 1), value: this.expr(parts[1]!, depth + 1) }];
            }),
          ...at,
        };
      case 'variable_expr': {
        const name = node.namedChildren.find((c) => c?.type === 'identifier');
        return { t: 'var', name: name?.text ?? node.text, ...at };
      }
      case 'function_call': {
        const name = node.namedChildren.find((c) => c?.type === 'identifier');
        const args = node.namedChildren.find((c) => c?.type === 'function_arguments');
        return {
          t: 'call',
          name: name?.text ?? '',
          args: (args?.namedChildren ?? []).filter((c) => c?.type === 'expression').map((c) => this.expr(c!, depth + 1)),
          ...at,
        };
      }
      case 'conditional': {
        const parts = node.namedChildren.filter((c) => c?.type === 'expression');
        if (parts.length !== 3) return { t: 'error', ...at };
        return { t: 'cond', condition: this.expr(parts[0]!, depth + 1), whenTrue: this.expr(parts[1]!, depth + 1), whenFalse: this.expr(parts[2]!, depth + 1), ...at };
      }
      case 'operation': {
        const inner = node.namedChildren[0];
        return inner ? this.primary(inner, depth + 1) : { t: 'error', ...at };
      }
      case 'binary_operation': {
        const children = node.children.filter((c): c is TsNode => c !== null);
        const at_ = children.findIndex((c, index) => index > 0 && !c.isNamed && BINARY_OPERATORS.has(c.type));
        if (at_ < 1 || at_ === children.length - 1) return { t: 'error', ...at };
        const left = children.slice(0, at_);
        const right = children.slice(at_ + 1);
        return {
          t: 'binary',
          op: children[at_]!.type,
          left: this.sequence(left, left[0]!.startIndex, left[left.length - 1]!.endIndex, depth + 1),
          right: this.sequence(right, right[0]!.startIndex, right[right.length - 1]!.endIndex, depth + 1),
          ...at,
        };
      }
      case 'unary_operation': {
        const children = node.children.filter((c): c is TsNode => c !== null);
        if (children.length < 2) return { t: 'error', ...at };
        const rest = children.slice(1);
        return { t: 'unary', op: children[0]!.type, operand: this.sequence(rest, rest[0]!.startIndex, node.endIndex, depth + 1), ...at };
      }
      case 'for_expr':
        return { t: 'for', text: node.text.slice(0, 200), ...at };
      default:
        return { t: 'error', ...at };
    }
  }

  /**
   * A quoted or heredoc template. Literal text is taken from the source between interpolations (the
   * grammar drops a heredoc's first indentation), so offsets of every part are exact.
   */
  private template(node: TsNode, heredoc: boolean, depth: number): Expr {
    const children = node.children.filter((c): c is TsNode => c !== null);
    let contentStart: number;
    let contentEnd: number;
    if (heredoc) {
      const identifiers = children.filter((c) => c.type === 'heredoc_identifier');
      const opening = identifiers[0];
      const closing = identifiers[1];
      if (opening === undefined) return { t: 'error', ...span(node) };
      const newline = this.text.indexOf('\n', opening.endIndex);
      contentStart = newline < 0 ? opening.endIndex : newline + 1;
      contentEnd = closing === undefined ? node.endIndex : this.text.lastIndexOf('\n', closing.startIndex) + 1;
      if (contentEnd < contentStart) contentEnd = contentStart;
    } else {
      contentStart = node.startIndex + 1;
      contentEnd = Math.max(contentStart, node.endIndex - 1);
    }
    const parts: TemplatePart[] = [];
    let directive = false;
    let cursor = contentStart;
    const pushText = (from: number, to: number) => {
      if (to <= from) return;
      const raw = this.text.slice(from, to);
      parts.push({ t: 'text', text: heredoc ? unescapeTemplateMarks(raw) : unescapeQuoted(raw), start: from, end: to });
    };
    for (const child of children) {
      if (child.type === 'template_interpolation') {
        pushText(cursor, child.startIndex);
        const inner = child.namedChildren.find((c) => c?.type === 'expression');
        parts.push({ t: 'interp', expr: inner ? this.expr(inner, depth + 1) : { t: 'error', ...span(child) }, start: child.startIndex, end: child.endIndex });
        cursor = child.endIndex;
      } else if (child.type === 'template_directive') {
        directive = true;
        pushText(cursor, child.startIndex);
        cursor = child.endIndex;
      }
    }
    pushText(cursor, contentEnd);
    return { t: 'template', parts, heredoc, directive, start: node.startIndex, end: node.endIndex };
  }
}

const BINARY_OPERATORS = new Set(['==', '!=', '&&', '||', '+', '-', '*', '/', '%', '<', '>', '<=', '>=']);

function span(node: TsNode): Span {
  return { start: node.startIndex, end: node.endIndex };
}

function findError(node: TsNode): TsNode | undefined {
  if (node.isError || node.isMissing) {
    for (const child of node.children) {
      if (child !== null && (child.isError || child.isMissing)) return findError(child) ?? child;
    }
    return node;
  }
  for (const child of node.children) {
    if (child !== null && (child.hasError || child.isMissing)) return findError(child) ?? child;
  }
  return undefined;
}

function describeText(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line === '' ? 'end of line' : JSON.stringify(line);
}

/** Escapes of a quoted HCL string, plus the template escapes `$${` and `%%{`. */
function unescapeQuoted(raw: string): string {
  if (!raw.includes('\\') && !raw.includes('$${') && !raw.includes('%%{')) return raw;
  return unescapeTemplateMarks(
    raw.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, escape: string) => {
      switch (escape[0]) {
        case 'n':
          return '\n';
        case 'r':
          return '\r';
        case 't':
          return '\t';
        case 'u':
        case 'U':
          return String.fromCodePoint(parseInt(escape.slice(1), 16));
        default:
          return escape;
      }
    }),
  );
}

function unescapeTemplateMarks(raw: string): string {
  return raw.replaceAll('$${', '${').replaceAll('%%{', '%{');
}
