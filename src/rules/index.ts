import { fullAdmin } from './least-privilege/full-admin.js';
import type { Rule } from './types.js';

/**
 * Every built-in rule, sorted by id. Explicit on purpose: no discovery by file system, no import side
 * effects. test/rules/registry.test.ts fails when a rule file is missing here, or a rule lacks docs or
 * fixtures.
 */
export const ALL_RULES: readonly Rule[] = [fullAdmin].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1));

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find((rule) => rule.meta.id === id);
}
