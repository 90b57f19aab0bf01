import { crossAccountTrustRules } from './cross-account-trust/index.js';
import { imdsv2Rules } from './imdsv2/index.js';
import { leastPrivilegeRules } from './least-privilege/index.js';
import { policyValidationRules } from './policy-validation/index.js';
import { resourceExposureRules } from './resource-exposure/index.js';
import type { Rule } from './types.js';
import { loadBuiltinPackRules } from '../rule-packs/builtin.js';

/**
 * Every built-in rule, sorted by id. Explicit on purpose: each family lists its rules in its own
 * index.ts, no discovery by file system, no import side effects. test/rules/registry.test.ts fails when
 * a rule file is missing from an index, or a rule lacks docs or fixtures.
 */
export const ALL_RULES: readonly Rule[] = [
  ...leastPrivilegeRules,
  ...imdsv2Rules,
  ...crossAccountTrustRules,
  ...resourceExposureRules,
  ...policyValidationRules,
  // Declarative rules from policies/*.yaml (docs/rule-packs.md), ids under pack/.
  ...loadBuiltinPackRules(),
].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1));

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find((rule) => rule.meta.id === id);
}
