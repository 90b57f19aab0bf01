import { formatPath, type SourceNode } from '../parse/nodes.js';
import { SourceFile } from '../parse/source-file.js';
import { parseYaml } from '../parse/yaml.js';
import { ALL_RULES } from '../engine/all-rules.js';
import { INTERNAL_ERROR_RULE, PARSE_ERROR_RULE, FILE_TOO_LARGE_RULE } from '../engine/scan.js';
import { NOT_CHECKED_RULE } from '../engine/terraform-scan.js';
import type { Schema } from './schema-dsl.js';
import { CONFIG_SCHEMA } from './schema.js';
import { validateNode } from './validate.js';

/** A problem in a configuration file, at a line and column of that file. */
export interface ConfigProblem {
  /** The file as people know it: `owner/repo:.github/trustgate.yml`, or the path given to the CLI. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Path of the offending key: `waivers.permission`; empty for the whole file. */
  path: string;
  message: string;
}

/** One configuration file, validated; {@link resolveConfig} merges layers into the effective config. */
export interface ConfigLayer {
  file: string;
  /** The file's settings as plain values (strings where the schema says string). `_extends` removed. */
  values: Record<string, unknown>;
  /** The file's `_extends`, when it has one. */
  extends?: string;
  /** Things that are allowed but probably a mistake (an unknown rule id). */
  warnings: ConfigProblem[];
}

export type ConfigParseResult = { ok: true; layer: ConfigLayer } | { ok: false; problems: ConfigProblem[] };

/** Rule ids that exist besides the rule registry: findings the engine itself produces. */
const ENGINE_RULE_IDS = [PARSE_ERROR_RULE, FILE_TOO_LARGE_RULE, INTERNAL_ERROR_RULE, NOT_CHECKED_RULE];

/**
 * Parses and validates one configuration file. Never throws: a file that is not YAML, is not a mapping
 * or breaks the schema gives every problem with its line and column. An empty file (or only comments)
 * is a valid file that sets nothing.
 */
export function parseConfigText(text: string, file: string, knownRuleIds: readonly string[] = defaultKnownRuleIds()): ConfigParseResult {
  const source = new SourceFile(file, text);
  if (isBlank(text)) return { ok: true, layer: { file, values: {}, warnings: [] } };
  const parsed = parseYaml(text);
  if (!parsed.ok) {
    const span = source.spanOf(parsed.problem.offset, parsed.problem.endOffset ?? parsed.problem.offset);
    return { ok: false, problems: [{ file, ...span, path: '', message: `not valid YAML: ${parsed.problem.message}` }] };
  }
  const root = parsed.root;
  if (root.kind !== 'map') {
    const span = source.spanOf(root.start, root.end);
    return { ok: false, problems: [{ file, ...span, path: '', message: 'the configuration must be a mapping of keys (for example `failOn: high`)' }] };
  }
  const violations = validateNode(root, CONFIG_SCHEMA);
  if (violations.length > 0) {
    return {
      ok: false,
      problems: violations.map((violation) => ({ file, ...source.spanOf(violation.node.start, violation.node.end), path: violation.path, message: violation.message })),
    };
  }
  const values = plainBySchema(root, CONFIG_SCHEMA) as Record<string, unknown>;
  const extendsValue = values._extends as string | undefined;
  delete values._extends;
  const layer: ConfigLayer = { file, values, warnings: unknownRuleWarnings(root, source, knownRuleIds) };
  if (extendsValue !== undefined) layer.extends = extendsValue;
  return { ok: true, layer };
}

/** `file:line:column: message (at key)` lines, the form shown in check runs and the CLI. */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((problem) => `${problem.file}:${problem.line}:${problem.column}: ${problem.message}${problem.path !== '' ? ` (at \`${problem.path}\`)` : ''}`).join('\n');
}

function defaultKnownRuleIds(): string[] {
  return [...ALL_RULES.map((rule) => rule.meta.id), ...ENGINE_RULE_IDS];
}

function isBlank(text: string): boolean {
  return text.split(/\r?\n/).every((line) => /^\s*(#.*)?$/.test(line) || /^(---|\.\.\.)\s*$/.test(line));
}

/**
 * Converts a validated node to plain values following the schema: YAML reads an unquoted account id or
 * date as a number, but the schema says string, so it becomes the string the author wrote.
 */
function plainBySchema(node: SourceNode, schema: Schema): unknown {
  if ('opaque' in schema) return toPlainValue(node);
  if ('oneOf' in schema) {
    for (const alternative of schema.oneOf) {
      if (validateNode(node, alternative).length === 0) return plainBySchema(node, alternative);
    }
    return toPlainValue(node);
  }
  switch (schema.type) {
    case 'string':
      return node.kind === 'scalar' ? String(node.value) : toPlainValue(node);
    case 'array':
      return node.kind === 'seq' ? node.items.map((item) => plainBySchema(item, schema.items)) : toPlainValue(node);
    case 'object': {
      if (node.kind !== 'map') return toPlainValue(node);
      const out: Record<string, unknown> = {};
      for (const entry of node.entries) {
        const key = String(entry.key.value);
        const child = schema.properties[key] ?? (schema.additionalProperties === false ? undefined : schema.additionalProperties);
        out[key] = child === undefined ? toPlainValue(entry.value) : plainBySchema(entry.value, child);
      }
      return out;
    }
    default:
      return toPlainValue(node);
  }
}

function toPlainValue(node: SourceNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toPlainValue);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const entry of node.entries) out[String(entry.key.value)] = toPlainValue(entry.value);
      return out;
    }
  }
}

function unknownRuleWarnings(root: SourceNode, source: SourceFile, known: readonly string[]): ConfigProblem[] {
  if (root.kind !== 'map') return [];
  const rules = root.entries.find((entry) => entry.key.value === 'rules')?.value;
  if (rules?.kind !== 'map') return [];
  const knownSet = new Set(known);
  const warnings: ConfigProblem[] = [];
  for (const entry of rules.entries) {
    const id = String(entry.key.value);
    // Custom rule ids belong to rule packs, which the loader of those packs checks.
    if (knownSet.has(id) || id.startsWith('custom/')) continue;
    warnings.push({
      file: source.path,
      ...source.spanOf(entry.key.start, entry.key.end),
      path: formatPath(['rules', id]),
      message: `"${id}" is not a rule of this trustgate version, so this setting does nothing (rule ids are listed in docs/rules/)`,
    });
  }
  return warnings;
}
