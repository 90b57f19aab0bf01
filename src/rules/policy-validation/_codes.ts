import type { Severity } from '../../findings/severity.js';

/** Access Analyzer's four kinds of ValidatePolicy finding. */
export type FindingType = 'ERROR' | 'SECURITY_WARNING' | 'WARNING' | 'SUGGESTION';

/**
 * How a finding type becomes a trustgate severity. ERROR: the policy does not do what it says (or AWS
 * rejects it) → high, which fails the check by default. SECURITY_WARNING: overly permissive → high, or
 * medium for codes listed in {@link CODES} with a lower severity. WARNING: not best practice → medium.
 * SUGGESTION: style, no effect on access → low.
 */
export const SEVERITY_BY_FINDING_TYPE: Record<FindingType, Severity> = {
  ERROR: 'high',
  SECURITY_WARNING: 'high',
  WARNING: 'medium',
  SUGGESTION: 'low',
};

export interface CodeInfo {
  findingType: FindingType;
  severity: Severity;
  /** `true` when Access Analyzer has no check of the same meaning and the code is trustgate's own. */
  trustgateOnly?: boolean;
}

const code = (findingType: FindingType, options: { severity?: Severity; trustgateOnly?: boolean } = {}): CodeInfo => ({
  findingType,
  severity: options.severity ?? SEVERITY_BY_FINDING_TYPE[findingType],
  ...(options.trustgateOnly ? { trustgateOnly: true } : {}),
});

/**
 * Every issue code the offline validation reports. docs/access-analyzer.md lists each with an example.
 *
 * The severity says what goes wrong in AWS, not how far the text is from style:
 * - AWS refuses the document (a malformed Version, Effect or ARN, a missing Statement, Action or Resource, a
 *   Principal where none may be): the change cannot deploy as written → high (certain, and caught before
 *   it fails a stack halfway).
 * - AWS accepts it but it does not do what it says: graded by the consequence. A missing Version only
 *   matters with policy variables (then literal text: high), else info; an action that does not exist is
 *   high where it leaves access open (a Deny's Action, an Allow's NotAction) and medium where it only takes
 *   access away (an Allow's Action) — the analysis sets those per issue (`ValidationIssue.severity`).
 * - Overly permissive (SECURITY_WARNING) → high; mistyped condition values and keys, which make a condition
 *   fail to match → medium; duplicates and redundancy, which change no access → low.
 */
export const CODES = {
  MISSING_VERSION: code('WARNING', { severity: 'info' }),
  INVALID_VERSION: code('ERROR'),
  MISSING_STATEMENT: code('ERROR'),
  MISSING_EFFECT: code('ERROR'),
  INVALID_EFFECT: code('ERROR'),
  MISSING_ACTION: code('ERROR'),
  MISSING_RESOURCE: code('ERROR'),
  INVALID_POLICY_ELEMENT: code('ERROR'),
  MISSING_PRINCIPAL: code('ERROR'),
  UNSUPPORTED_PRINCIPAL: code('ERROR'),
  ALLOW_WITH_NOT_PRINCIPAL: code('SECURITY_WARNING'),
  INVALID_ACTION: code('ERROR'),
  INVALID_SERVICE: code('ERROR'),
  PASS_ROLE_WITH_STAR_IN_RESOURCE: code('SECURITY_WARNING'),
  REDUNDANT_ACTION: code('SUGGESTION'),
  REDUNDANT_RESOURCE: code('SUGGESTION'),
  REDUNDANT_STATEMENT: code('SUGGESTION'),
  INVALID_CONDITION_OPERATOR: code('ERROR'),
  NULL_WITH_IF_EXISTS: code('ERROR'),
  MISSING_QUALIFIER: code('ERROR'),
  FORALLVALUES_WITH_SINGLE_VALUED_KEY: code('SECURITY_WARNING', { severity: 'medium' }),
  INVALID_GLOBAL_CONDITION_KEY: code('ERROR'),
  INVALID_SERVICE_CONDITION_KEY: code('ERROR'),
  UNSUPPORTED_CONDITION_KEY_FOR_ACTION: code('WARNING', { trustgateOnly: true }),
  TYPE_MISMATCH_DATE: code('WARNING'),
  TYPE_MISMATCH_NUMBER: code('WARNING'),
  TYPE_MISMATCH_BOOLEAN: code('WARNING'),
  TYPE_MISMATCH_IP_RANGE: code('WARNING'),
  TYPE_MISMATCH_ARN: code('WARNING', { trustgateOnly: true }),
  MISMATCHED_TYPE: code('WARNING'),
  INVALID_ARN_PREFIX: code('ERROR'),
  MISSING_ARN_FIELD: code('ERROR'),
  INVALID_PARTITION: code('ERROR'),
  RESOURCE_TYPE_MISMATCH: code('WARNING', { trustgateOnly: true }),
  UNIQUE_SIDS_REQUIRED: code('ERROR'),
  // S3, SQS and the other services that store resource policies accept repeated Sids: no access changes.
  UNIQUE_SIDS_RECOMMENDED: code('WARNING', { severity: 'low' }),
} as const satisfies Record<string, CodeInfo>;

export type IssueCode = keyof typeof CODES;

export function isIssueCode(value: string): value is IssueCode {
  return Object.hasOwn(CODES, value);
}
