import { codeRule } from './_code-rule.js';

/** iam:PassRole on every role. */
export const passRoleWithStar = codeRule({
  id: 'policy-validation/pass-role-with-star',
  title: 'iam:PassRole allowed on every role',
  codes: ['PASS_ROLE_WITH_STAR_IN_RESOURCE'],
  why: 'Whoever may pass any role can give a Lambda function, EC2 instance or other service a more privileged role than their own (an administrator role) and act through it: a classic privilege escalation.',
  fix: 'List the ARNs of the roles that may be passed in "Resource", and add an iam:PassedToService condition naming the service that receives them.',
});
