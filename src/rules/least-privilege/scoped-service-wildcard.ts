import { expandActionPattern, type ActionInfo } from '../../aws-data/iam-data.js';
import type { Rule } from '../types.js';
import { valueText } from '../../model/intrinsics.js';
import { elementItems, type Statement } from '../../model/policy.js';
import { actionItemGrants, conditionNote, graded, holderText, isEverything, isWritten, listActions, reportOffenses, type Offense } from './_grants.js';

/** Write actions that destroy or detach what they act on, by AWS's action names. */
const DESTRUCTIVE = /^(Delete|Terminate|Remove|Purge|Destroy|Deregister|Detach|Disassociate|Stop|Reset|Revoke|Cancel)/;

/**
 * `svc:*` on resources the statement names (`rds:*` on `arn:aws:rds:*:*:db:test*`): not every resource,
 * but every action on those, today's and tomorrow's. Judged on the actions that accept the named
 * resource types (AWS's service data): medium when they include permissions management (who can reach
 * the resource) or destructive actions, low otherwise. Below the blocking threshold by default: the
 * resources are named. `svc:*` on every resource is least-privilege/service-wildcard's.
 */
export const scopedServiceWildcard: Rule = {
  meta: {
    id: 'least-privilege/scoped-service-wildcard',
    title: 'Service wildcard on named resources',
    category: 'least-privilege',
    severity: 'medium',
    why: 'A service wildcard on a few resources still grants deleting them, changing who can reach them and every action AWS adds later; the workload rarely needs more than a handful of reads and writes.',
    fix: 'List the actions the workload calls on those resources instead of svc:*; keep delete and permission-changing actions for the pipeline that owns the resources.',
    docs: 'docs/rules/least-privilege/scoped-service-wildcard.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    const offenses: Offense[] = [];
    for (const grant of actionItemGrants(model)) {
      if (!isWritten(grant.held)) continue;
      // `*` on named ARNs is every action of their services on them: judged as each service's wildcard.
      const patterns = isEverything(grant.pattern) ? servicesNamedBy(grant.statement).map((s) => `${s}:*`) : [grant.pattern];
      for (const pattern of patterns) {
      if (!/^[a-z0-9-]+:\*$/i.test(pattern)) continue;
      const all = expandActionPattern(pattern);
      // On every resource: service-wildcard's finding (and full-admin's for "*" on "*").
      if (all.some((a) => grant.broadResourceNode(a.name) !== undefined)) continue;
      const granted = all.filter((a) => a.resourceTypes.length > 0 && grant.namesResourceOf(a.name));
      if (granted.length === 0) continue;
      const permissions = granted.filter((a) => a.accessLevels.includes('Permissions management'));
      const destructive = granted.filter((a) => !permissions.includes(a) && DESTRUCTIVE.test(a.name.slice(a.name.indexOf(':') + 1)));
      const base = permissions.length > 0 || destructive.length > 0 ? 'medium' : 'low';
      offenses.push({
        held: grant.held,
        statement: grant.statement,
        node: grant.node,
        severity: graded(base, grant.scoping),
        actions: [pattern],
        element: pattern.toLowerCase(),
        message: (merged) =>
          `${holderText(grant.held)} allows ${merged.length > 1 ? listActions(merged) : grant.pattern === pattern ? pattern : `"*" (every ${pattern.split(':')[0]} action)`} on the resources it names: ${granted.length} actions of the service apply to them${describe(permissions, destructive)}. List the actions it calls.${conditionNote(grant.scoping)}`,
      });
      }
    }
    reportOffenses(report, offenses);
  },
};

/** Services of the ARNs a statement's Resource names (`arn:aws:s3:::reports/*` → s3). */
function servicesNamedBy(statement: Statement): string[] {
  const services = new Set<string>();
  for (const item of elementItems(statement, 'Resource')) {
    for (const value of item.values) {
      const service = valueText(value)?.split(':')[2];
      if (service !== undefined && /^[a-z0-9-]+$/.test(service)) services.add(service);
    }
  }
  return [...services];
}

function describe(permissions: readonly ActionInfo[], destructive: readonly ActionInfo[]): string {
  const parts: string[] = [];
  if (permissions.length > 0) parts.push(`permission changes (${listActions(permissions.map((a) => a.name), 3)})`);
  if (destructive.length > 0) parts.push(`destructive actions (${listActions(destructive.map((a) => a.name), 3)})`);
  return parts.length === 0 ? '' : `, including ${parts.join(' and ')}`;
}
