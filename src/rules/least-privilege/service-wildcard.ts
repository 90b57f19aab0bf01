import { expandActionPattern } from '../../aws-data/iam-data.js';
import type { Rule } from '../types.js';
import { actionItemGrants, conditionNote, graded, holderText, isWritten, listActions, narrowingAdvice, reportOffenses, type Offense } from './_grants.js';

/**
 * `svc:*` on every resource: every action of a service, today's and tomorrow's. High when the service
 * has permissions-management actions (the wildcard can rewrite resource policies or IAM), medium
 * otherwise. In AWS managed policies and SAM policy templates only the high case is reported: their
 * other service wildcards (ssmmessages:*, xray:*) are AWS's design and carry no permissions management.
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
  appliesTo: ['cloudformation', 'iam-policy'],
  check({ model, report }) {
    const offenses: Offense[] = [];
    for (const grant of actionItemGrants(model)) {
      if (grant.held.attachment.origin === 'implicit') continue;
      const match = /^([a-z0-9-]+):\*$/i.exec(grant.pattern);
      if (match === null) continue;
      const actions = grant.broadActions();
      if (actions.length === 0) continue;
      const permissions = actions.filter((a) => a.accessLevels.includes('Permissions management'));
      if (permissions.length === 0 && !isWritten(grant.held)) continue;
      const base = permissions.length > 0 ? 'high' : 'medium';
      const total = expandActionPattern(grant.pattern).length;
      offenses.push({
        held: grant.held,
        statement: grant.statement,
        node: grant.node,
        severity: graded(base, grant.scoping),
        actions: [grant.pattern],
        element: grant.pattern.toLowerCase(),
        message: (merged) =>
          merged.length > 1
            ? `${holderText(grant.held)} allows ${listActions(merged)} on every resource: every action of these services, including permissions management. List the actions it calls.`
            : `${holderText(grant.held)} allows ${grant.pattern} on every resource: all ${total} actions of the service${
                permissions.length > 0 ? `, including permissions management (${listActions(permissions.map((a) => a.name), 3)})` : ''
              }. List the actions it calls.${narrowingAdvice(actions)}${conditionNote(grant.scoping)}`,
      });
    }
    reportOffenses(report, offenses);
  },
};
