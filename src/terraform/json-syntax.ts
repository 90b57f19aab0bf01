import { parseJson } from '../parse/json.js';
import type { MapNode, SourceNode } from '../parse/nodes.js';
import { parseHcl, type Attribute, type Block, type Body, type Expr, type HclResult, type Span } from './hcl.js';

/**
 * Terraform's JSON syntax (`*.tf.json`) read into the same syntax tree as HCL, offsets into the file.
 * Without the provider schema, an object (or list of objects) under one of {@link NESTED_BLOCKS} is a
 * nested block and anything else an argument; strings holding `${…}` are read as HCL templates in place.
 */
const NESTED_BLOCKS = new Set([
  'statement',
  'principals',
  'not_principals',
  'condition',
  'inline_policy',
  'metadata_options',
  'launch_template',
  'iam_instance_profile',
  'mixed_instances_policy',
  'launch_template_specification',
  'override',
  'content',
  'instance_metadata_service_configuration',
  'ec2_attributes',
]);

/** Top-level block types and how many labels they take. */
const LABELS: Record<string, number> = { resource: 2, data: 2, variable: 1, module: 1, output: 1, provider: 1, locals: 0, terraform: 0 };

const MAX_TEMPLATES = 500;

/** `terraform.tfvars.json`: an object of variable values. */
export function parseTfvarsJson(text: string): HclResult {
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, problem: { start: parsed.problem.offset, end: parsed.problem.endOffset ?? parsed.problem.offset, message: parsed.problem.message } };
  if (parsed.root.kind !== 'map') return { ok: false, problem: { start: parsed.root.start, end: parsed.root.end, message: 'a variable file is an object' } };
  const reader = new Reader(text);
  return { ok: true, body: reader.arguments(parsed.root), problems: [] };
}

export function parseTerraformJson(text: string): HclResult {
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, problem: { start: parsed.problem.offset, end: parsed.problem.endOffset ?? parsed.problem.offset, message: parsed.problem.message } };
  const root = parsed.root;
  if (root.kind !== 'map') return { ok: false, problem: { start: root.start, end: root.end, message: 'a Terraform JSON file is an object' } };
  const reader = new Reader(text);
  const body: Body = { attributes: [], blocks: [] };
  for (const entry of root.entries) {
    const type = String(entry.key.value);
    const labels = LABELS[type];
    if (labels === undefined) continue;
    for (const object of objectsOf(entry.value)) reader.topLevel(type, labels, entry.key, object, body);
  }
  return { ok: true, body, problems: reader.problems };
}

function objectsOf(node: SourceNode): MapNode[] {
  if (node.kind === 'map') return [node];
  if (node.kind === 'seq') return node.items.filter((item): item is MapNode => item.kind === 'map');
  return [];
}

function span(node: SourceNode): Span {
  return { start: node.start, end: node.end };
}

class Reader {
  readonly problems: { start: number; end: number; message: string }[] = [];
  private templates = 0;

  constructor(private readonly text: string) {}

  topLevel(type: string, labelCount: number, keyNode: SourceNode, object: MapNode, out: Body): void {
    if (labelCount === 0) {
      out.blocks.push(this.block(type, keyNode, [], object));
      return;
    }
    // resource: {"aws_iam_role": {"app": {...}}}, variable: {"name": {...}}
    const walk = (node: MapNode, labels: (Span & { value: string })[]) => {
      for (const entry of node.entries) {
        const label = { value: String(entry.key.value), ...span(entry.key) };
        for (const child of objectsOf(entry.value)) {
          if (labels.length + 1 < labelCount) walk(child, [...labels, label]);
          else out.blocks.push(this.block(type, keyNode, [...labels, label], child));
        }
      }
    };
    walk(object, []);
  }

  private block(type: string, keyNode: SourceNode, labels: (Span & { value: string })[], object: MapNode): Block {
    return { type, typeSpan: span(keyNode), labels, body: this.body(object, type === 'locals' || type === 'variable' || type === 'output' || type === 'module'), hasError: false, start: object.start, end: object.end };
  }

  arguments(object: MapNode): Body {
    return this.body(object, true);
  }

  private body(object: MapNode, argumentsOnly: boolean): Body {
    const body: Body = { attributes: [], blocks: [] };
    for (const entry of object.entries) {
      const name = String(entry.key.value);
      if (name === '//') continue;
      if (!argumentsOnly && (NESTED_BLOCKS.has(name) || name === 'dynamic') && objectsOf(entry.value).length > 0 && entry.value.kind !== 'scalar') {
        for (const child of objectsOf(entry.value)) {
          if (name === 'dynamic') {
            for (const inner of child.entries) {
              for (const content of objectsOf(inner.value)) {
                body.blocks.push({ type: 'dynamic', typeSpan: span(entry.key), labels: [{ value: String(inner.key.value), ...span(inner.key) }], body: this.body(content, false), hasError: false, start: content.start, end: content.end });
              }
            }
          } else body.blocks.push({ type: name, typeSpan: span(entry.key), labels: [], body: this.body(child, false), hasError: false, start: child.start, end: child.end });
        }
        continue;
      }
      const attribute: Attribute = { name, nameSpan: span(entry.key), expr: this.expr(entry.value), start: entry.key.start, end: entry.value.end };
      body.attributes.push(attribute);
    }
    return body;
  }

  private expr(node: SourceNode): Expr {
    switch (node.kind) {
      case 'scalar':
        if (typeof node.value === 'string' && /\$\{|%\{/.test(node.value)) return this.template(node);
        return { t: 'lit', value: node.value, ...span(node) };
      case 'seq':
        return { t: 'tuple', items: node.items.map((item) => this.expr(item)), ...span(node) };
      case 'map':
        return { t: 'object', entries: node.entries.map((entry) => ({ key: { t: 'lit', value: String(entry.key.value), ...span(entry.key) } as Expr, value: this.expr(entry.value) })), ...span(node) };
    }
  }

  /** `"${var.x}-y"`: the JSON string read as an HCL template where it stands, so offsets stay the file's. */
  private template(node: SourceNode): Expr {
    if (++this.templates > MAX_TEMPLATES || node.start < 2) return { t: 'error', ...span(node) };
    const raw = this.text.slice(node.start, node.end);
    if (!raw.includes('\\')) {
      // No JSON escapes: the string is an HCL quoted template as it stands, offsets exact.
      const parsed = parseHcl(' '.repeat(node.start - 2) + 'a=' + raw);
      const attribute = parsed.ok ? parsed.body.attributes[0] : undefined;
      if (attribute === undefined || !parsed.ok || parsed.problems.length > 0) return { t: 'error', ...span(node) };
      return attribute.expr;
    }
    // Escaped quotes inside ${…}: the decoded text is the template; every part is placed on the string.
    const parsed = parseHcl(`a = <<EOT_TRUSTGATE\n${String((node as { value: unknown }).value)}\nEOT_TRUSTGATE\n`);
    const attribute = parsed.ok ? parsed.body.attributes[0] : undefined;
    if (attribute === undefined || !parsed.ok || parsed.problems.length > 0) return { t: 'error', ...span(node) };
    let expr = attribute.expr;
    if (expr.t === 'template') {
      const parts = expr.parts.slice();
      const last = parts[parts.length - 1];
      if (last?.t === 'text' && last.text.endsWith('\n')) {
        if (last.text === '\n') parts.pop();
        else parts[parts.length - 1] = { ...last, text: last.text.slice(0, -1) };
      }
      expr = parts.length === 1 && parts[0]!.t === 'interp' ? parts[0].expr : { ...expr, parts, heredoc: false };
    }
    return pin(expr, span(node));
  }
}

/** Every span of a tree set to `at`. */
function pin<T>(value: T, at: Span): T {
  if (Array.isArray(value)) return value.map((item) => pin(item, at)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = key === 'start' ? at.start : key === 'end' ? at.end : pin(inner, at);
  return out as T;
}
