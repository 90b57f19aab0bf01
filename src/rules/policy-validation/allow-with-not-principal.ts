import { codeRule } from './_code-rule.js';

/** Allow + NotPrincipal: everyone but the listed principals, anonymous users included. */
export const allowWithNotPrincipal = codeRule({
  id: 'policy-validation/allow-with-not-principal',
  title: 'Allow statement with NotPrincipal grants access to everyone else',
  codes: ['ALLOW_WITH_NOT_PRINCIPAL'],
  why: '"Effect": "Allow" with "NotPrincipal" allows every principal except those listed, including principals of every other AWS account and anonymous users.',
  fix: 'Name the principals that need access in "Principal" instead; keep NotPrincipal for Deny statements only.',
});
