import { codeRule } from './_code-rule.js';

/** Principal where the policy type forbids it (identity policies) or is missing where required. */
export const principalElement = codeRule({
  id: 'policy-validation/principal-element',
  title: 'Principal element is missing or not allowed in this policy type',
  codes: ['MISSING_PRINCIPAL', 'UNSUPPORTED_PRINCIPAL'],
  why: 'Resource and trust policies must say who they apply to, and identity policies must not (they apply to whoever they are attached to): CloudFormation fails to create such a policy, and reviewers misread who gets access.',
  fix: 'Add "Principal" to every statement of a resource or trust policy; remove "Principal"/"NotPrincipal" from identity policies and attach the policy to the right role, user or group instead.',
});
