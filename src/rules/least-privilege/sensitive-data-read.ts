import type { Rule } from '../types.js';
import { holderText, reportRiskyActions, viaPattern } from './_grants.js';
import { LOWER_RISK_READS, SENSITIVE_READS } from './_risk-actions.js';

/** Data reads on every resource — the Capital One pattern (s3:GetObject on `*` behind an SSRF-able instance). */
export const sensitiveDataRead: Rule = {
  meta: {
    id: 'least-privilege/sensitive-data-read',
    title: 'Policy can read data from every resource',
    category: 'least-privilege',
    severity: 'high',
    why: 'Reading every object, secret, parameter, key or table of the account turns any stolen credential (SSRF to the metadata service, a leaked key) into a full data breach — the Capital One pattern.',
    fix: 'Scope Resource to the buckets, prefixes, secrets, parameters, keys and tables the workload reads; add aws:SourceVpc or aws:ResourceTag conditions where ARNs are not known in advance.',
    docs: 'docs/rules/least-privilege/sensitive-data-read.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    reportRiskyActions(
      model,
      report,
      SENSITIVE_READS,
      (actions) => (actions.every((a) => LOWER_RISK_READS.has(a.key)) ? 'medium' : 'high'),
      (grant, actions) => `${holderText(grant.held)} can read data on every resource: ${viaPattern(grant, actions)}.`,
    );
  },
};
