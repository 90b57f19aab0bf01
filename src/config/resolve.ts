import { minimatch } from 'minimatch';
import type { EngineOptions, RuleSetting } from '../model/options.js';
import { isSeverity, type Severity } from '../findings/severity.js';
import { defaultConfig, type TrustgateConfig } from './config.js';
import type { ConfigLayer } from './load.js';

/**
 * Merges configuration layers into the effective configuration. `layers` go from the most specific (the
 * repository's own file) to the most general (what it `_extends`, transitively); defaults sit below all
 * of them. Mappings (`rules`, `waivers`, `accessAnalyzer`, ...) merge key by key; lists and plain values
 * are replaced as a whole, so a repository can narrow `trustedAccounts` that its organisation set.
 */
export function resolveConfig(layers: readonly ConfigLayer[]): TrustgateConfig {
  let merged: Record<string, unknown> = {};
  for (const layer of [...layers].reverse()) merged = deepMerge(merged, layer.values);
  const config = deepMerge(defaultConfig() as unknown as Record<string, unknown>, withoutRules(merged)) as unknown as TrustgateConfig;
  config.rules = normaliseRules(merged.rules);
  return config;
}

/** The engine's options for a configuration: what the rules themselves are told. */
export function toEngineOptions(config: TrustgateConfig): Partial<EngineOptions> {
  const options: Partial<EngineOptions> = {
    failOn: config.failOn,
    trustedAccounts: [...config.trustedAccounts],
    allowedOidcSubjects: [...config.allowedOidcSubjects],
    scpPaths: [...config.scpPaths],
    rules: structuredClone(config.rules),
    accessAnalyzer: structuredClone(config.accessAnalyzer),
  };
  if (config.reportUnresolved === false) options.reportUnresolved = false;
  if (config.organizationId !== undefined) options.organizationId = config.organizationId;
  return options;
}

/**
 * Is the file at `path` (repository-relative, `/`-separated) checked? Included when `include` is empty
 * or one of its globs matches, and not excluded by any `exclude` glob. Globs are minimatch with
 * dotfiles matched, so `**` also covers `.aws/…`.
 */
export function isPathSelected(config: Pick<TrustgateConfig, 'include' | 'exclude'>, path: string): boolean {
  const options = { dot: true };
  if (config.include.length > 0 && !config.include.some((glob) => minimatch(path, glob, options))) return false;
  return !config.exclude.some((glob) => minimatch(path, glob, options));
}

/** The files a configuration selects, order kept. */
export function selectPaths<T extends { path: string }>(config: Pick<TrustgateConfig, 'include' | 'exclude'>, files: readonly T[]): T[] {
  return files.filter((file) => isPathSelected(config, file.path));
}

function normaliseRules(value: unknown): Record<string, RuleSetting> {
  const out: Record<string, RuleSetting> = {};
  if (value === null || typeof value !== 'object') return out;
  for (const [id, setting] of Object.entries(value as Record<string, unknown>)) {
    const normalised = normaliseRule(setting);
    if (normalised !== undefined) out[id] = normalised;
  }
  return out;
}

function normaliseRule(setting: unknown): RuleSetting | undefined {
  if (setting === false || setting === 'off') return { enabled: false };
  if (setting === true || setting === 'on') return { enabled: true };
  if (isSeverity(setting)) return { severity: setting };
  if (setting !== null && typeof setting === 'object') {
    const { enabled, severity } = setting as { enabled?: unknown; severity?: unknown };
    const out: RuleSetting = {};
    if (typeof enabled === 'boolean') out.enabled = enabled;
    if (isSeverity(severity)) out.severity = severity as Severity;
    return out;
  }
  return undefined;
}

function withoutRules(values: Record<string, unknown>): Record<string, unknown> {
  const { rules: _rules, ...rest } = values;
  return rest;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    if (key === 'rules' && isPlainObject(current) && isPlainObject(value)) {
      // A rule's setting is one unit: `off` in a repository replaces `{severity: low}` from its organisation.
      out[key] = { ...current, ...value };
    } else {
      out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : structuredClone(value);
    }
  }
  return out;
}
