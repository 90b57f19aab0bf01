import { CLOUDFORMATION_VOCABULARY } from '../model/vocabulary.js';
import { renderWording } from '../model/wording.js';
import { scopeOf, type Rule } from '../rules/types.js';
import { evaluatePackRule, type EvaluationOptions } from './evaluate.js';
import type { PackRule } from './format.js';

/**
 * A pack rule as the engine's {@link Rule}: same metadata, same `check`, so its findings, docs links,
 * severity overrides and enable/disable settings work exactly like a rule written in TypeScript. Its
 * wording placeholders read in CloudFormation's words in the metadata's `title`, `why` and `fix`, in the
 * words of the finding's document in its remediation, and in each language's words where the rule is shown
 * on its own (SARIF, `/trustgate explain`: `worded` and `remedy`).
 */
export function packRuleToRule(rule: PackRule, options: EvaluationOptions = {}): Rule {
  return {
    meta: {
      id: rule.id,
      title: renderWording(rule.title, CLOUDFORMATION_VOCABULARY),
      category: rule.category,
      severity: rule.severity,
      why: renderWording(rule.why, CLOUDFORMATION_VOCABULARY),
      worded: (words) => ({ title: renderWording(rule.title, words), why: renderWording(rule.why, words) }),
      fix: renderWording(rule.fix, CLOUDFORMATION_VOCABULARY),
      remedy: (words, resource) => renderWording(rule.fix, words, resource),
      docs: rule.docs,
    },
    appliesTo: [...new Set(rule.documents.map(scopeOf))],
    check({ model, report }) {
      evaluatePackRule(rule, model, report, options);
    },
  };
}
