import type { DocumentModel } from '../../model/document-model.js';
import { expandActionPattern, wildcardToRegExp } from '../../aws-data/iam-data.js';
import type { RestrictionContext } from '../../model/access-conditions.js';
import { identityGraph } from '../../model/identity-graph.js';
import { valueText } from '../../model/intrinsics.js';
import { elementItems, type PolicyDocument, type Statement } from '../../model/policy.js';

/** Allow statements of every role trust policy in the document (and of a plain trust-policy file). */
export function trustStatements(model: DocumentModel): Statement[] {
  return model.policies.filter((policy) => policy.kind === 'trust').flatMap((policy) => policy.statements.filter((s) => s.effect === 'Allow'));
}

/**
 * The context for judging a trust statement's conditions: it is a web-identity trust when it allows
 * sts:AssumeRoleWithWebIdentity (by name or pattern), the one call whose request carries the token's claims.
 */
export function trustContext(statement: Statement): RestrictionContext {
  if (statement.document.kind !== 'trust' || statement.effect !== 'Allow') return {};
  const webIdentity = elementItems(statement, 'Action').some((item) => item.values.some((value) => {
    const text = valueText(value);
    return text !== undefined && /^[^:]*:/.test(text) && wildcardToRegExp(text).test('sts:AssumeRoleWithWebIdentity');
  }));
  return { webIdentity };
}

/** `statement 2 ("CrossAccount")` — the 1-based position readers count in the file. */
export function statementLabel(statement: Statement): string {
  return `statement ${statement.index + 1}${statement.sid !== undefined ? ` ("${statement.sid}")` : ''}`;
}

export interface RolePermissions {
  /** Administrator-like: every action, a whole service, or permissions management on every resource. */
  broad: boolean;
  /** What the role can do, for messages: `AdministratorAccess; s3:* on *`, or `undefined` when not known. */
  summary: string | undefined;
}

/**
 * A small summary of what a role may do, from the identity graph (its inline, attached and managed
 * policies): the name of each managed policy attached by ARN, and each Allow of `*`, `service:*` or a
 * permissions-management action on `Resource: "*"`. Plain trust-policy files have no role to read.
 */
export function rolePermissions(model: DocumentModel, trust: PolicyDocument): RolePermissions {
  const logicalId = trust.owner.resource?.logicalId;
  const role = logicalId === undefined ? undefined : identityGraph(model).principals.get(logicalId);
  if (role === undefined) return { broad: false, summary: undefined };
  const parts: string[] = [];
  let broad = false;
  for (const managed of role.managedPolicyArns) {
    const name = managed.arn?.split('/').pop();
    if (name === undefined) continue;
    parts.push(name);
    // AWS names its administrator-like managed policies this way; a customer policy named so is read the same.
    if (/^(AdministratorAccess|PowerUserAccess|IAMFullAccess)$|FullAccess$/.test(name)) broad = true;
  }
  for (const attachment of role.attachments) {
    // An AWS managed policy reads best by its name; its statements still decide whether it is broad.
    const managedName = attachment.via.startsWith('AWS managed policy ') ? attachment.via.slice('AWS managed policy '.length) : undefined;
    const before = parts.length;
    for (const statement of attachment.document.statements) {
      if (statement.effect !== 'Allow') continue;
      const onEverything = elementItems(statement, 'Resource').some((item) => item.values.some((v) => valueText(v) === '*'));
      if (statement.elements.NotAction !== undefined) {
        parts.push(`every action except those listed in NotAction${onEverything ? ' on *' : ''}`);
        broad = true;
        continue;
      }
      if (!onEverything) continue;
      for (const item of elementItems(statement, 'Action')) {
        for (const value of item.values) {
          const action = valueText(value);
          if (action === undefined) continue;
          if (action === '*' || /^[a-z0-9-]+:\*$/i.test(action)) {
            parts.push(`${action} on *`);
            broad = true;
          } else if (expandActionPattern(action).some((info) => info.accessLevels.includes('Permissions management'))) {
            parts.push(`${action} on *`);
            broad = true;
          }
        }
      }
    }
    if (managedName !== undefined) parts.splice(before, parts.length - before, managedName);
  }
  const unique = [...new Set(parts)];
  if (unique.length === 0) {
    const count = role.attachments.length;
    return { broad, summary: count === 0 ? 'no permissions defined in this template' : `${count} polic${count === 1 ? 'y' : 'ies'} scoped below administrator level` };
  }
  return { broad, summary: unique.slice(0, 4).join('; ') + (unique.length > 4 ? `; and ${unique.length - 4} more` : '') };
}

/** `— it gets AdministratorAccess` style suffix for messages; empty when nothing is known. */
export function whatTheyGet(permissions: RolePermissions): string {
  return permissions.summary === undefined ? '' : ` The role has: ${permissions.summary}.`;
}
