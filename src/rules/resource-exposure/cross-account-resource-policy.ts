import { restrictedToTrustedAccounts, restrictedToTrustedOrganization } from '../../model/access-conditions.js';
import { accountLabel, accountTrust, describePrincipal, type Principal } from '../../model/principals.js';
import type { SourceNode } from '../../parse/nodes.js';
import type { Rule } from '../types.js';
import { resourceGrants } from '../../model/resource-grants.js';
import { describeActions } from './_exposure.js';

/**
 * A resource policy that grants an account outside the trusted set (the template's own account,
 * configured `trustedAccounts`, AWS-owned accounts, or principals restricted to the configured
 * organisation): medium. Principals whose account cannot be known until deployment (a parameter
 * without default, a literal canonical user id), and accounts picked per region from a mapping (the
 * way AWS's own log-delivery accounts are written), are reported at low severity, asking to verify.
 * Alternatives of one written value (Fn::If branches, mapping entries) make one finding.
 */
export const crossAccountResourcePolicy: Rule = {
  meta: {
    id: 'resource-exposure/cross-account-resource-policy',
    title: 'Resource policy grants access to an external account',
    category: 'resource-exposure',
    severity: 'medium',
    why: 'Access granted to another AWS account is managed by that account: any role or user it chooses can use it, and it is outside your organisation\'s controls and logs.',
    fix: 'Grant only accounts of your organisation (restrict with aws:PrincipalOrgID), narrow the principal to one role ARN and the actions it needs, or add the account to the trusted accounts if it is yours (--trusted-account / trustedAccounts).',
    docs: 'docs/rules/resource-exposure/cross-account-resource-policy.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    const options = model.options;
    for (const grant of resourceGrants(model)) {
      if (restrictedToTrustedOrganization(grant.restrictions, options) || restrictedToTrustedAccounts(grant.restrictions, options)) continue;
      const external = new Map<SourceNode, Principal[]>();
      const unknown = new Map<SourceNode, Principal[]>();
      for (const principal of grant.principals) {
        if (principal.element !== 'Principal') continue;
        const accountScoped = principal.kind === 'account' || principal.kind === 'iam';
        const unknownPrincipal = principal.kind === 'unknown' || (principal.kind === 'canonical-user' && principal.localResource === undefined);
        if (!accountScoped && !unknownPrincipal) continue;
        const trust = accountScoped ? accountTrust(principal.account, options) : 'unknown';
        if (trust === 'own' || trust === 'trusted' || trust === 'aws') continue;
        const group = trust === 'unknown' ? unknown : external;
        group.set(principal.node, [...(group.get(principal.node) ?? []), principal]);
      }
      for (const [node, principals] of unknown) {
        report({
          node,
          severity: 'low',
          message: `${grant.label} grants ${describePrincipal(principals[0]!)} ${describeActions(grant)} (${grant.where}); trustgate cannot tell whether that is one of your accounts: verify it.`,
        });
      }
      for (const [node, principals] of external) {
        const accounts = [...new Set(principals.map((p) => accountLabel(p.account)))];
        const perRegion = principals[0]!.perRegionMapping;
        if (perRegion !== undefined) {
          report({
            node,
            severity: 'low',
            message: `${grant.label} grants an account chosen per region from mapping ${perRegion} (${listed(accounts)}) ${describeActions(grant)} (${grant.where}); per-region accounts are usually AWS's own service accounts (ELB access logs): verify them, or use the service principal where the region supports it.`,
          });
          continue;
        }
        report({
          node,
          message: `${grant.label} grants ${accounts.length === 1 ? describePrincipal(principals[0]!) : `accounts ${listed(accounts)}`} ${describeActions(grant)} (${grant.where}); ${accounts.length === 1 ? `account ${accounts[0]} is` : 'they are'} not the template's own nor a trusted account.`,
        });
      }
    }
  },
};

function listed(items: string[]): string {
  return items.length > 3 ? `${items.slice(0, 3).join(', ')} and ${items.length - 3} more` : items.join(', ');
}
