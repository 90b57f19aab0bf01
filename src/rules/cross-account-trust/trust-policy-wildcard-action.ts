import { valueText } from '../../model/intrinsics.js';
import { elementItems } from '../../model/policy.js';
import type { Rule } from '../types.js';
import { statementLabel, trustStatements } from './_trust.js';

/**
 * `Action: "*"`, `sts:*` (or another wildcard over sts) or `NotAction` in a trust policy: the trusted
 * principals get every way in (AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML) and may
 * also tag sessions and set source identities, which other policies may rely on.
 */
export const trustPolicyWildcardAction: Rule = {
  meta: {
    id: 'cross-account-trust/trust-policy-wildcard-action',
    title: 'Trust policy allows wildcard actions',
    category: 'cross-account-trust',
    severity: 'medium',
    why: 'A trust policy should allow the one assume action its principal uses; "*" or sts:* also allows session tagging and source identity changes that attribute-based access control and auditing rely on.',
    fix: 'List the exact actions: sts:AssumeRole for AWS principals and services, sts:AssumeRoleWithWebIdentity for OIDC, sts:AssumeRoleWithSAML for SAML, plus sts:TagSession only when needed.',
    docs: 'docs/rules/cross-account-trust/trust-policy-wildcard-action.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    for (const statement of trustStatements(model)) {
      const label = `${statement.document.owner.label} (${statementLabel(statement)})`;
      if (statement.elements.NotAction !== undefined) {
        report({ node: statement.elements.NotAction, message: `${label} allows every action except those in NotAction to its principals.`, element: 'NotAction' });
      }
      for (const item of elementItems(statement, 'Action')) {
        const wildcard = item.values.map(valueText).find((text) => text !== undefined && (text === '*' || /^sts:[^:]*\*/i.test(text) || /^[^:]*[*?][^:]*:/.test(text)));
        if (wildcard === undefined) continue;
        report({ node: item.node, message: `${label} allows "${wildcard}" to its principals: every assume, tagging and source-identity action instead of the one needed.`, element: wildcard });
      }
    }
  },
};
