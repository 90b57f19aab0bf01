import { actionMatches, expandActionPattern } from '../../aws-data/iam-data.js';
import { valueText } from '../../model/intrinsics.js';
import { elementItems, type Statement } from '../../model/policy.js';
import type { Rule } from '../types.js';
import { conditionNote, graded, heldAllowStatements, holderText, isEverything, listActions, reportOffenses, type Offense } from './_grants.js';
import { RESOURCE_EXPOSURE } from './_risk-actions.js';

/**
 * Administrator access, judged by content: an Allow of every action (`*`, `*:*`) or of everything but
 * a few actions (NotAction) on every resource (`*` or NotResource). Applies to written policies and to
 * attached AWS managed policies alike, so AdministratorAccess and PowerUserAccess are found by what
 * they grant, not by their names.
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
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    const offenses: Offense[] = [];
    for (const { held, statement, scoping, where } of heldAllowStatements(model)) {
      if (!onEveryResource(statement)) continue;
      const severity = graded('critical', scoping);
      for (const item of elementItems(statement, 'Action')) {
        if (!item.values.some((v) => v.kind === 'known' && typeof v.value === 'string' && isEverything(v.value))) continue;
        offenses.push({
          held,
          statement,
          node: item.node,
          severity,
          actions: ['*'],
          element: '*',
          message: () =>
            `${holderText(held)} allows every action ("*") on every resource (${where}): full administrator access.${conditionNote(scoping)}`,
        });
      }
      const notAction = statement.elements.NotAction;
      if (notAction !== undefined) {
        const excluded = excludedActions(statement);
        offenses.push({
          held,
          statement,
          node: notAction,
          severity,
          actions: ['NotAction'],
          element: 'NotAction',
          message: () =>
            `${holderText(held)} allows every action except ${excluded.length > 0 ? listActions(excluded) : 'the listed ones'} on every resource (Allow with NotAction, ${where}): ${whatRemains(statement, excluded)}. List the allowed actions with Action instead.${conditionNote(scoping)}`,
        });
      }
    }
    reportOffenses(report, offenses);
  },
};

/** Resource `*` exactly, or NotResource (everything but a few resources). */
function onEveryResource(statement: Statement): boolean {
  if (statement.elements.Resource === undefined) return statement.elements.NotResource !== undefined;
  return elementItems(statement, 'Resource').some((item) => item.values.some((v) => v.kind === 'known' && v.value === '*'));
}

/**
 * What a NotAction grant still includes, from AWS's action data: how many of the actions AWS publishes,
 * and whether IAM's permissions management (with which the holder grants itself the rest) is among them.
 */
function whatRemains(statement: Statement, excluded: readonly string[]): string {
  const unresolved = elementItems(statement, 'NotAction').some((item) => item.values.some((value) => value.kind !== 'known'));
  if (unresolved) return 'nearly every action AWS has (some excluded actions are not known until deployment)';
  const all = expandActionPattern('*');
  const included = all.filter((action) => !excluded.some((pattern) => actionMatches(pattern, action.name)));
  // The ones that open resources to others first (s3:PutBucketPolicy, kms:PutKeyPolicy), then AWS's order.
  const permissions = included
    .filter((action) => action.accessLevels.includes('Permissions management'))
    .sort((a, b) => Number(RESOURCE_EXPOSURE.has(b.key)) - Number(RESOURCE_EXPOSURE.has(a.key)));
  const iam = permissions.filter((action) => action.service === 'iam');
  const counted = `${included.length} of the ${all.length} actions AWS publishes`;
  if (iam.length > 0) return `administrator-equivalent access (${counted}, IAM permissions management among them: ${listActions(iam.map((a) => a.name), 3)})`;
  if (permissions.length > 0) return `${counted}, including permissions management (${listActions(permissions.map((a) => a.name), 3)}) though not IAM's`;
  return `${counted}, none of them permissions management`;
}

function excludedActions(statement: Statement): string[] {
  return elementItems(statement, 'NotAction').flatMap((item) => item.values.map(valueText).filter((t): t is string => t !== undefined));
}

