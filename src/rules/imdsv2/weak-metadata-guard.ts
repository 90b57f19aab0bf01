import type { Rule } from '../types.js';
import { metadataGuards, RECOMMENDED_GUARD } from './_metadata-guards.js';

/**
 * An IAM policy or SCP that means to stop IMDSv1 through the EC2 metadata condition keys but is written
 * so that IMDSv1 launches or IMDSv1 credentials get through: `StringEquals "optional"` (misses launches
 * that do not mention HttpTokens), `…IfExists` on an Allow, inverted values.
 */
export const weakMetadataGuard: Rule = {
  meta: {
    id: 'imdsv2/weak-metadata-guard',
    title: 'IMDSv2 guard policy lets IMDSv1 through',
    category: 'imdsv2',
    severity: 'medium',
    why: 'A guard that looks right but is not is worse than none: reviewers rely on it, while instances that allow IMDSv1 (or credentials delivered through IMDSv1) still pass.',
    fix: 'Deny ec2:RunInstances on arn:aws:ec2:*:*:instance/* with "StringNotEquals": {"ec2:MetadataHttpTokens": "required"}; deny "*" with "NumericLessThan": {"ec2:RoleDelivery": "2.0"}.',
    docs: 'docs/rules/imdsv2/weak-metadata-guard.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    for (const guard of metadataGuards(model)) {
      if (guard.verdict !== 'weak' || guard.weakness === undefined) continue;
      const statement = guard.statement;
      report({
        node: guard.weakness.node,
        message: `${statement.document.owner.label} (statement ${statement.sid ?? statement.index + 1}) ${guard.summary}: ${guard.weakness.reason}.`,
        element: `${guard.key}:${guard.test.operator}`,
        remediation: `${weakMetadataGuard.meta.fix} ${RECOMMENDED_GUARD}`,
      });
    }
  },
};
