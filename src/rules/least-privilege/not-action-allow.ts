import { valueText } from '../../model/intrinsics.js';
import { elementItems, type Statement } from '../../model/policy.js';
import type { Rule } from '../types.js';
import { conditionNote, graded, heldAllowStatements, holderText, isEverything, listActions, reportOffenses, type Offense } from './_grants.js';

/**
 * Allow with NotAction or NotResource: an allow-list written as a deny-list, which grants every action
 * (or resource) AWS adds later. NotAction on every resource is full-admin's finding; this rule reports
 * NotAction scoped to some resources, and NotResource with listed actions.
 */
export const notActionAllow: Rule = {
  meta: {
    id: 'least-privilege/not-action-allow',
    title: 'Allow statement uses NotAction or NotResource',
    category: 'least-privilege',
    severity: 'high',
    why: 'NotAction and NotResource in an Allow grant everything except what is listed, including every action and resource AWS adds in the future; the grant is far larger than it reads.',
    fix: 'Turn the statement around: list the actions in Action and the ARNs in Resource. Keep NotAction/NotResource for Deny statements.',
    docs: 'docs/rules/least-privilege/not-action-allow.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    const offenses: Offense[] = [];
    for (const { held, statement, scoping, where } of heldAllowStatements(model)) {
      const notAction = statement.elements.NotAction;
      if (notAction !== undefined && !onEveryResource(statement)) {
        const excluded = texts(statement, 'NotAction');
        offenses.push({
          held,
          statement,
          node: notAction,
          severity: graded('high', scoping),
          actions: ['NotAction'],
          element: 'NotAction',
          message: () =>
            `${holderText(held)} allows every action except ${listActions(excluded)} on ${listActions(texts(statement, 'Resource'), 2)} (${where}). List the actions it needs in Action instead.${conditionNote(scoping)}`,
        });
      }
      const notResource = statement.elements.NotResource;
      const actions = texts(statement, 'Action');
      if (notResource !== undefined && notAction === undefined && !actions.some(isEverything)) {
        offenses.push({
          held,
          statement,
          node: notResource,
          severity: graded('high', scoping),
          actions,
          element: 'NotResource',
          message: (merged) =>
            `${holderText(held)} allows ${listActions(merged)} on every resource except ${listActions(texts(statement, 'NotResource'), 2)} (Allow with NotResource, ${where}). List the ARNs it needs in Resource instead.${conditionNote(scoping)}`,
        });
      }
    }
    reportOffenses(report, offenses);
  },
};

function onEveryResource(statement: Statement): boolean {
  if (statement.elements.Resource === undefined) return statement.elements.NotResource !== undefined;
  return elementItems(statement, 'Resource').some((item) => item.values.some((v) => v.kind === 'known' && v.value === '*'));
}

function texts(statement: Statement, element: 'Action' | 'NotAction' | 'Resource' | 'NotResource'): string[] {
  return elementItems(statement, element).flatMap((item) => item.values.map(valueText).filter((t): t is string => t !== undefined));
}
