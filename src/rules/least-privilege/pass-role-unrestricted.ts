import { actionMatches } from '../../aws-data/iam-data.js';
import { isStaticallyDenied } from '../../model/grants.js';
import { lowerSeverity, type Severity } from '../../findings/severity.js';
import { valueText } from '../../model/intrinsics.js';
import { isControlPlaneService } from './_service-holders.js';
import type { Rule } from '../types.js';
import { actionItemGrants, conditionNote, graded, holderText, isEverything, reportOffenses, serviceHeld, serviceHeldNote, type Offense } from './_grants.js';

/**
 * iam:PassRole on every role, or without an iam:PassedToService condition. PassRole is what lets a
 * principal hand a role to a service that runs code (EC2, Lambda, ECS, Glue…): on every role it is the
 * first half of most privilege escalation paths.
 */
export const passRoleUnrestricted: Rule = {
  meta: {
    id: 'least-privilege/pass-role-unrestricted',
    title: 'iam:PassRole on every role or to any service',
    category: 'least-privilege',
    severity: 'high',
    why: 'iam:PassRole on "*" lets the principal give any role of the account, including administrator roles, to an EC2 instance, Lambda function or container it controls; without iam:PassedToService the role can go to any service.',
    fix: 'Scope Resource to the ARNs of the roles the workload passes, and add a StringEquals condition on iam:PassedToService naming the service (e.g. lambda.amazonaws.com).',
    docs: 'docs/rules/least-privilege/pass-role-unrestricted.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    const offenses: Offense[] = [];
    for (const grant of actionItemGrants(model)) {
      if (grant.held.attachment.origin === 'implicit' || isEverything(grant.pattern) || !actionMatches(grant.pattern, 'iam:PassRole')) continue;
      if (grant.held.holders.length > 0 && grant.held.holders.every((h) => isStaticallyDenied(h, 'iam:PassRole'))) continue;
      // A Resource that names no role (arn:aws:s3:::*) passes none: judged on the resource types of AWS's data.
      if (!grant.namesResourceOf('iam:PassRole')) continue;
      const serviceTests = grant.scoping.filter((test) => test.key.toLowerCase() === 'iam:passedtoservice');
      const toService = serviceTests.length > 0;
      const otherScoping = grant.scoping.filter((test) => test.key.toLowerCase() !== 'iam:passedtoservice');
      // Passed only to services that use a role for their own work (DAX, Application Auto Scaling: the
      // PassRole of AmazonDynamoDBFullAccess), whatever role is passed runs no code a person writes.
      const receivers = [...new Set(serviceTests.flatMap((test) => test.values.map((value) => valueText(value) ?? '*')))];
      const toControlPlane = receivers.length > 0 && receivers.every(isControlPlaneService);
      const broad = grant.broadResourceNode('iam:PassRole') !== undefined;
      if (!broad && toService) continue;
      const base: Severity = broad ? (toService ? (toControlPlane ? 'low' : 'medium') : 'high') : 'low';
      // Held only by roles that AWS services assume for their own work (the EMR service role): no person passes with it.
      const services = serviceHeld(grant.held, model);
      const what = broad
        ? toService
          ? toControlPlane
            ? `on every role, only to ${receivers.join(', ')} (iam:PassedToService), which use${receivers.length === 1 ? 's' : ''} a role for ${receivers.length === 1 ? 'its' : 'their'} own work and run${receivers.length === 1 ? 's' : ''} no code a person writes`
            : 'on every role (limited to named services by iam:PassedToService)'
          : 'on every role, to any service'
        : 'without an iam:PassedToService condition';
      offenses.push({
        held: grant.held,
        statement: grant.statement,
        node: grant.node,
        severity: services.length > 0 ? lowerSeverity(graded(base, otherScoping), 2) : graded(base, otherScoping),
        actions: ['iam:PassRole'],
        element: grant.pattern.toLowerCase(),
        message: () =>
          `${holderText(grant.held)} allows iam:PassRole${grant.pattern.includes('*') ? ` (from ${grant.pattern})` : ''} ${what}. ${
            broad ? 'Scope Resource to the roles it passes (arn:${Partition}:iam::${Account}:role/${RoleNameWithPath})' : 'Add a StringEquals condition on iam:PassedToService'
          }${broad && !toService ? ' and add iam:PassedToService' : ''}.${conditionNote(otherScoping)}${serviceHeldNote(services)}`,
      });
    }
    reportOffenses(report, offenses);
  },
};
