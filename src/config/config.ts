import type { AccessAnalyzerOptions, RuleSetting } from '../model/options.js';
import type { Severity } from '../findings/severity.js';
import type { GateMode } from '../findings/baseline.js';
import type { PermissionLevel } from './schema.js';

/** Access Analyzer settings: exactly the engine's options (docs/access-analyzer.md). */
export type AccessAnalyzerConfig = AccessAnalyzerOptions;

/** Who may waive findings, and for how long. See docs/commands-and-waivers.md. */
export interface WaiverPolicy {
  enabled: boolean;
  /** Minimum repository permission of the commenter. */
  permission: PermissionLevel;
  /** When non-empty, the commenter must also be an active member of one of these teams (`slug` or `org/slug`). */
  teams: string[];
  /** May the pull request's author waive its findings? */
  allowAuthor: boolean;
  /** May a commit author or committer of the pull request waive its findings? */
  allowCommitters: boolean;
  /** Longest allowed waiver in days; also the default lifetime when set. */
  maxDays?: number;
}

export interface InlineSuppressionPolicy {
  enabled: boolean;
  /** The most severe finding an inline suppression may silence on its own. */
  maxSeverity: Severity;
}

/**
 * The effective configuration, every default filled in. Built from the repository's file (and what it
 * extends) by {@link resolveConfig}; the CLI builds the same from `--config FILE`.
 */
export interface TrustgateConfig {
  /** Other owners whose configuration `_extends` may name (app only; honoured in the owner's own files). */
  allowExtendsFrom: string[];
  include: string[];
  exclude: string[];
  failOn: Severity;
  /** What the gate judges: `new` findings of the change only (default), or `all` findings of the changed files. */
  gate: GateMode;
  reportOnly: boolean;
  /** Report grants least privilege cannot check (least-privilege/unresolved-grant). */
  reportUnresolved: boolean;
  trustedAccounts: string[];
  organizationId?: string;
  allowedOidcSubjects: string[];
  scpPaths: string[];
  /** Normalised per-rule settings by rule id. */
  rules: Record<string, RuleSetting>;
  accessAnalyzer: AccessAnalyzerConfig;
  inlineSuppressions: InlineSuppressionPolicy;
  waivers: WaiverPolicy;
  /** Passed through untouched to the rule pack loader (docs/rule-packs.md). */
  customRules: unknown[];
}

export const DEFAULT_CONFIG: TrustgateConfig = Object.freeze({
  include: [],
  exclude: [],
  failOn: 'high',
  gate: 'new',
  reportOnly: false,
  reportUnresolved: true,
  trustedAccounts: [],
  allowExtendsFrom: [],
  allowedOidcSubjects: [],
  scpPaths: [],
  rules: {},
  accessAnalyzer: { enabled: false },
  inlineSuppressions: { enabled: true, maxSeverity: 'medium' },
  waivers: { enabled: true, permission: 'maintain', teams: [], allowAuthor: false, allowCommitters: false },
  customRules: [],
}) as TrustgateConfig;

/** A fresh copy of the defaults (callers may mutate it). */
export function defaultConfig(): TrustgateConfig {
  return structuredClone(DEFAULT_CONFIG);
}
