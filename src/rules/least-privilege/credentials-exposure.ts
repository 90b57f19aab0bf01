import type { Rule } from '../types.js';
import { holderText, reportRiskyActions, viaPattern } from './_grants.js';
import { CREDENTIALS } from './_risk-actions.js';

/** Actions that mint or reset credentials of other identities, on every resource. */
export const credentialsExposure: Rule = {
  meta: {
    id: 'least-privilege/credentials-exposure',
    title: 'Policy can create or reset credentials of other identities',
    category: 'least-privilege',
    severity: 'high',
    why: 'iam:CreateAccessKey, iam:UpdateLoginProfile, sts:GetFederationToken and similar actions on every resource let the holder obtain working credentials for other users, including administrators.',
    fix: 'Remove the action, or scope it to the identity itself (arn:aws:iam::<account>:user/${aws:username}) or to the specific users the workload manages.',
    docs: 'docs/rules/least-privilege/credentials-exposure.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    reportRiskyActions(
      model,
      report,
      CREDENTIALS,
      () => 'high',
      (grant, actions) => `${holderText(grant.held)} can obtain credentials of other identities: ${viaPattern(grant, actions)} on every resource.`,
    );
  },
};
