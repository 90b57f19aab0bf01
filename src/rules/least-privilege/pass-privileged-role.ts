import { wildcardToRegExp } from '../../aws-data/iam-data.js';
import { identityPrincipals, principalAllows, type GrantMatch } from '../../model/grants.js';
import type { IdentityPrincipal } from '../../model/identity-graph.js';
import { probeRoleArn } from '../../model/role-arn.js';
import { valueText } from '../../model/intrinsics.js';
import { statementPrincipals } from '../../model/principals.js';
import type { DocumentModel } from '../../model/document-model.js';
import type { Rule } from '../types.js';
import { isEverything, listActions } from './_grants.js';
import { ESCALATION_METHODS, type EscalationMethod } from './privilege-escalation.js';

/** Grants that make a role privileged: each alone lets the role make itself (or anyone) administrator. */
const PRIVILEGE_ACTIONS = ['iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:CreatePolicyVersion', 'iam:AttachUserPolicy', 'iam:CreateAccessKey', 'iam:UpdateAssumeRolePolicy'] as const;

/**
 * Escalation through a role of the same template: `iam:PassRole` on a pattern (not `*`, which
 * pass-role-unrestricted and privilege-escalation judge) that matches a privileged role defined here,
 * together with the actions that run code with it (lambda:CreateFunction + InvokeFunction, ec2:RunInstances,
 * …, the published paths of privilege-escalation), to a service the role trusts.
 */
export const passPrivilegedRole: Rule = {
  meta: {
    id: 'least-privilege/pass-privileged-role',
    title: 'Principal can pass a privileged role of the template to code it runs',
    category: 'least-privilege',
    severity: 'high',
    why: 'iam:PassRole scoped to a name pattern is only as safe as the roles the pattern matches: when it matches a role that can rewrite IAM, and the principal can start code with a role (a Lambda function, an instance, a task), that code runs with the privileged role.',
    fix: 'Scope iam:PassRole to the roles the workload really passes (their ARNs), add iam:PassedToService, and keep privileged roles out of the names it matches.',
    docs: 'docs/rules/least-privilege/pass-privileged-role.md',
  },
  appliesTo: ['resources'],
  check({ model, report }) {
    const template = model.template;
    if (template === undefined) return;
    const principals = identityPrincipals(model);
    const privileged = principals.filter((p) => p.kind === 'role').flatMap((role) => {
      const actions = PRIVILEGE_ACTIONS.filter((action) => principalAllows(model, role, action).length > 0);
      return actions.length === 0 ? [] : [{ role, actions, arn: probeRoleArn(model, role), trusts: trustedServices(model, role) }];
    });
    if (privileged.length === 0) return;
    for (const principal of principals) {
      // PassRole on every role is pass-role-unrestricted's and privilege-escalation's.
      if (principalAllows(model, principal, 'iam:PassRole').some((m) => !isEverything(m.actionPattern))) continue;
      for (const target of privileged) {
        if (target.role === principal) continue;
        const passes = principalAllows(model, principal, 'iam:PassRole', target.arn).filter((m) => !isEverything(m.actionPattern));
        if (passes.length === 0) continue;
        const method = ESCALATION_METHODS.find((m) => usable(model, principal, m, passes, target.trusts));
        if (method === undefined) continue;
        const pass = passes.find((m) => passesTo(m, method))!;
        report({
          node: pass.actionNode,
          resource: principal.resource.type === '' ? undefined : principal.logicalId,
          message:
            `${principal.label} can pass role ${target.role.logicalId} to ${method.passedTo!.service} and ${method.name.replace(/ with a privileged role/, '')} (${listActions(method.actions)}): ` +
            `its iam:PassRole (${pass.actionPattern} in ${pass.attachment.via}) matches ${target.role.logicalId}, which may ${listActions([...target.actions])} on every resource. The code it starts runs with a role that can make itself administrator.`,
          related: [{ node: target.role.resource.keyNode, message: `${target.role.label} may ${listActions([...target.actions])} and trusts ${method.passedTo!.service}` }],
          element: `${target.role.logicalId}/${method.passedTo!.service}`,
        });
        break;
      }
    }
  },
};

function usable(model: DocumentModel, principal: IdentityPrincipal, method: EscalationMethod, passes: GrantMatch[], trusts: string[]): boolean {
  const target = method.passedTo;
  if (target === undefined || !trusts.includes(target.service)) return false;
  if (!passes.some((m) => passesTo(m, method))) return false;
  return method.actions.filter((a) => a !== 'iam:PassRole').every((action) => principalAllows(model, principal, action).length > 0);
}

/** iam:PassedToService, when the PassRole statement tests it, must admit the method's service. */
function passesTo(match: GrantMatch, method: EscalationMethod): boolean {
  const service = method.passedTo?.service;
  if (service === undefined) return false;
  return match.scopingConditions.every((test) => {
    if (test.key.toLowerCase() !== 'iam:passedtoservice') return true;
    return test.values.some((value) => {
      const text = valueText(value);
      return text !== undefined && wildcardToRegExp(text.toLowerCase()).test(service);
    });
  });
}

/** The service principals the role's trust policy lets in (`lambda.amazonaws.com`). */
function trustedServices(model: DocumentModel, role: IdentityPrincipal): string[] {
  const trust = role.trust;
  if (trust === undefined) return [];
  return trust.statements
    .filter((s) => s.effect === 'Allow')
    .flatMap((s) => statementPrincipals(s, model.template))
    .flatMap((p) => (p.kind === 'service' && p.text !== undefined ? [p.text.toLowerCase()] : []));
}
