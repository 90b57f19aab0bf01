import { expandActionPattern } from '../../aws-data/iam-data.js';
import type { Rule } from '../types.js';
import { RESOURCE_EXPOSURE } from './_risk-actions.js';
import { actionItemGrants, conditionNote, graded, holderText, isWritten, listActions, narrowingAdvice, reportOffenses, type Offense } from './_grants.js';

/**
 * `svc:*` on every resource: every action of a service, today's and tomorrow's. High when the service
 * has permissions-management actions (the wildcard can rewrite resource policies or IAM), medium
 * otherwise (AWS's access levels decide, never the pattern). In AWS managed policies and SAM policy
 * templates only the high case is reported: their other service wildcards (ssmmessages:*, xray:*) are
 * AWS's design and carry no permissions management.
 */
export const serviceWildcard: Rule = {
  meta: {
    id: 'least-privilege/service-wildcard',
    title: 'Policy grants every action of a service on every resource',
    category: 'least-privilege',
    severity: 'high',
    why: 'A service-wide wildcard such as s3:* or dynamodb:* grants deletion, policy changes and every action AWS adds to the service later, on every resource of the account.',
    fix: 'Replace svc:* with the actions the workload calls and scope Resource to its ARNs.',
    docs: 'docs/rules/least-privilege/service-wildcard.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    const offenses: Offense[] = [];
    // What each wildcard of a statement (or of a document not written in the file) grants, from AWS's
    // action data: a merged message about several wildcards says what each of them includes.
    const grantedBy = new Map<unknown, Map<string, WildcardGrant>>();
    for (const grant of actionItemGrants(model)) {
      if (grant.held.attachment.origin === 'implicit') continue;
      const match = /^([a-z0-9-]+):\*$/i.exec(grant.pattern);
      if (match === null) continue;
      const actions = grant.broadActions();
      if (actions.length === 0) continue;
      // The ones that open resources to others first (s3:PutBucketPolicy before s3:BypassGovernanceRetention).
      const permissions = actions
        .filter((a) => a.accessLevels.includes('Permissions management'))
        .sort((a, b) => Number(RESOURCE_EXPOSURE.has(b.key)) - Number(RESOURCE_EXPOSURE.has(a.key)));
      if (permissions.length === 0 && !isWritten(grant.held)) continue;
      // A service none of whose actions takes a resource ARN (ec2messages, ssmmessages) cannot be scoped
      // by Resource at all: the wildcard adds only the service's future actions, hygiene rather than risk.
      const scopable = actions.some((a) => a.resourceTypes.length > 0);
      const base = permissions.length > 0 ? 'high' : scopable ? 'medium' : 'low';
      const total = expandActionPattern(grant.pattern).length;
      const scope = isWritten(grant.held) ? grant.statement : grant.held.document;
      let inScope = grantedBy.get(scope);
      if (inScope === undefined) grantedBy.set(scope, (inScope = new Map()));
      inScope.set(grant.pattern.toLowerCase(), { total, permissions: permissions.map((a) => a.name), scopable });
      offenses.push({
        held: grant.held,
        statement: grant.statement,
        node: grant.node,
        severity: graded(base, grant.scoping),
        actions: [grant.pattern],
        element: grant.pattern.toLowerCase(),
        message: (merged) =>
          merged.length > 1
            ? `${holderText(grant.held)} allows ${listActions(merged)} on every resource: ${describeWildcards(merged, inScope)}. List the actions it calls.${conditionNote(grant.scoping)}`
            : `${holderText(grant.held)} allows ${grant.pattern} on every resource: all ${total} actions of the service${
                permissions.length > 0 ? `, including permissions management (${listActions(permissions.map((a) => a.name), 3)})` : ''
              }${scopable ? '' : UNSCOPABLE}. List the actions it calls.${narrowingAdvice(actions)}${conditionNote(grant.scoping)}`,
      });
    }
    reportOffenses(report, offenses);
  },
};

/** What one service wildcard grants on every resource, from AWS's action data. */
interface WildcardGrant {
  total: number;
  /** Its actions at the Permissions management access level. */
  permissions: string[];
  /** Some of its actions take a resource ARN. */
  scopable: boolean;
}

const UNSCOPABLE = '; none of them can be scoped to a resource (AWS accepts only "*" for them), so the wildcard adds only actions AWS adds later';

/**
 * `all 13 actions of these services` or `all 180 actions of these services, including permissions
 * management (s3:PutBucketPolicy, …)`: only the wildcards whose service has such actions are said to.
 */
function describeWildcards(patterns: readonly string[], granted: ReadonlyMap<string, WildcardGrant>): string {
  const grants = patterns.map((pattern) => granted.get(pattern.toLowerCase()));
  const total = grants.reduce((sum, grant) => sum + (grant?.total ?? 0), 0);
  const permissions = grants.flatMap((grant) => grant?.permissions ?? []);
  const scopable = grants.some((grant) => grant?.scopable !== false);
  return `all ${total} actions of these services${permissions.length > 0 ? `, including permissions management (${listActions(permissions, 3)})` : ', none of them permissions management'}${scopable ? '' : UNSCOPABLE}`;
}
