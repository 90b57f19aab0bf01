import { destinationPin, identityRestrictions } from '../../model/access-conditions.js';
import { conditionTests } from '../../model/conditions.js';
import type { Rule } from '../types.js';
import { resourceGrants } from '../../model/resource-grants.js';
import { describeActions, exposureOf } from './_exposure.js';

/**
 * A resource policy (or Lambda/layer/EventBridge permission) that allows anyone: `Principal: "*"`,
 * `{AWS: "*"}` or `NotPrincipal` with Allow, with no condition that really restricts the caller and no
 * Deny in the same policy that refuses callers outside a network, organisation or account. Graded by
 * what anyone gets: changing permissions or writing critical, reading high (see exposureOf). A statement
 * whose every action is pinned to named destinations (sns:Subscribe with sns:Endpoint = the owner's
 * queue) exposes nothing: anyone may only deliver the topic to the owner's own endpoint.
 */
export const publicResourcePolicy: Rule = {
  meta: {
    id: 'resource-exposure/public-resource-policy',
    title: 'Resource policy allows anyone',
    category: 'resource-exposure',
    severity: 'critical',
    why: 'A resource policy that allows "*" without a restricting condition opens the resource to every AWS account, and for S3, SQS, SNS, API Gateway and Lambda function URLs often to the whole internet.',
    fix: 'Name the accounts, roles or services that need access in Principal, or keep "*" only with a condition that pins the caller: aws:PrincipalOrgID, aws:SourceVpce, aws:SourceArn/aws:SourceAccount, aws:PrincipalAccount.',
    docs: 'docs/rules/resource-exposure/public-resource-policy.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    for (const grant of resourceGrants(model)) {
      if (identityRestrictions(grant.restrictions).length > 0 || grant.guardedByDeny !== undefined) continue;
      if (!grant.notAction && grant.statement !== undefined && destinationPin(conditionTests(grant.statement), grant.actions) !== undefined) continue;
      const exposure = exposureOf(grant);
      const ineffective = grant.ineffective[0];
      const note = ineffective === undefined ? '' : ` The condition ${ineffective.test.operator} ${ineffective.test.key} does not restrict: ${ineffective.reason}.`;
      for (const principal of grant.principals) {
        const anyone = principal.element === 'Principal' && principal.kind === 'anyone';
        const notPrincipal = principal.element === 'NotPrincipal';
        if (!anyone && !notPrincipal) continue;
        const who = anyone ? 'anyone (any AWS account, and anonymous callers where the service allows them)' : `everyone except ${principal.text ?? 'the principals in NotPrincipal'} (NotPrincipal with Allow)`;
        report({
          node: principal.node,
          severity: exposure.severity,
          message: `${grant.label} lets ${who} ${exposure.what} — ${describeActions(grant)} in ${grant.where}.${note}`,
          element: `${principal.element}:${principal.text ?? '*'}`,
        });
        if (notPrincipal) break; // one finding per NotPrincipal statement, not one per excluded principal
      }
    }
  },
};
