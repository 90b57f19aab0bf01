import { isSetOperatorOnClaim, whyNotRestrictive, type RestrictionContext } from '../../model/access-conditions.js';
import type { ConditionTest } from '../../model/conditions.js';
import type { Principal } from '../../model/principals.js';

export interface ClaimTests {
  /** Tests on the claim that really restrict (positive operator, no IfExists, concrete values). */
  effective: ConditionTest[];
  /** Tests on the claim that do not restrict, with why, for messages. */
  ineffective: { test: ConditionTest; reason: string }[];
  /** Effective tests written with a set operator (`ForAllValues:`) on the single-valued claim: a style fault. */
  setOperator: ConditionTest[];
}

/**
 * The condition tests on one claim of a federated principal's provider (`sub`, `aud`, `amr`). Keys
 * are matched case-insensitively as `<provider host>:<claim>`; when the host is not known from the
 * template (built from a parameter), any provider-style key ending in `:<claim>` counts.
 */
export function claimTests(tests: readonly ConditionTest[], principal: Principal, claim: string, context: RestrictionContext = {}): ClaimTests {
  const host = principal.providerHost?.toLowerCase();
  const exact = host !== undefined && !host.includes('${') ? `${host}:${claim}`.toLowerCase() : undefined;
  const matching = tests.filter((test) => {
    const key = test.key.toLowerCase();
    if (exact !== undefined) return key === exact;
    return key.endsWith(`:${claim}`) && key.includes('.');
  });
  const effective: ConditionTest[] = [];
  const ineffective: { test: ConditionTest; reason: string }[] = [];
  for (const test of matching) {
    const reason = whyNotRestrictive(test, context);
    if (reason === undefined) effective.push(test);
    else ineffective.push({ test, reason });
  }
  return { effective, ineffective, setOperator: effective.filter((test) => isSetOperatorOnClaim(test, context)) };
}

/**
 * For a low finding: the claim is pinned, but with ForAllValues, which AWS advises against on a
 * single-valued key (true as well when the key is absent, so the same condition elsewhere lets all in).
 */
export function setOperatorNote(test: ConditionTest): string {
  return `pins ${test.key} with ${test.operator}. It refuses other values, because STS always has the claim in an AssumeRoleWithWebIdentity request, but ${test.key} is single-valued and AWS advises against set operators on single-valued keys (ForAllValues is also true when the key is absent): use ${test.baseOperator}.`;
}

/** ` (a condition on it does not count: …)` for messages, or empty. */
export function ineffectiveNote(tests: ClaimTests): string {
  const first = tests.ineffective[0];
  return first === undefined ? '' : ` (the condition ${first.test.operator} ${first.test.key} does not count: ${first.reason})`;
}
