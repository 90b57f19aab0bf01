import { elementItems, type Statement } from '../../model/policy.js';
import type { Rule } from '../types.js';

/**
 * Allow of every action on every resource: administrator access. The first rule of the engine; the
 * least-privilege family extends the idea to NotAction and admin-equivalent managed policies.
 */
export const fullAdmin: Rule = {
  meta: {
    id: 'least-privilege/full-admin',
    title: 'Policy grants full administrator access',
    category: 'least-privilege',
    severity: 'critical',
    why: 'A principal allowed every action on every resource can read all data, create users and keys, and remove every other control: one stolen credential is the whole account.',
    fix: 'List the actions the workload calls and the ARNs it touches; start from IAM Access Analyzer policy generation or CloudTrail history.',
    docs: 'docs/rules/least-privilege/full-admin.md',
  },
  appliesTo: ['cloudformation', 'iam-policy'],
  check({ model, report }) {
    for (const policy of model.policies) {
      if (policy.kind !== 'identity') continue;
      for (const statement of policy.statements) {
        if (statement.effect !== 'Allow' || !allResources(statement)) continue;
        for (const item of elementItems(statement, 'Action')) {
          if (item.values.some((v) => v.kind === 'known' && v.value === '*')) {
            report({
              node: item.node,
              message: `${policy.owner.label} allows every action ("*") on every resource (statement ${statement.sid ?? statement.index + 1}): full administrator access.`,
              element: '*',
            });
          }
        }
      }
    }
  },
};

function allResources(statement: Statement): boolean {
  return elementItems(statement, 'Resource').some((item) => item.values.some((v) => v.kind === 'known' && v.value === '*'));
}
