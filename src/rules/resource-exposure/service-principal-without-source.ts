import type { Rule } from '../types.js';
import { describeActions, resourceGrants } from './_grants.js';

/**
 * Services that act for every customer with one service principal and set aws:SourceArn /
 * aws:SourceAccount on the requests they make for a resource: a resource policy trusting one of them
 * without those conditions lets the service act on behalf of any account (the confused deputy). The
 * list is trustgate's decision, documented on the rule page; services that only ever act inside the
 * caller's account (ec2, lambda as a principal) are not on it.
 */
export const CONFUSED_DEPUTY_SERVICES: readonly string[] = [
  'apigateway',
  'backup',
  'budgets',
  // Macros (a Lambda permission for cloudformation.amazonaws.com) and Hooks: AWS CloudFormation User Guide,
  // "Cross-service confused deputy prevention" (AWSCloudFormation/latest/UserGuide/cross-service-confused-deputy-prevention.html).
  'cloudformation',
  'hooks.cloudformation',
  'resources.cloudformation',
  'cloudfront',
  'cloudtrail',
  'cloudwatch',
  'codestar-notifications',
  'config',
  'delivery.logs',
  'elasticloadbalancing',
  'events',
  'firehose',
  'guardduty',
  'iot',
  'logdelivery.elasticloadbalancing',
  'logs',
  'pipes',
  's3',
  'scheduler',
  'securityhub',
  'serverlessrepo',
  'ses',
  'sns',
  'ssm',
];

export const servicePrincipalWithoutSource: Rule = {
  meta: {
    id: 'resource-exposure/service-principal-without-source',
    title: 'Service principal without aws:SourceArn or aws:SourceAccount (confused deputy)',
    category: 'resource-exposure',
    severity: 'medium',
    why: 'A service principal such as s3.amazonaws.com or sns.amazonaws.com acts for every AWS customer; without aws:SourceArn or aws:SourceAccount, another account can make the service use your resource on its behalf.',
    fix: 'Add Condition ArnLike aws:SourceArn with the ARN of your resource that the service acts for, and/or StringEquals aws:SourceAccount with your account id (for AWS::Lambda::Permission: the SourceArn and SourceAccount properties).',
    docs: 'docs/rules/resource-exposure/service-principal-without-source.md',
  },
  appliesTo: ['cloudformation', 'iam-policy'],
  check({ model, report }) {
    for (const grant of resourceGrants(model)) {
      const pinned = grant.restrictions.some((r) => r.kind === 'account' || r.kind === 'source-arn' || r.kind === 'organization' || r.kind === 'network');
      if (pinned) continue;
      for (const principal of grant.principals) {
        if (principal.element !== 'Principal' || principal.kind !== 'service' || principal.service === undefined) continue;
        if (!CONFUSED_DEPUTY_SERVICES.includes(principal.service)) continue;
        const ineffective = grant.ineffective.find((i) => /source/i.test(i.test.key));
        report({
          node: principal.node,
          message: `${grant.label} lets the AWS service ${principal.text} ${describeActions(grant)} (${grant.where}) without aws:SourceArn or aws:SourceAccount${ineffective !== undefined ? ` (the condition on ${ineffective.test.key} does not count: ${ineffective.reason})` : ''}: the service may do so on behalf of any AWS account.`,
          element: principal.text ?? principal.service,
        });
      }
    }
  },
};
