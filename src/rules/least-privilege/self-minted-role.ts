import { lowerSeverity, type Severity } from '../../findings/severity.js';
import { identityPrincipals, principalAllows, type GrantMatch } from '../../model/grants.js';
import type { IdentityPrincipal } from '../../model/identity-graph.js';
import { valueText } from '../../model/intrinsics.js';
import { elementItems } from '../../model/policy.js';
import type { Rule } from '../types.js';
import { controlPlaneHolders } from './_service-holders.js';

/** Writing a role's permissions: either one, with iam:CreateRole, mints a role with any policy. */
const PERMISSION_WRITERS = ['iam:AttachRolePolicy', 'iam:PutRolePolicy'] as const;

/**
 * Escalation on resources the principal controls: `iam:CreateRole` together with `iam:AttachRolePolicy`
 * or `iam:PutRolePolicy` on role names it chooses (`arn:aws:iam::*:role/app-*`, not only `*`) lets it
 * create a role whose trust policy names itself, give it AdministratorAccess and assume it. A
 * `iam:PermissionsBoundary` condition on CreateRole (the documented guard for delegated role creation)
 * or an `iam:PolicyARN` condition on AttachRolePolicy breaks the path. On `*` the path is also
 * least-privilege/privilege-escalation's; this rule reports the scoped case it does not see.
 */
export const selfMintedRole: Rule = {
  meta: {
    id: 'least-privilege/self-minted-role',
    title: 'Principal can create a role and give it any permissions',
    category: 'least-privilege',
    severity: 'high',
    why: 'With iam:CreateRole and iam:AttachRolePolicy (or iam:PutRolePolicy) on role names it chooses, a principal creates a role that trusts itself, attaches AdministratorAccess and assumes it: a name prefix is no boundary.',
    fix: 'Require a permissions boundary on the roles it creates (Condition StringEquals iam:PermissionsBoundary on iam:CreateRole, iam:AttachRolePolicy and iam:PutRolePolicy), limit iam:AttachRolePolicy with iam:PolicyARN, or drop role creation from this principal.',
    docs: 'docs/rules/least-privilege/self-minted-role.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    for (const principal of identityPrincipals(model)) {
      for (const { create, writer, probe } of scopedGrants(model, principal)) {
        const onEvery = PERMISSION_WRITERS.some((w) => principalAllows(model, principal, w, '*').length > 0);
        if (onEvery) continue; // privilege-escalation reports the writer on every role
        const services = controlPlaneHolders(principal, model.template);
        let severity: Severity = create.restrictedByCondition || writer.restrictedByCondition ? lowerSeverity('high') : 'high';
        if (services.length > 0) severity = lowerSeverity(severity, 2);
        report({
          node: create.actionNode,
          message:
            `${principal.label} can create roles and write their permissions on the same names: ${create.actionPattern} and ${writer.actionPattern} both match ${describeProbe(probe)}. ` +
            `It can create a role there that trusts itself, give it AdministratorAccess and assume it.` +
            (services.length > 0 ? ` Only ${services.join(', ')} can assume ${principal.label}, so the severity is lowered.` : ''),
          severity,
          related: [{ node: writer.actionNode, message: `${writer.attachment.via} grants ${writer.actionPattern} on those roles` }],
          element: `${create.actionPattern}+${writer.actionPattern}`,
          remediation: `${selfMintedRole.meta.fix}`,
        });
        break; // once per principal
      }
    }
  },
};

interface ScopedPath {
  create: GrantMatch;
  writer: GrantMatch;
  probe: string;
}

/**
 * For each role pattern the principal may create, a concrete name inside it (`app-*` → `app-x`), and
 * whether the principal may also write that role's permissions there, with neither guard condition.
 */
function scopedGrants(model: Parameters<typeof principalAllows>[0], principal: IdentityPrincipal): ScopedPath[] {
  const out: ScopedPath[] = [];
  for (const attachment of principal.attachments) {
    for (const statement of attachment.document.statements) {
      if (statement.effect !== 'Allow') continue;
      for (const item of elementItems(statement, 'Resource')) {
        for (const value of item.values) {
          const text = valueText(value);
          if (text === undefined || !/:role\//.test(text)) continue;
          const probe = text.replace(/\$\{[^}]*\}/g, 'x').replace(/[*?]/g, 'x');
          const create = principalAllows(model, principal, 'iam:CreateRole', probe).find((m) => !hasCondition(m, 'iam:permissionsboundary'));
          if (create === undefined) continue;
          for (const action of PERMISSION_WRITERS) {
            const writer = principalAllows(model, principal, action, probe).find((m) => !hasCondition(m, 'iam:permissionsboundary') && !hasCondition(m, 'iam:policyarn'));
            if (writer !== undefined) {
              out.push({ create, writer, probe: text });
              break;
            }
          }
        }
      }
    }
  }
  return out;
}

function hasCondition(match: GrantMatch, key: string): boolean {
  return match.scopingConditions.some((test) => test.key.toLowerCase() === key) || conditionKeysOf(match).includes(key);
}

/** Every condition key of the statement (a guard need not count as "scoping" to break this path). */
function conditionKeysOf(match: GrantMatch): string[] {
  const node = match.statement.elements.Condition;
  if (node === undefined || node.kind !== 'map') return [];
  return node.entries.flatMap((operator) => (operator.value.kind === 'map' ? operator.value.entries.map((e) => String(e.key.value).toLowerCase()) : []));
}

function describeProbe(pattern: string): string {
  return `roles named like ${pattern}`;
}
