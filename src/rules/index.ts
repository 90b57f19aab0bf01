import { crossAccountTrustRules } from './cross-account-trust/index.js';
import { imdsv2Rules } from './imdsv2/index.js';
import { leastPrivilegeRules } from './least-privilege/index.js';
import { policyValidationRules } from './policy-validation/index.js';
import { resourceExposureRules } from './resource-exposure/index.js';
import type { Rule } from './types.js';

/**
 * Every rule written in code, sorted by id. Explicit on purpose: each family lists its rules in its own
 * index.ts, no discovery by file system, no import side effects. test/rules/registry.test.ts fails when
 * a rule file is missing from an index, or a rule lacks docs or fixtures. With the built-in rule packs
 * they make ALL_RULES (src/engine/all-rules.ts).
 */
export const CODE_RULES: readonly Rule[] = [
  ...leastPrivilegeRules,
  ...imdsv2Rules,
  ...crossAccountTrustRules,
  ...resourceExposureRules,
  ...policyValidationRules,
].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1));
