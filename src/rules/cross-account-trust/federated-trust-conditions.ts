import { conditionTests, type ConditionTest } from '../../model/conditions.js';
import type { Principal } from '../../model/principals.js';
import { isIdentityClaimKey, isSetOperatorOnClaim, whyNotRestrictive, type RestrictionContext } from '../../model/access-conditions.js';
import { statementPrincipals } from '../../model/principals.js';
import type { Severity } from '../../findings/severity.js';
import type { Rule } from '../types.js';
import { claimTests, ineffectiveNote, setOperatorNote } from './_claims.js';
import { rolePermissions, statementLabel, trustContext, trustStatements, whatTheyGet } from './_trust.js';

/**
 * Web identity and SAML trust (GitHub has its own rule) must pin the claims that say which identities
 * of the provider may assume the role:
 * - EKS IRSA (oidc.eks.<region>.amazonaws.com/id/…): `sub` (system:serviceaccount:NS:SA) — high;
 * - Cognito identity pools: `aud` (the identity pool id) — high; `amr` (authenticated) — medium;
 * - SAML: `SAML:aud` — medium;
 * - any other OIDC provider: at least one restricting claim condition — high;
 * - a provider the template does not name (a parameter): no claim condition at all — medium.
 * `ForAllValues:` on a web identity's `aud` or `sub` restricts (STS always has both claims in the
 * request); the set operator on a single-valued key is reported low.
 */
export const federatedTrustConditions: Rule = {
  meta: {
    id: 'cross-account-trust/federated-trust-conditions',
    title: 'Federated trust does not pin the identities of the provider',
    category: 'cross-account-trust',
    severity: 'high',
    why: 'An identity provider vouches for many identities (every pod of a cluster, every identity pool, every application of an IdP); without conditions on its claims any of them can assume the role.',
    fix: 'Add StringEquals conditions on the provider\'s claims: <issuer>:sub = system:serviceaccount:NS:SA for EKS, cognito-identity.amazonaws.com:aud = the pool id and ForAnyValue:StringLike cognito-identity.amazonaws.com:amr = authenticated for Cognito, SAML:aud = https://signin.aws.amazon.com/saml for SAML.',
    docs: 'docs/rules/cross-account-trust/federated-trust-conditions.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    for (const statement of trustStatements(model)) {
      const federated = statementPrincipals(statement, model.template).filter((p) => p.element === 'Principal' && p.kind === 'federated' && p.provider !== 'github');
      if (federated.length === 0) continue;
      const tests = conditionTests(statement);
      const label = `${statement.document.owner.label} (${statementLabel(statement)})`;
      const gets = whatTheyGet(rolePermissions(model, statement.document));
      const context = trustContext(statement);
      for (const test of tests) {
        if (!isSetOperatorOnClaim(test, context)) continue;
        report({ node: test.operatorNode, severity: 'low', message: `${label} ${setOperatorNote(test)}`, element: `set-operator:${test.key}` });
      }
      const need = (principal: Principal, claim: string, severity: Severity, who: string): void => {
        const found = claimTests(tests, principal, claim, context);
        if (found.effective.length > 0) return;
        report({
          node: principal.node,
          severity,
          message: `${label} trusts ${principal.providerHost ?? principal.text ?? 'an identity provider'} without a condition on the ${claim} claim${ineffectiveNote(found)}: ${who} can assume the role.${gets}`,
          element: claim,
        });
      };
      for (const principal of federated) {
        switch (principal.provider) {
          case 'eks':
            need(principal, 'sub', 'high', 'any service account of any namespace in the cluster');
            break;
          case 'cognito':
            need(principal, 'aud', 'high', 'an identity of any Cognito identity pool, in any account,');
            need(principal, 'amr', 'medium', 'unauthenticated (guest) identities as well as signed-in ones');
            break;
          case 'saml':
            if (!tests.some((test) => test.key.toLowerCase() === 'saml:aud' && whyNotRestrictive(test) === undefined)) {
              report({
                node: principal.node,
                severity: 'medium',
                message: `${label} trusts a SAML provider without a condition on SAML:aud: require SAML:aud = https://signin.aws.amazon.com/saml so assertions meant for other services are refused.${gets}`,
                element: 'SAML:aud',
              });
            }
            break;
          case 'oidc':
            if (!hasClaimFor(tests, principal, context)) {
              report({
                node: principal.node,
                severity: 'high',
                message: `${label} trusts the OIDC provider ${principal.providerHost ?? principal.text} without any condition on its claims (sub, aud): every identity it issues can assume the role.${gets}`,
                element: 'claims',
              });
            }
            break;
          default:
            if (!tests.some((test) => isIdentityClaimKey(test.key) && whyNotRestrictive(test, context) === undefined)) {
              report({
                node: principal.node,
                severity: 'medium',
                message: `${label} trusts an identity provider trustgate cannot name (${principal.reason ?? principal.text ?? 'unresolved'}) and no condition pins its claims: verify the provider and add conditions on its sub/aud claims.${gets}`,
                element: 'unknown-provider',
              });
            }
        }
      }
    }
  },
};

function hasClaimFor(tests: readonly ConditionTest[], principal: Principal, context: RestrictionContext): boolean {
  const host = principal.providerHost?.toLowerCase();
  return tests.some((test) => {
    const key = test.key.toLowerCase();
    return (host === undefined || key.startsWith(`${host}:`)) && isIdentityClaimKey(key) && whyNotRestrictive(test, context) === undefined;
  });
}
