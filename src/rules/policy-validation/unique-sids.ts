import { codeRule } from './_code-rule.js';

/** Two statements with the same Sid. */
export const uniqueSids = codeRule({
  id: 'policy-validation/unique-sids',
  title: 'Statement ids are not unique',
  codes: ['UNIQUE_SIDS_REQUIRED', 'UNIQUE_SIDS_RECOMMENDED'],
  why: 'IAM (identity and trust policies) and AWS Organizations (SCPs) reject a policy whose Sids repeat, so the change cannot deploy; S3, SQS and the other services that store resource policies accept them, where no access changes but findings and reviews may point at the wrong statement.',
  fix: 'Give every statement of a policy its own Sid (or none).',
});
