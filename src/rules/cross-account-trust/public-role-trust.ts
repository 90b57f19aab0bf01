import { accessRestrictions, identityRestrictions } from '../../model/access-conditions.js';
import { conditionTests } from '../../model/conditions.js';
import { statementPrincipals } from '../../model/principals.js';
import type { Rule } from '../types.js';
import { rolePermissions, statementLabel, trustStatements, whatTheyGet } from './_trust.js';

/**
 * A trust policy that lets any principal of any AWS account assume the role: `Principal: "*"` or
 * `{AWS: "*"}` without a condition that really narrows who (organisation, account, principal ARN,
 * source, network). sts:ExternalId alone is a shared secret, not an identity: still high.
 */
export const publicRoleTrust: Rule = {
  meta: {
    id: 'cross-account-trust/public-role-trust',
    title: 'Anyone can assume the role',
    category: 'cross-account-trust',
    severity: 'critical',
    why: 'A role whose trust policy admits "*" can be assumed by any principal in any AWS account; whoever finds the role ARN gets its permissions.',
    fix: 'Name the accounts or roles that may assume the role in Principal, or keep "*" only with a condition that pins the caller: aws:PrincipalOrgID, aws:PrincipalAccount or aws:PrincipalArn with StringEquals/ArnEquals.',
    docs: 'docs/rules/cross-account-trust/public-role-trust.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    for (const statement of trustStatements(model)) {
      const anyone = statementPrincipals(statement, model.template).filter((p) => p.element === 'Principal' && p.kind === 'anyone' && p.type !== 'Federated');
      if (anyone.length === 0) continue;
      const restrictions = accessRestrictions(conditionTests(statement));
      if (identityRestrictions(restrictions).length > 0) continue;
      const withExternalId = restrictions.some((r) => r.kind === 'external-id');
      const gets = whatTheyGet(rolePermissions(model, statement.document));
      for (const principal of anyone) {
        report({
          node: principal.node,
          severity: withExternalId ? 'high' : 'critical',
          message: withExternalId
            ? `${statement.document.owner.label} lets any AWS principal in any account that knows the sts:ExternalId assume the role (Principal "*", ${statementLabel(statement)}); an external id is a shared secret, not an identity.${gets}`
            : `${statement.document.owner.label} lets any AWS principal in any account assume the role (Principal "*" without a condition that restricts the caller, ${statementLabel(statement)}).${gets}`,
          element: '*',
        });
      }
    }
  },
};
