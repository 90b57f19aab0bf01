import { formatConfigProblems, parseConfigText } from './load.js';
import { CONFIG_PATH } from './schema.js';

/** One setting that differs between the default branch's configuration and the pull request's. */
export interface ConfigSettingChange {
  /** Dotted key: `failOn`, `waivers.permission`, `rules.imdsv2/launch-template-imds`. */
  key: string;
  before?: unknown;
  after?: unknown;
}

export interface ConfigChangeReport {
  /** Markdown for the check run summary. */
  markdown: string;
  changes: ConfigSettingChange[];
  /** False when the pull request's version would be rejected after merge. */
  headValid: boolean;
}

/**
 * Describes a pull request's change to the configuration file for its check run summary. The change is
 * shown, never applied: the run uses the default branch's configuration, so a pull request cannot
 * loosen its own check; it takes effect once merged. `baseText`/`headText` are undefined when the file
 * does not exist on that side.
 */
export function describeConfigChange(baseText: string | undefined, headText: string | undefined, path: string = CONFIG_PATH): ConfigChangeReport {
  const lines = [`### Configuration change`, '', `This pull request changes \`${path}\`. The change takes effect after merge: this run used the configuration on the default branch.`];
  const base = baseText === undefined ? { ok: true as const, values: {} } : toValues(baseText, path);
  const head = headText === undefined ? { ok: true as const, values: {} } : toValues(headText, path);
  if (!head.ok) {
    lines.push('', `**The new version is invalid** and would fail every check after merge:`, '', '```', head.problems, '```');
    return { markdown: lines.join('\n'), changes: [], headValid: false };
  }
  const changes = diff(base.ok ? base.values : {}, head.values);
  if (headText === undefined) lines.push('', 'The file is deleted: after merge the organisation\'s configuration or the defaults apply.');
  if (changes.length === 0) {
    lines.push('', 'No setting changes (formatting or comments only).');
  } else {
    lines.push('', '| Setting | Default branch | This pull request |', '| --- | --- | --- |');
    for (const change of changes) lines.push(`| \`${change.key}\` | ${show(change.before)} | ${show(change.after)} |`);
  }
  return { markdown: lines.join('\n'), changes, headValid: true };
}

function toValues(text: string, path: string): { ok: true; values: Record<string, unknown> } | { ok: false; problems: string } {
  const parsed = parseConfigText(text, path);
  if (!parsed.ok) return { ok: false, problems: formatConfigProblems(parsed.problems) };
  const values = { ...parsed.layer.values };
  if (parsed.layer.extends !== undefined) values._extends = parsed.layer.extends;
  return { ok: true, values };
}

function diff(before: Record<string, unknown>, after: Record<string, unknown>, prefix = ''): ConfigSettingChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: ConfigSettingChange[] = [];
  for (const key of keys) {
    const a = before[key];
    const b = after[key];
    const dotted = prefix === '' ? key : `${prefix}.${key}`;
    if (isMapping(a) && isMapping(b)) {
      out.push(...diff(a, b, dotted));
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      const change: ConfigSettingChange = { key: dotted };
      if (a !== undefined) change.before = a;
      if (b !== undefined) change.after = b;
      out.push(change);
    }
  }
  return out;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function show(value: unknown): string {
  if (value === undefined) return '_(not set)_';
  return `\`${JSON.stringify(value).replace(/\|/g, '\\|').replace(/`/g, "'")}\``;
}
