import { severityRank, type Severity } from '../../findings/severity.js';
import type { Rule, RuleMeta } from '../types.js';
import { validationIssues } from './_analysis.js';
import { CODES, type IssueCode } from './_codes.js';

/** What a policy-validation rule declares: its metadata (minus what follows from its codes) and its codes. */
export interface CodeRuleSpec extends Omit<RuleMeta, 'category' | 'severity' | 'docs'> {
  codes: readonly IssueCode[];
}

/**
 * A rule that reports the offline validation issues of its codes, each as `CODE: explanation` with the
 * severity of the code's Access Analyzer finding type (see _codes.ts). The analysis itself runs once per
 * document and is shared by every policy-validation rule.
 */
export function codeRule(spec: CodeRuleSpec): Rule & { codes: readonly IssueCode[] } {
  const { codes, ...meta } = spec;
  const owned = new Set<IssueCode>(codes);
  const severity = codes.map((c) => CODES[c].severity).reduce<Severity>((a, b) => (severityRank(a) >= severityRank(b) ? a : b), 'info');
  return {
    codes,
    meta: { ...meta, category: 'policy-validation', severity, docs: `docs/rules/${meta.id}.md` },
    appliesTo: ['resources', 'iam-policy'],
    check({ model, report }) {
      for (const issue of validationIssues(model)) {
        if (!owned.has(issue.code)) continue;
        report({
          node: issue.node,
          message: `${issue.code}: ${issue.message}`,
          severity: issue.severity ?? CODES[issue.code].severity,
          element: `${issue.code}:${issue.element}`,
        });
      }
    },
  };
}
