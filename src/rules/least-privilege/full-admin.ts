import { valueText } from '../../model/intrinsics.js';
import { elementItems, type Statement } from '../../model/policy.js';
import type { Rule } from '../types.js';
import { conditionNote, graded, heldAllowStatements, holderText, isEverything, listActions, reportOffenses, type Offense } from './_grants.js';

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
  appliesTo: ['cloudformation', 'iam-policy'],
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
            `${holderText(held)} allows every action except ${excluded.length > 0 ? listActions(excluded) : 'the listed ones'} on every resource (Allow with NotAction, ${where}): administrator-equivalent access. List the allowed actions with Action instead.${conditionNote(scoping)}`,
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

function excludedActions(statement: Statement): string[] {
  return elementItems(statement, 'NotAction').flatMap((item) => item.values.map(valueText).filter((t): t is string => t !== undefined));
}

