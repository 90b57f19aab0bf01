import { codeRule } from './_code-rule.js';

/** Resource values that are not well-formed ARNs. */
export const resourceArn = codeRule({
  id: 'policy-validation/resource-arn',
  title: 'Resource is not a well-formed ARN',
  codes: ['INVALID_ARN_PREFIX', 'MISSING_ARN_FIELD', 'INVALID_PARTITION'],
  why: 'A Resource that is not an ARN (a bare bucket name, a missing colon, a misspelt partition) matches nothing: AWS may reject the policy, or the statement silently applies to no resource.',
  fix: 'Write the full ARN, arn:partition:service:region:account:resource (e.g. arn:aws:s3:::my-bucket/*), or build it with !Sub and ${AWS::Partition}.',
  remedy: (words) => `Write the full ARN, arn:partition:service:region:account:resource (e.g. arn:aws:s3:::my-bucket/*), or build it with ${words.partitioned}.`,
});
