import type { Rule } from '../rules/types.js';
import { evaluatePackRule, type EvaluationOptions } from './evaluate.js';
import type { PackRule } from './format.js';

/**
 * A pack rule as the engine's {@link Rule}: same metadata, same `check`, so its findings, docs links,
 * severity overrides and enable/disable settings work exactly like a rule written in TypeScript.
 */
export function packRuleToRule(rule: PackRule, options: EvaluationOptions = {}): Rule {
  return {
    meta: {
      id: rule.id,
      title: rule.title,
      category: rule.category,
      severity: rule.severity,
      why: rule.why,
      fix: rule.fix,
      docs: rule.docs,
    },
    appliesTo: rule.documents,
    check({ model, report }) {
      evaluatePackRule(rule, model, report, options);
    },
  };
}
