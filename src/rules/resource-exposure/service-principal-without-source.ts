import type { Rule } from '../types.js';
import { CONFUSED_DEPUTY_DATA, confusedDeputyService } from '../../aws-data/confused-deputy-services.js';
import { resourceGrants } from '../../model/resource-grants.js';
import { describeActions } from './_exposure.js';
import type { ConditionTest } from '../../model/conditions.js';
import { CLOUDFORMATION_VOCABULARY } from '../../model/vocabulary.js';
import { renderWording } from '../../model/wording.js';

/**
 * Services that act for every customer with one service principal and set aws:SourceArn /
 * aws:SourceAccount on the requests they make for a resource: a resource policy trusting one of them
 * without those conditions lets the service act on behalf of any account (the confused deputy). The list
 * is src/aws-data/confused-deputy-services.json, each principal with the AWS page that documents its
 * resource policy and the keys; services that only ever act inside the caller's account (ec2, lambda as
 * a principal) are not on it.
 *
 * A grant to a service principal conditioned on aws:PrincipalOrgID (Terraform's principal_org_id) is no
 * deputy: the service is in no organization, so the grant never matches. That is reported low, as broken.
 */
export const CONFUSED_DEPUTY_SERVICES: readonly string[] = CONFUSED_DEPUTY_DATA.map((entry) => entry.service);

/** The fix, written once for every language (src/model/wording.ts): a Lambda permission names the source in arguments of its own. */
const FIX =
  'Add Condition ArnLike aws:SourceArn with the ARN of your resource that the service acts for, and/or StringEquals aws:SourceAccount with your account id (for {{cloudformation: AWS::Lambda::Permission | terraform: aws_lambda_permission}}: the {{field:SourceArn}} and {{field:SourceAccount}} {{cloudformation: properties | terraform: arguments}}).';

export const servicePrincipalWithoutSource: Rule = {
  meta: {
    id: 'resource-exposure/service-principal-without-source',
    title: 'Service principal without aws:SourceArn or aws:SourceAccount (confused deputy)',
    category: 'resource-exposure',
    severity: 'medium',
    why: 'A service principal such as s3.amazonaws.com or sns.amazonaws.com acts for every AWS customer; without aws:SourceArn or aws:SourceAccount, another account can make the service use your resource on its behalf.',
    fix: renderWording(FIX, CLOUDFORMATION_VOCABULARY),
    remedy: (words) => renderWording(FIX, words),
    docs: 'docs/rules/resource-exposure/service-principal-without-source.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    for (const grant of resourceGrants(model)) {
      const membership = [...grant.restrictions.map((r) => r.test), ...grant.ineffective.map((i) => i.test)].find(requiresOrganizationMember);
      if (membership !== undefined) {
        for (const principal of grant.principals) {
          if (principal.element !== 'Principal' || principal.kind !== 'service' || principal.service === undefined) continue;
          const properties = grant.statement === undefined;
          const field = (name: string) => (grant.resource !== undefined ? grant.resource.vocabulary.field(grant.resource, name) : name);
          report({
            node: principal.node,
            severity: 'low',
            message: `${grant.label} lets the AWS service ${principal.text} ${describeActions(grant)} (${grant.where}) only with ${membership.operator} ${membership.key}, but a service principal belongs to no organization: the key is absent when ${principal.text} calls, so ${properties ? 'the permission' : 'the statement'} never matches and the service cannot use it.`,
            element: `${principal.text ?? principal.service}:${membership.key}`,
            remediation: `To let ${principal.text} act only for your organization's resources, replace ${membership.key} with ${properties ? `the permission's ${field('SourceAccount')} or ${field('SourceArn')}` : 'StringEquals aws:SourceOrgID (or aws:SourceAccount, ArnLike aws:SourceArn)'}: the service sets those keys for the resource it acts for.`,
          });
        }
        continue;
      }
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

/**
 * A test that passes only when the caller belongs to an organization: aws:PrincipalOrgID/OrgPaths with a
 * positive operator, no IfExists and no ForAllValues (both pass when the key is absent). AWS puts the
 * key in the request only for principals of an organization, which a service principal never is, so a
 * statement for a service with it never matches (AWS's answer for services is aws:SourceOrgID).
 */
function requiresOrganizationMember(test: ConditionTest): boolean {
  const key = test.key.toLowerCase();
  if (key !== 'aws:principalorgid' && key !== 'aws:principalorgpaths') return false;
  return !test.ifExists && test.qualifier !== 'ForAllValues' && /^String(Equals|EqualsIgnoreCase|Like)$/.test(test.baseOperator);
}
