import { wildcardToRegExp } from '../../aws-data/iam-data.js';
import { lowerSeverity } from '../../findings/severity.js';
import type { ConditionTest } from '../../model/conditions.js';
import { identityPrincipals, principalAllows, type GrantMatch } from '../../model/grants.js';
import type { IdentityPrincipal } from '../../model/identity-graph.js';
import { valueText } from '../../model/intrinsics.js';
import { parseArn } from '../../model/arn.js';
import type { SourceNode } from '../../parse/nodes.js';
import type { Rule } from '../types.js';
import { isEverything, listActions } from './_grants.js';
import { controlPlaneHolders } from './_service-holders.js';

const RHINO = 'https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/';
const BISHOP_FOX = 'https://github.com/BishopFox/iam-vulnerable';
const HACKING_THE_CLOUD = 'https://hackingthe.cloud/aws/exploitation/iam_privilege_escalation/';

/** A published privilege escalation path: every action must be granted on every resource. */
export interface EscalationMethod {
  name: string;
  actions: readonly string[];
  source: string;
  /**
   * For paths through iam:PassRole: the service principal the role is passed to, and the service whose
   * resource the role is attached to. A PassRole grant limited by iam:PassedToService (or
   * iam:AssociatedResourceArn) to other services opens no such path.
   */
  passedTo?: { service: string; resource: string };
}

/**
 * Rhino Security Labs' 21 methods, and the newer paths published with Bishop Fox's iam-vulnerable and
 * Hacking the Cloud. Methods that need another identity's trust (AttachRolePolicy + AssumeRole) are
 * written with the single action, because a role that may modify roles may modify itself.
 */
export const ESCALATION_METHODS: readonly EscalationMethod[] = [
  { name: 'create a new version of a managed policy', actions: ['iam:CreatePolicyVersion'], source: RHINO },
  { name: 'switch a managed policy to another version', actions: ['iam:SetDefaultPolicyVersion'], source: RHINO },
  { name: 'launch an EC2 instance with a privileged role', actions: ['iam:PassRole', 'ec2:RunInstances'], source: RHINO, passedTo: { service: 'ec2.amazonaws.com', resource: 'ec2' } },
  { name: 'create access keys for another user', actions: ['iam:CreateAccessKey'], source: RHINO },
  { name: 'create a console password for another user', actions: ['iam:CreateLoginProfile'], source: RHINO },
  { name: "change another user's console password", actions: ['iam:UpdateLoginProfile'], source: RHINO },
  { name: 'attach a managed policy to a user', actions: ['iam:AttachUserPolicy'], source: RHINO },
  { name: 'attach a managed policy to a group', actions: ['iam:AttachGroupPolicy'], source: RHINO },
  { name: 'attach a managed policy to a role', actions: ['iam:AttachRolePolicy'], source: RHINO },
  { name: 'write an inline policy on a user', actions: ['iam:PutUserPolicy'], source: RHINO },
  { name: 'write an inline policy on a group', actions: ['iam:PutGroupPolicy'], source: RHINO },
  { name: 'write an inline policy on a role', actions: ['iam:PutRolePolicy'], source: RHINO },
  { name: 'add a user to a privileged group', actions: ['iam:AddUserToGroup'], source: RHINO },
  { name: "rewrite a role's trust policy and assume it", actions: ['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'], source: RHINO },
  { name: 'create a Lambda function with a privileged role and invoke it', actions: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'], source: RHINO, passedTo: { service: 'lambda.amazonaws.com', resource: 'lambda' } },
  { name: 'create a Lambda function with a privileged role and trigger it from an event source', actions: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:CreateEventSourceMapping'], source: RHINO, passedTo: { service: 'lambda.amazonaws.com', resource: 'lambda' } },
  { name: "replace an existing Lambda function's code", actions: ['lambda:UpdateFunctionCode'], source: RHINO },
  { name: 'create a Glue development endpoint with a privileged role', actions: ['iam:PassRole', 'glue:CreateDevEndpoint'], source: RHINO, passedTo: { service: 'glue.amazonaws.com', resource: 'glue' } },
  { name: 'take over an existing Glue development endpoint', actions: ['glue:UpdateDevEndpoint'], source: RHINO },
  { name: 'create a CloudFormation stack with a privileged role', actions: ['iam:PassRole', 'cloudformation:CreateStack'], source: RHINO, passedTo: { service: 'cloudformation.amazonaws.com', resource: 'cloudformation' } },
  { name: 'run a Data Pipeline with a privileged role', actions: ['iam:PassRole', 'datapipeline:CreatePipeline', 'datapipeline:PutPipelineDefinition'], source: RHINO, passedTo: { service: 'datapipeline.amazonaws.com', resource: 'datapipeline' } },
  { name: 'create a CodeBuild project with a privileged role and start it', actions: ['iam:PassRole', 'codebuild:CreateProject', 'codebuild:StartBuild'], source: BISHOP_FOX, passedTo: { service: 'codebuild.amazonaws.com', resource: 'codebuild' } },
  { name: 'create a SageMaker notebook with a privileged role and open it', actions: ['iam:PassRole', 'sagemaker:CreateNotebookInstance', 'sagemaker:CreatePresignedNotebookInstanceUrl'], source: BISHOP_FOX, passedTo: { service: 'sagemaker.amazonaws.com', resource: 'sagemaker' } },
  { name: 'open an existing SageMaker notebook', actions: ['sagemaker:CreatePresignedNotebookInstanceUrl'], source: BISHOP_FOX },
  { name: 'run a SageMaker training job with a privileged role', actions: ['iam:PassRole', 'sagemaker:CreateTrainingJob'], source: BISHOP_FOX, passedTo: { service: 'sagemaker.amazonaws.com', resource: 'sagemaker' } },
  { name: 'run a SageMaker processing job with a privileged role', actions: ['iam:PassRole', 'sagemaker:CreateProcessingJob'], source: BISHOP_FOX, passedTo: { service: 'sagemaker.amazonaws.com', resource: 'sagemaker' } },
  { name: 'run commands on instances through SSM', actions: ['ssm:SendCommand'], source: BISHOP_FOX },
  { name: 'open shell sessions on instances through SSM', actions: ['ssm:StartSession'], source: BISHOP_FOX },
  { name: 'push an SSH key to any instance', actions: ['ec2-instance-connect:SendSSHPublicKey'], source: BISHOP_FOX },
  { name: 'assume any role that trusts the account', actions: ['sts:AssumeRole'], source: BISHOP_FOX },
  { name: 'run an ECS task with a privileged role', actions: ['iam:PassRole', 'ecs:RegisterTaskDefinition', 'ecs:RunTask'], source: HACKING_THE_CLOUD, passedTo: { service: 'ecs-tasks.amazonaws.com', resource: 'ecs' } },
  { name: 'run a Glue job with a privileged role', actions: ['iam:PassRole', 'glue:CreateJob', 'glue:StartJobRun'], source: HACKING_THE_CLOUD, passedTo: { service: 'glue.amazonaws.com', resource: 'glue' } },
];

interface FoundMethod {
  method: EscalationMethod;
  grants: GrantMatch[];
  /** Some grant of each action is not narrowed by a condition. */
  unrestricted: boolean;
}

/**
 * Privilege escalation judged on each principal's effective grant: a method counts when every one of
 * its actions is granted on every resource by any of the principal's policies, through any wildcard,
 * after static Deny. One finding per principal, at the first grant of the first method found, with
 * the other grants as related locations. `*` and NotAction grants are full-admin's finding and are not
 * counted here. A user whose paths come only from its groups is reported through the group.
 */
export const privilegeEscalation: Rule = {
  meta: {
    id: 'least-privilege/privilege-escalation',
    title: 'Principal can escalate its own privileges',
    category: 'least-privilege',
    severity: 'critical',
    why: 'A principal that can rewrite IAM policies, mint credentials, or pass a privileged role to code it controls can make itself administrator; its real privilege is the highest it can reach.',
    fix: 'Remove the IAM write actions from workload principals, scope iam:PassRole to specific roles with iam:PassedToService, and scope code-running actions to the resources the workload owns; a permissions boundary caps what it can grant itself.',
    docs: 'docs/rules/least-privilege/privilege-escalation.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    for (const principal of identityPrincipals(model)) {
      // Methods share actions (iam:PassRole is in most): each is looked up once per principal.
      const grantsOf = new Map<string, GrantMatch[]>();
      const granted = (action: string): GrantMatch[] => {
        let matches = grantsOf.get(action);
        if (matches === undefined) {
          matches = principalAllows(model, principal, action).filter((m) => !isEverything(m.actionPattern) && m.actionPattern !== 'NotAction');
          grantsOf.set(action, matches);
        }
        return matches;
      };
      const found = ESCALATION_METHODS.flatMap((method): FoundMethod[] => {
        const grants: GrantMatch[] = [];
        let unrestricted = true;
        for (const action of method.actions) {
          const matches = action === 'iam:PassRole' ? granted(action).filter((m) => passesTo(m, method)) : granted(action);
          if (matches.length === 0) return [];
          const open = matches.find((m) => !narrowed(m, action));
          grants.push(open ?? matches[0]!);
          if (open === undefined) unrestricted = false;
        }
        return [{ method, grants, unrestricted }];
      });
      if (found.length === 0 || onlyThroughGroups(principal, found)) continue;
      const unrestricted = found.some((f) => f.unrestricted);
      // A role only AWS services that run none of the customer's code may assume: nobody but the service acts with it.
      const holders = controlPlaneHolders(principal, model.template);
      const base = unrestricted ? 'critical' : 'high';
      const nodes = uniqueNodes(found.flatMap((f) => f.grants));
      const [first, ...others] = nodes;
      const sources = [...new Set(found.map((f) => f.method.source))];
      report({
        node: first!.node,
        severity: holders.length > 0 ? lowerSeverity(base, 2) : base,
        resource: principal.resource.type === '' ? undefined : principal.logicalId,
        element: principal.logicalId,
        message: `${principal.label} can escalate its privileges: ${found
          .slice(0, 3)
          .map((f) => `${f.method.name} (${listActions(f.method.actions)})`)
          .join('; ')}${found.length > 3 ? `; and ${found.length - 3} more paths` : ''}. Granted by ${listActions(
          [...new Set(found.flatMap((f) => f.grants.map((g) => `${g.actionPattern} in ${g.attachment.via}`)))],
          3,
        )}. Sources: ${sources.join(', ')}.${unrestricted ? '' : ' Every path is narrowed by a condition, so the severity is lowered.'}${
          holders.length > 0
            ? ` Only the AWS service ${holders.join(', ')} can assume ${principal.label}, and it uses the role for its own work, not to run code a person writes: the path is the service's, not a person's, so the severity is lowered.`
            : ''
        }`,
        related: others.map((other) => ({ node: other.node, message: `also part of the escalation: ${other.label}` })),
      });
    }
  },
};

const PASS_ROLE_KEYS = new Set(['iam:passedtoservice', 'iam:associatedresourcearn']);

/**
 * Whether a PassRole grant can hand a role to the method's service: its statement has no restrictive
 * iam:PassedToService test, or one whose values match the service principal (`lambda.amazonaws.com`,
 * `StringLike` patterns too); and likewise iam:AssociatedResourceArn names a resource of the service.
 */
function passesTo(match: GrantMatch, method: EscalationMethod): boolean {
  const target = method.passedTo;
  if (target === undefined) return true;
  return match.scopingConditions.every((test) => {
    const key = test.key.toLowerCase();
    if (key === 'iam:passedtoservice') return valuesOf(test).some((value) => wildcardToRegExp(value.toLowerCase()).test(target.service));
    if (key === 'iam:associatedresourcearn') {
      return valuesOf(test).some((value) => {
        const parsed = parseArn(value);
        if (!parsed.ok) return true;
        const service = parsed.arn.service.toLowerCase();
        return service === '' || /[*?]|\$\{/.test(service) || service === target.resource;
      });
    }
    return true;
  });
}

/**
 * Whether a condition narrows the grant of `action` for a path. For iam:PassRole the PassRole keys do not:
 * {@link passesTo} already kept only the grants whose keys admit the path's service.
 */
function narrowed(match: GrantMatch, action: string): boolean {
  if (action !== 'iam:PassRole') return match.restrictedByCondition;
  return match.scopingConditions.some((test) => !PASS_ROLE_KEYS.has(test.key.toLowerCase()));
}

function valuesOf(test: ConditionTest): string[] {
  return test.values.flatMap((value) => {
    const text = valueText(value);
    return text === undefined ? [] : [text];
  });
}

function onlyThroughGroups(principal: IdentityPrincipal, found: readonly FoundMethod[]): boolean {
  return principal.kind === 'user' && found.every((f) => f.grants.every((g) => g.attachment.via.includes('(group ')));
}

/** Grant locations in order, once each: the written Action item, or the attaching node for managed/SAM documents. */
function uniqueNodes(grants: readonly GrantMatch[]): { node: SourceNode; label: string }[] {
  const out: { node: SourceNode; label: string }[] = [];
  for (const grant of grants) {
    const node = grant.attachment.origin === 'template' ? grant.actionNode : grant.attachment.node;
    if (!out.some((o) => o.node === node)) out.push({ node, label: `${grant.actionPattern} in ${grant.attachment.via}` });
  }
  return out;
}
