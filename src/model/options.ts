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
  /** IAM Access Analyzer through the AWS API; off unless set (see docs/access-analyzer.md). */
  accessAnalyzer?: AccessAnalyzerOptions;
  /**
   * Report grants least privilege cannot check (least-privilege/unresolved-grant); `false` silences
   * that class. Absent means true.
   */
  reportUnresolved?: boolean;
}

/** Settings of the Access Analyzer step (src/engine/access-analyzer.ts); all but `enabled` optional. */
export interface AccessAnalyzerOptions {
  enabled: boolean;
  /** AWS region of the API; default: the SDK's (AWS_REGION, profile). */
  region?: string;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Per-request timeout in milliseconds (default 10000). */
  timeoutMs?: number;
  /** Resolve Fn::ImportValue through CloudFormation ListExports (default false). */
  resolveImports?: boolean;
  /** Fetch AWS managed policies unknown offline through IAM GetPolicy/GetPolicyVersion (default false). */
  fetchManagedPolicies?: boolean;
  /** Placeholder account and region for values only known at deployment. */
  placeholderAccountId?: string;
  placeholderRegion?: string;
  /** Paid custom policy checks, each off by default. */
  customChecks?: {
    /** CheckNoNewAccess of each changed policy against the base version (needs base files). */
    checkNoNewAccess?: boolean;
    /** CheckNoPublicAccess of each resource policy whose resource type the API supports. */
    checkNoPublicAccess?: boolean;
    /** CheckAccessNotGranted: actions no policy may grant (e.g. iam:PassRole, s3:PutBucketPolicy). */
    sensitiveActions?: string[];
  };
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
