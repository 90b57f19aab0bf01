import { codeRule } from './_code-rule.js';

/** The elements every statement needs (Effect, Action, Resource), their values, and no unknown elements. */
export const statementStructure = codeRule({
  id: 'policy-validation/statement-structure',
  title: 'Policy statement is missing a required element or has an invalid one',
  codes: ['MISSING_STATEMENT', 'MISSING_EFFECT', 'INVALID_EFFECT', 'MISSING_ACTION', 'MISSING_RESOURCE', 'INVALID_POLICY_ELEMENT'],
  why: 'AWS rejects a policy whose statements lack Effect, Action or Resource, or carry an unknown element: the deployment fails, or, for an element that is silently ignored, the statement grants or denies something other than what the author meant.',
  fix: 'Give each statement an "Effect" of "Allow" or "Deny", an "Action" (or "NotAction"), a "Resource" (or "NotResource") where the policy type needs one, and only the elements IAM defines.',
});
