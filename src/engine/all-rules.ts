import { loadBuiltinPackRules } from '../rule-packs/builtin.js';
import { CODE_RULES } from '../rules/index.js';
import type { Rule } from '../rules/types.js';

/**
 * Every built-in rule, sorted by id: the rule families written in code (src/rules/index.ts) and the
 * declarative rules of policies/*.yaml (docs/rule-packs.md, ids under pack/). Composed here, above both,
 * so that the rules do not import the rule-pack engine that builds rules from them.
 */
export const ALL_RULES: readonly Rule[] = [...CODE_RULES, ...loadBuiltinPackRules()].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1));

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find((rule) => rule.meta.id === id);
}
