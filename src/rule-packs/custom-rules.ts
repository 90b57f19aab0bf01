import type { SourceNode } from '../parse/nodes.js';
import type { SourceFile } from '../parse/source-file.js';
import type { Rule } from '../rules/types.js';
import type { EvaluationOptions } from './evaluate.js';
import type { RulePackError } from './format.js';
import { loadRuleList, loadRulePack } from './loader.js';
import { packRuleToRule } from './pack-rule.js';

export interface CustomRulesResult {
  rules: Rule[];
  errors: RulePackError[];
}

/**
 * Custom rules from a repository: a rule pack file (`rules: [...]`), a configuration file
 * (`customRules: [...]` in .github/trustgate.yml) or a bare YAML list. Ids must start with `custom/`.
 * Every problem comes back as an error naming `fileName`, the line and the column; valid rules load
 * even when others in the same file do not, and callers decide whether errors fail the run (the app
 * and the CLI do).
 */
export function loadCustomRules(text: string, fileName: string, options: EvaluationOptions = {}): CustomRulesResult {
  const { rules, errors } = loadRulePack(text, fileName, { idPrefix: 'custom/' });
  const loaded = rules.map((rule) => packRuleToRule(rule, options));
  for (const rule of loaded) sources.set(rule, { text, fileName, id: rule.meta.id, options });
  return { rules: loaded, errors };
}

/** Where a custom rule was loaded from: enough to load it again elsewhere (a scan worker thread). */
export interface CustomRuleSource {
  text: string;
  fileName: string;
  id: string;
  options: EvaluationOptions;
}

const sources = new WeakMap<Rule, CustomRuleSource>();

/** The source of a rule {@link loadCustomRules} made, or undefined for any other rule. */
export function customRuleSource(rule: Rule): CustomRuleSource | undefined {
  return sources.get(rule);
}

/** The same for a list already parsed into a SourceNode tree (the `customRules` node of a parsed config). */
export function loadCustomRuleNodes(list: SourceNode, file: SourceFile, options: EvaluationOptions = {}): CustomRulesResult {
  const { rules, errors } = loadRuleList(list, file, { idPrefix: 'custom/' });
  return { rules: rules.map((rule) => packRuleToRule(rule, options)), errors };
}

/** `file:line:column: message`, the form editors and CI logs link. */
export function formatRulePackError(error: RulePackError): string {
  return `${error.file}:${error.line}:${error.column}: ${error.message}`;
}
