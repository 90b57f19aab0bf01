import { codeRule } from './_code-rule.js';

/** The policy language version: missing (IAM falls back to 2008-10-17) or not a version at all. */
export const policyVersion = codeRule({
  id: 'policy-validation/policy-version',
  title: 'Policy language version is missing or invalid',
  codes: ['MISSING_VERSION', 'INVALID_VERSION'],
  why: 'Without "Version": "2012-10-17", IAM reads the policy with the 2008 language, where policy variables such as ${aws:username} are literal text, so conditions and ARNs built on them silently stop matching.',
  fix: 'Add "Version": "2012-10-17" at the top of the policy document (next to "Statement").',
});
