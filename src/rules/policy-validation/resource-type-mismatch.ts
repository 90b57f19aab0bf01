import { codeRule } from './_code-rule.js';

/** An action paired only with ARNs of resource types it does not act on. */
export const resourceTypeMismatch = codeRule({
  id: 'policy-validation/resource-type-mismatch',
  title: 'Action does not apply to any resource of the statement',
  codes: ['RESOURCE_TYPE_MISMATCH'],
  why: 'An action only matches the resource types AWS defines for it: s3:ListBucket on arn:aws:s3:::bucket/* (an object ARN) grants nothing, so the workload fails at run time, and a Deny written that way protects nothing.',
  fix: 'Give the action ARNs of the types it acts on (for s3:ListBucket the bucket ARN arn:aws:s3:::bucket, for s3:GetObject the object ARN arn:aws:s3:::bucket/*), in a separate statement if needed.',
});
