import type { Severity } from '../findings/severity.js';

/** Per-rule settings from configuration: turn a rule off or change its severity. */
export interface RuleSetting {
  enabled?: boolean;
  severity?: Severity;
}

/**
 * Everything the engine may be told. The app fills it from repository configuration, the CLI from
 * flags and `--config`; the engine itself reads no files and calls no services.
 */
export interface EngineOptions {
  /** Findings at or above this severity fail the check (and the CLI's exit code). */
  failOn: Severity;
  /** AWS account ids (12 digits) that count as "ours" besides the template's own account. */
  trustedAccounts: string[];
  /** The AWS Organizations id (`o-…`) whose accounts are trusted. */
  organizationId?: string;
  /** GitHub OIDC `sub` patterns that may be trusted (e.g. `repo:my-org/*`). */
  allowedOidcSubjects: string[];
  /** Per-rule overrides, by rule id. */
  rules: Record<string, RuleSetting>;
  /** Glob patterns of policy files to read as service control policies. */
  scpPaths: string[];
}

export const DEFAULT_OPTIONS: EngineOptions = {
  failOn: 'high',
  trustedAccounts: [],
  allowedOidcSubjects: [],
  rules: {},
  scpPaths: [],
};

export function withDefaults(options: Partial<EngineOptions> = {}): EngineOptions {
  return { ...DEFAULT_OPTIONS, ...options, rules: { ...DEFAULT_OPTIONS.rules, ...options.rules } };
}
