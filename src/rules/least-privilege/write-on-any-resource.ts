import { baselineCovering, type WrittenTypes } from '../../aws-data/baseline-policies.js';
import { resourceTypesOf, wildcardToRegExp, type ActionInfo } from '../../aws-data/iam-data.js';
import { arnCouldMatchPattern } from '../../model/arn.js';
import { conditionTests } from '../../model/conditions.js';
import { isScopingTest } from '../../model/grants.js';
import { valueText } from '../../model/intrinsics.js';
import { elementItems, type Statement } from '../../model/policy.js';
import type { Rule } from '../types.js';
import { lowerSeverity } from '../../findings/severity.js';
import { actionItemGrants, conditionNote, graded, holderText, isWritten, narrowingAdvice, reportOffenses, serviceHeld, serviceHeldNote, viaPattern, type Offense } from './_grants.js';
import { CREDENTIALS, PASS_ROLE, RESOURCE_EXPOSURE, SENSITIVE_READS } from './_risk-actions.js';

/**
 * Write or permissions-management actions on every resource, when the action can be scoped to ARNs
 * (AWS's service data lists resource types for it). Actions that only support `Resource: "*"`
 * (ec2:DescribeInstances, xray:PutTraceSegments) are never reported. Service wildcards and the
 * actions of the dedicated rules (credentials, data reads, resource exposure, PassRole) are left to
 * those rules. Written policies only: AWS managed policies and SAM templates are AWS's design.
 *
 * Writes that AWS's own baseline policy for a purpose grants on every resource (AWSLambdaBasicExecutionRole's
 * logs:CreateLogGroup/CreateLogStream/PutLogEvents, AmazonSSMManagedInstanceCore's
 * ssm:UpdateInstanceInformation, … — src/aws-data/baseline-policies.json) are low: a policy that grants only
 * those is no broader than AWS's documented design, so it is worth scoping but not worth a review's attention.
 */
export const writeOnAnyResource: Rule = {
  meta: {
    id: 'least-privilege/write-on-any-resource',
    title: 'Write or permissions-management action allowed on every resource',
    category: 'least-privilege',
    severity: 'medium',
    why: 'A write action on "*" lets the principal change or delete every resource of that type in the account, not only the ones the workload owns.',
    fix: 'Scope Resource to the ARNs the workload writes (the message shows the ARN format), or add a condition such as aws:ResourceTag.',
    docs: 'docs/rules/least-privilege/write-on-any-resource.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    const offenses: Offense[] = [];
    for (const grant of actionItemGrants(model)) {
      if (!isWritten(grant.held) || /^[a-z0-9-]+:\*$/i.test(grant.pattern)) continue;
      const actions = grant.broadActions().filter((action) => {
        const key = action.key;
        if (CREDENTIALS.has(key) || SENSITIVE_READS.has(key) || RESOURCE_EXPOSURE.has(key) || PASS_ROLE.has(key)) return false;
        const writes = action.accessLevels.includes('Write') || action.accessLevels.includes('Permissions management');
        return writes && action.resourceTypes.length > 0 && !launchedOnlyUnderCondition(grant.statement, action);
      });
      if (actions.length === 0) continue;
      const permissions = actions.some((a) => a.accessLevels.includes('Permissions management'));
      const written = writtenTypesOf(grant.statement);
      const baseline = baselineCovering(actions.map((a) => a.name), written) !== undefined;
      // A role only AWS services assume for their own work (CodeDeploy's, SNS's delivery logging): nobody
      // but the service acts with these writes. One step lower: still worth scoping, no longer a review's
      // medium (the rules of risky actions start higher and go two steps).
      const services = serviceHeld(grant.held, model);
      const severity = graded(baseline ? 'low' : permissions ? 'high' : 'medium', grant.scoping);
      offenses.push({
        held: grant.held,
        statement: grant.statement,
        node: grant.node,
        severity: services.length > 0 ? lowerSeverity(severity, 1) : severity,
        actions: actions.map((a) => a.name),
        element: grant.pattern.toLowerCase(),
        message: (merged) =>
          `${holderText(grant.held)} allows ${permissions ? 'permissions-management' : 'write'} action${merged.length > 1 ? 's' : ''} ${viaPattern(grant, merged)} on every resource.${baselineNote(merged, written)}${narrowingAdvice(actions)}${conditionNote(grant.scoping)}${serviceHeldNote(services)}`,
      });
    }
    reportOffenses(report, offenses);
  },
};

/** Says so when every write is one AWS's baseline policy for a purpose grants on every resource too. */
function baselineNote(actions: readonly string[], written: WrittenTypes): string {
  const policies = baselineCovering(actions, written);
  if (policies === undefined) return '';
  const named = policies.map((p) => `${p.name} (${p.purpose})`).join(' and ');
  return ` AWS's managed polic${policies.length > 1 ? 'ies' : 'y'} ${named} grant${policies.length > 1 ? '' : 's'} the same on every resource, so this is no broader than AWS's baseline; scope it where you can.`;
}

/**
 * The resource types a statement grants an action on when it names every resource of each by ARN
 * (`arn:…:ecs:<region>:<account>:container-instance/*` → `container-instance`); `undefined` when it grants
 * `*`, NotResource, a whole service or a value not known, i.e. every type the action accepts.
 */
function writtenTypesOf(statement: Statement): WrittenTypes {
  return (action) => {
    if (statement.elements.Resource === undefined) return undefined;
    const service = (action.split(':')[0] ?? '').toLowerCase();
    const types: string[] = [];
    for (const item of elementItems(statement, 'Resource')) {
      for (const value of item.values) {
        const text = valueText(value);
        if (text === undefined) return undefined;
        const parts = text.replace(/\$\{[^}]*\}/g, 'x').split(':');
        if (parts[0] !== 'arn' || parts.length < 6) {
          if (/^[*?]/.test(text)) return undefined;
          continue;
        }
        if (!/[*?]/.test(parts[2] ?? '') && parts[2]?.toLowerCase() !== service) continue;
        const match = /^([A-Za-z0-9-]+)\/\*$/.exec(parts.slice(5).join(':'));
        if (match === null) return undefined;
        types.push(match[1]!.toLowerCase());
      }
    }
    return types.length > 0 ? types : undefined;
  };
}

/**
 * Whether the statement names only some of the resource types the action requires in every request
 * (ec2:RunInstances needs image, instance, network-interface, security-group and subnet), and every other
 * Allow of the same document that names a missing type for the action has a scoping condition. The action
 * then succeeds only under that condition: Karpenter's and ECS Managed Instances' RunInstances on image/*,
 * subnet/*, security-group/* is no write on every resource, since the instance/* and network-interface/*
 * grants need an aws:RequestTag. Where a missing type is granted without a condition, or in no statement
 * of the document (it may be in another policy), the statement is judged as before.
 */
function launchedOnlyUnderCondition(statement: Statement, action: ActionInfo): boolean {
  const missing = missingRequiredTypes(statement, action);
  if (missing.length === 0) return false;
  const others = statement.document.statements.filter((other) => other !== statement && other.effect === 'Allow' && grantsAction(other, action.name));
  return missing.every((type) => {
    const naming = others.filter((other) => missingRequiredTypes(other, action, [type]).length === 0);
    return naming.length > 0 && naming.every((other) => conditionTests(other).some(isScopingTest));
  });
}

/** The action's required resource types (or `only` of them) that no Resource value of the statement can name. */
function missingRequiredTypes(statement: Statement, action: ActionInfo, only?: readonly string[]): string[] {
  if (statement.elements.Resource === undefined) return [];
  const texts: string[] = [];
  for (const item of elementItems(statement, 'Resource')) {
    for (const value of item.values) {
      const text = valueText(value);
      if (text === undefined || /^[*?]+$/.test(text) || !text.startsWith('arn:')) return [];
      texts.push(text);
    }
  }
  const types = resourceTypesOf(action.service);
  return action.resourceTypes
    .filter((type) => type.required && (only === undefined || only.includes(type.name)))
    .filter((type) => {
      const arn = types.get(type.name.toLowerCase())?.arn;
      return arn !== undefined && !texts.some((text) => arnCouldMatchPattern(text, arn));
    })
    .map((type) => type.name);
}

function grantsAction(statement: Statement, action: string): boolean {
  return elementItems(statement, 'Action').some((item) => item.values.some((value) => {
    const text = valueText(value);
    return text !== undefined && wildcardToRegExp(text).test(action);
  }));
}

