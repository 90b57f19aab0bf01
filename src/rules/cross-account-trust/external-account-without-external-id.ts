import { accessRestrictions, restrictedToTrustedAccounts, restrictedToTrustedOrganization } from '../../model/access-conditions.js';
import { conditionTests } from '../../model/conditions.js';
import { accountTrust, describePrincipal, statementPrincipals } from '../../model/principals.js';
import type { Rule } from '../types.js';
import { rolePermissions, statementLabel, trustStatements, whatTheyGet } from './_trust.js';

/**
 * A role that an account outside the trusted set may assume without sts:ExternalId. "Trusted" is the
 * template's own account, `trustedAccounts` from configuration, AWS-owned accounts, and principals
 * restricted to the configured organisation by aws:PrincipalOrgID. Medium; high when the role's
 * permissions are administrator-like. An account that cannot be known until deployment (a parameter
 * without default, an import) is reported at low severity, asking to verify it.
 */
export const externalAccountWithoutExternalId: Rule = {
  meta: {
    id: 'cross-account-trust/external-account-without-external-id',
    title: 'External account can assume the role without an external id',
    category: 'cross-account-trust',
    severity: 'medium',
    why: 'A third party that assumes roles for many customers can be tricked into using your role for someone else (the confused deputy) unless the trust policy requires the sts:ExternalId agreed with you; an account outside your organisation deserves review in any case.',
    fix: 'Require the agreed external id (Condition StringEquals sts:ExternalId), restrict the callers to your organisation with aws:PrincipalOrgID, or add the account to the trusted accounts if it is yours (--trusted-account / trustedAccounts).',
    docs: 'docs/rules/cross-account-trust/external-account-without-external-id.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    const options = model.options;
    for (const statement of trustStatements(model)) {
      const candidates = statementPrincipals(statement, model.template).filter(
        (p) => p.element === 'Principal' && (p.type === 'AWS' || p.type === '*') && (p.kind === 'account' || p.kind === 'iam' || p.kind === 'unknown'),
      );
      if (candidates.length === 0) continue;
      const restrictions = accessRestrictions(conditionTests(statement));
      if (restrictions.some((r) => r.kind === 'external-id')) continue;
      if (restrictedToTrustedOrganization(restrictions, options) || restrictedToTrustedAccounts(restrictions, options)) continue;
      const permissions = rolePermissions(model, statement.document);
      for (const principal of candidates) {
        const trust = principal.kind === 'unknown' ? 'unknown' : accountTrust(principal.account, options);
        if (trust === 'own' || trust === 'trusted' || trust === 'aws') continue;
        const label = statement.document.owner.label;
        if (trust === 'unknown') {
          report({
            node: principal.node,
            severity: 'low',
            message: `${label} lets ${describePrincipal(principal)} assume the role without sts:ExternalId (${statementLabel(statement)}); trustgate cannot tell whether that account is yours: verify it, or require an external id.${whatTheyGet(permissions)}`,
          });
          continue;
        }
        report({
          node: principal.node,
          severity: permissions.broad ? 'high' : 'medium',
          message: `${label} lets ${describePrincipal(principal)} assume the role without sts:ExternalId; that account is not the template's own nor a trusted account (${statementLabel(statement)}).${whatTheyGet(permissions)}`,
        });
      }
    }
  },
};
