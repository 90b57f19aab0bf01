import { conditionTests } from '../../model/conditions.js';
import { valueText } from '../../model/intrinsics.js';
import { statementPrincipals } from '../../model/principals.js';
import { wildcardToRegExp } from '../../aws-data/iam-data.js';
import type { Rule } from '../types.js';
import { claimTests, ineffectiveNote, setOperatorNote } from './_claims.js';
import { rolePermissions, statementLabel, trustContext, trustStatements, whatTheyGet } from './_trust.js';

/**
 * Roles trusted by GitHub Actions OIDC (token.actions.githubusercontent.com). Every workflow of every
 * repository on GitHub gets a token from the same issuer, so the trust policy must pin the `sub`
 * claim to the owner and repository (`repo:OWNER/REPO:…`) and the `aud` claim to sts.amazonaws.com.
 * - no restricting `sub` condition: critical (any repository on GitHub);
 * - a `sub` pattern whose owner or repository part holds a wildcard (`repo:*`, `repo:org/*`,
 *   `repo:org/app*`) and that no `allowedOidcSubjects` pattern covers: high;
 * - no restricting `aud` condition: high.
 * - `ForAllValues:` on `sub` or `aud`: it restricts (STS always has both claims in the request), but a set
 *   operator on a single-valued key is advised against: low.
 */
export const githubOidcTrust: Rule = {
  meta: {
    id: 'cross-account-trust/github-oidc-trust',
    title: 'GitHub Actions OIDC trust does not pin the repository and audience',
    category: 'cross-account-trust',
    severity: 'critical',
    why: 'GitHub issues OIDC tokens to every workflow of every repository from one issuer; a role that does not pin the sub claim to your repository can be assumed from anyone\'s workflow.',
    fix: 'Add Condition StringEquals token.actions.githubusercontent.com:aud "sts.amazonaws.com" and StringEquals (or StringLike) token.actions.githubusercontent.com:sub "repo:OWNER/REPO:ref:refs/heads/main" naming your owner and repository without wildcards.',
    docs: 'docs/rules/cross-account-trust/github-oidc-trust.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    for (const statement of trustStatements(model)) {
      const github = statementPrincipals(statement, model.template).filter((p) => p.element === 'Principal' && p.provider === 'github');
      if (github.length === 0) continue;
      const tests = conditionTests(statement);
      const label = `${statement.document.owner.label} (${statementLabel(statement)})`;
      const gets = whatTheyGet(rolePermissions(model, statement.document));
      const context = trustContext(statement);
      for (const principal of github) {
        const sub = claimTests(tests, principal, 'sub', context);
        if (sub.effective.length === 0) {
          report({
            node: principal.node,
            severity: 'critical',
            message: `${label} trusts GitHub Actions OIDC without a condition on the sub claim${ineffectiveNote(sub)}: a workflow in any repository on GitHub can assume the role.${gets}`,
            element: 'sub',
          });
        } else {
          for (const test of sub.effective) {
            const like = test.baseOperator === 'StringLike';
            for (const value of test.values) {
              const text = valueText(value);
              if (text === undefined || !like || !admitsOtherRepositories(text)) continue;
              if (model.options.allowedOidcSubjects.some((allowed) => wildcardToRegExp(allowed).test(text))) continue;
              report({
                node: value.node,
                severity: 'high',
                message: `${label} trusts GitHub Actions OIDC for sub "${text}", which admits workflows of other ${/^repo:[^/*?]*\//.test(text) ? 'repositories' : 'owners and repositories'}: name the owner and repository without wildcards, or allow the pattern in configuration.${gets}`,
                element: `sub:${text}`,
              });
            }
          }
        }
        const aud = claimTests(tests, principal, 'aud', context);
        if (aud.effective.length === 0) {
          report({
            node: principal.node,
            severity: 'high',
            message: `${label} trusts GitHub Actions OIDC without a condition on the aud claim${ineffectiveNote(aud)}: require token.actions.githubusercontent.com:aud = sts.amazonaws.com so tokens minted for other audiences are refused.`,
            element: 'aud',
          });
        }
        for (const test of [...sub.setOperator, ...aud.setOperator]) {
          report({ node: test.operatorNode, severity: 'low', message: `${label} ${setOperatorNote(test)}`, element: `set-operator:${test.key}` });
        }
      }
    }
  },
};

/**
 * Whether a `StringLike` sub pattern admits more than one owner/repository. `repo:OWNER/REPO:<rest>`
 * with a concrete owner and repository is pinned, whatever wildcards follow (branches, environments).
 */
export function admitsOtherRepositories(pattern: string): boolean {
  if (!/[*?]/.test(pattern)) return false;
  const match = /^repo:([^/:]*)\/([^:]*)(:.*)?$/.exec(pattern);
  if (match === null) return true;
  return /[*?]/.test(match[1]!) || /[*?]/.test(match[2]!);
}
