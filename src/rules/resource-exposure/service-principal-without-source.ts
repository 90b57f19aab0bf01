import type { Rule } from '../types.js';
import { CONFUSED_DEPUTY_DATA, confusedDeputyService } from '../../aws-data/confused-deputy-services.js';
import { resourceGrants } from '../../model/resource-grants.js';
import { describeActions } from './_exposure.js';

/**
 * Services that act for every customer with one service principal and set aws:SourceArn /
 * aws:SourceAccount on the requests they make for a resource: a resource policy trusting one of them
 * without those conditions lets the service act on behalf of any account (the confused deputy). The list
 * is src/aws-data/confused-deputy-services.json, each principal with the AWS page that documents its
 * resource policy and the keys; services that only ever act inside the caller's account (ec2, lambda as
 * a principal) are not on it.
 */
export const CONFUSED_DEPUTY_SERVICES: readonly string[] = CONFUSED_DEPUTY_DATA.map((entry) => entry.service);

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
        const deputy = confusedDeputyService(principal.service);
        if (deputy === undefined) continue;
        const ineffective = grant.ineffective.find((i) => /source/i.test(i.test.key));
        report({
          node: principal.node,
          message: `${grant.label} lets the AWS service ${principal.text} ${describeActions(grant)} (${grant.where}) without aws:SourceArn or aws:SourceAccount${ineffective !== undefined ? ` (the condition on ${ineffective.test.key} does not count: ${ineffective.reason})` : ''}: the service may do so on behalf of any AWS account.`,
          element: principal.text ?? principal.service,
          remediation: `${deputy.principal} acts for every AWS account (${deputy.for}): pin it to ${deputy.pin} with ${grant.statement === undefined ? "the permission's SourceArn and SourceAccount properties (source_arn, source_account in Terraform)" : 'Condition ArnLike aws:SourceArn and StringEquals aws:SourceAccount (or aws:SourceOrgID)'}, as AWS documents at ${deputy.source}.`,
        });
      }
    }
  },
};
