import type { Rule } from '../types.js';
import { holderText, reportRiskyActions, viaPattern } from './_grants.js';
import { RESOURCE_EXPOSURE } from './_risk-actions.js';

/** Actions that rewrite resource policies, ACLs or sharing, on every resource. */
export const resourceExposureActions: Rule = {
  meta: {
    id: 'least-privilege/resource-exposure-actions',
    title: 'Policy can change who may access any resource',
    category: 'least-privilege',
    severity: 'high',
    why: 's3:PutBucketPolicy, kms:PutKeyPolicy, lambda:AddPermission and similar actions on every resource let the holder open any bucket, key, function or snapshot to another account or to the public.',
    fix: 'Remove the action from workload roles, or scope it to the resources the workload owns; manage resource policies in the templates that create the resources.',
    docs: 'docs/rules/least-privilege/resource-exposure-actions.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    reportRiskyActions(
      model,
      report,
      RESOURCE_EXPOSURE,
      () => 'high',
      (grant, actions) => `${holderText(grant.held)} can change the access policy of any resource: ${viaPattern(grant, actions)} on every resource.`,
    );
  },
};
