import { accessRestrictions, identityRestrictions } from '../../model/access-conditions.js';
import { conditionTests } from '../../model/conditions.js';
import { describePrincipal, statementPrincipals } from '../../model/principals.js';
import type { Rule } from '../types.js';
import { rolePermissions, statementLabel, trustStatements, whatTheyGet } from './_trust.js';

/**
 * `NotPrincipal` with `Allow` in a trust policy: every principal except the listed ones may assume
 * the role. Critical unless a condition pins the caller; even then, the statement is fragile.
 */
export const notPrincipalTrust: Rule = {
  meta: {
    id: 'cross-account-trust/not-principal-trust',
    title: 'Trust policy allows everyone except the listed principals (NotPrincipal with Allow)',
    category: 'cross-account-trust',
    severity: 'critical',
    why: 'Allow with NotPrincipal admits every principal in every AWS account except the few it names, which is almost never what was meant.',
    fix: 'Replace NotPrincipal with Principal naming the accounts, roles or services that may assume the role.',
    docs: 'docs/rules/cross-account-trust/not-principal-trust.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    for (const statement of trustStatements(model)) {
      const excluded = statementPrincipals(statement, model.template).filter((p) => p.element === 'NotPrincipal');
      const element = statement.elements.NotPrincipal;
      if (element === undefined) continue;
      const restricted = identityRestrictions(accessRestrictions(conditionTests(statement))).length > 0;
      const names = excluded.map(describePrincipal).join(', ') || 'the listed principals';
      report({
        node: excluded[0]?.node ?? element,
        severity: restricted ? 'medium' : 'critical',
        message: `${statement.document.owner.label} lets every principal except ${names} assume the role (NotPrincipal with Allow, ${statementLabel(statement)})${restricted ? '; a condition narrows the callers, but NotPrincipal is still easy to get wrong' : ''}.${whatTheyGet(rolePermissions(model, statement.document))}`,
        element: 'NotPrincipal',
      });
    }
  },
};
