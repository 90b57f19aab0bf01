import { codeRule } from './_code-rule.js';

/** Actions and service prefixes that AWS's service authorization reference does not know. */
export const invalidAction = codeRule({
  id: 'policy-validation/invalid-action',
  title: 'Action or service prefix does not exist',
  codes: ['INVALID_ACTION', 'INVALID_SERVICE'],
  why: 'IAM ignores an action it does not know: a misspelt Allow grants nothing (the workload fails at run time) and a misspelt Deny protects nothing, while the policy reads as if it did.',
  fix: 'Use the action name exactly as the service authorization reference lists it (service:Action, e.g. s3:GetObject), or a wildcard that matches existing actions.',
});
