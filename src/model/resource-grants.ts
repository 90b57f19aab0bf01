import type { DocumentModel } from './document-model.js';
import { wildcardToRegExp } from '../aws-data/iam-data.js';
import { accessRestrictions, ineffectiveRestrictions, restrictionKindOf, type AccessRestriction } from './access-conditions.js';
import { conditionTests, type ConditionTest } from './conditions.js';
import { valueText, type IntrinsicResolver, type ResolvedValue } from './intrinsics.js';
import { buildPolicyDocument, elementItems, type Statement } from './policy.js';
import { principalsOfValue, statementPrincipals, type Principal } from './principals.js';
import type { Resource, Template } from './template.js';
import { getEntry, getKey, scalarString, type SourceNode } from '../parse/nodes.js';

/**
 * One Allow that a resource gives to principals outside itself: a statement of a resource policy
 * (S3, SQS, SNS, KMS, ECR, Secrets Manager, OpenSearch, API Gateway, EFS, Backup, Glacier, EventBridge,
 * …), or a resource that grants access through properties (AWS::Lambda::Permission,
 * AWS::Lambda::LayerVersionPermission, the legacy form of AWS::Events::EventBusPolicy). The three
 * exposure rules read grants only, so every resource shape is judged the same way.
 */
export interface ResourceGrant {
  /** `BucketPolicy DataPolicy`, `Lambda Permission InvokeFromS3`. */
  label: string;
  /** `statement 2 ("Public")` or `the permission`. */
  where: string;
  resource: Resource | undefined;
  principals: Principal[];
  /** Granted actions as written text; `undefined` entries were not known. */
  actions: (string | undefined)[];
  notAction: boolean;
  /** Conditions (or properties such as SourceArn) that really restrict who gets in. */
  restrictions: AccessRestriction[];
  /** Conditions on caller-naming keys that do not restrict, with why (for messages). */
  ineffective: { test: ConditionTest; reason: string }[];
  statement?: Statement;
  /** A Deny of the same policy that refuses every caller outside a network, organisation or account. */
  guardedByDeny?: string;
}

/** Every resource grant of the document, computed once and shared by the exposure rules. */
export function resourceGrants(model: DocumentModel): ResourceGrant[] {
  return model.derive('resource-grants', buildGrants);
}

function buildGrants(model: DocumentModel): ResourceGrant[] {
  const grants: ResourceGrant[] = [];
  const template = model.template;
  const documents = model.policies.filter((policy) => policy.kind === 'resource');
  for (const resource of template?.resourcesOfType('AWS::Events::EventBusPolicy') ?? []) {
    // The current form holds one statement under `Statement`; the legacy form is read below.
    if (getKey(resource.properties, 'Statement') === undefined || resource.properties === undefined) continue;
    documents.push(
      buildPolicyDocument({ kind: 'resource', file: model.file, node: resource.properties, owner: { resource, label: resource.vocabulary.resource(resource) }, resourceType: 'AWS::Events::EventBus', resolver: model.resolver }),
    );
  }
  for (const document of documents) {
    const denies = document.statements.filter((s) => s.effect === 'Deny');
    for (const statement of document.statements) {
      if (statement.effect !== 'Allow') continue;
      const tests = conditionTests(statement);
      const actions = elementItems(statement, statement.elements.NotAction !== undefined ? 'NotAction' : 'Action').flatMap((item) => item.values.map(valueText));
      const grant: ResourceGrant = {
        label: document.owner.label,
        where: `statement ${statement.index + 1}${statement.sid !== undefined ? ` ("${statement.sid}")` : ''}`,
        resource: document.owner.resource,
        principals: statementPrincipals(statement, template),
        actions,
        notAction: statement.elements.NotAction !== undefined,
        restrictions: accessRestrictions(tests),
        ineffective: ineffectiveRestrictions(tests),
        statement,
      };
      const guard = denies.map((deny) => denyGuard(deny, grant, template)).find((g) => g !== undefined);
      if (guard !== undefined) grant.guardedByDeny = guard;
      grants.push(grant);
    }
  }
  if (template === undefined) return grants;
  const resolver = model.resolver;
  for (const resource of template.resourcesOfType('AWS::Lambda::Permission', 'AWS::Lambda::LayerVersionPermission', 'AWS::Events::EventBusPolicy')) {
    const properties = resource.properties;
    const principalNode = getKey(properties, 'Principal');
    if (principalNode === undefined || (resource.type === 'AWS::Events::EventBusPolicy' && getKey(properties, 'Statement') !== undefined)) continue;
    const tests: ConditionTest[] = [];
    const property = (name: string, key: string, operator: string): void => {
      const entry = getEntry(properties, name);
      if (entry !== undefined) tests.push(syntheticTest(resolver, entry.key, entry.value, key, operator));
    };
    property('SourceArn', 'aws:SourceArn', 'ArnLike');
    property('SourceAccount', 'aws:SourceAccount', 'StringEquals');
    property('PrincipalOrgID', 'aws:PrincipalOrgID', 'StringEquals');
    property('OrganizationId', 'aws:PrincipalOrgID', 'StringEquals');
    if (resource.type === 'AWS::Events::EventBusPolicy') {
      // Legacy form: Condition {Type: StringEquals, Key: aws:PrincipalOrgID, Value: o-…}.
      const condition = getKey(properties, 'Condition');
      const key = scalarString(getKey(condition, 'Key'));
      const value = getKey(condition, 'Value');
      if (key !== undefined && value !== undefined) tests.push(syntheticTest(resolver, condition!, value, key, scalarString(getKey(condition, 'Type')) ?? 'StringEquals'));
    }
    const actionNode = getKey(properties, 'Action');
    const actions = actionNode === undefined ? [resource.type === 'AWS::Lambda::LayerVersionPermission' ? 'lambda:GetLayerVersion' : undefined] : resolver.resolve(actionNode).map(valueText);
    const urlAuth = scalarString(getKey(properties, 'FunctionUrlAuthType'));
    grants.push({
      label: resource.vocabulary.resource(resource),
      where: urlAuth === 'NONE' ? `the permission (${resource.vocabulary.field(resource, 'FunctionUrlAuthType')} NONE: the function URL needs no signature)` : 'the permission',
      resource,
      principals: principalsOfValue(principalNode, '*', 'Principal', resolver, template),
      actions,
      notAction: false,
      restrictions: accessRestrictions(tests),
      ineffective: ineffectiveRestrictions(tests),
    });
  }
  return grants;
}

function syntheticTest(resolver: IntrinsicResolver, keyNode: SourceNode, valueNode: SourceNode, key: string, operator: string): ConditionTest {
  const values = resolver.listItems(valueNode).flatMap((item) => resolver.resolve(item).filter((v): v is Exclude<ResolvedValue, { kind: 'absent' }> => v.kind !== 'absent'));
  return { operator, baseOperator: operator, ifExists: false, qualifier: undefined, operatorNode: keyNode, key, keyNode, valueNode, values };
}

/**
 * A Deny for everyone (`Principal: "*"`) over the granted actions whose condition is a negated test
 * on a caller-naming key — "deny unless the request comes through vpce-1 / from o-abc" — turns an
 * Allow to `"*"` into an Allow to those callers only. Returns a description of the guard.
 */
function denyGuard(deny: Statement, grant: ResourceGrant, template: Template | undefined): string | undefined {
  if (deny.elements.NotAction !== undefined || deny.elements.NotPrincipal !== undefined) return undefined;
  const everyone = statementPrincipals(deny, template).some((p) => p.kind === 'anyone');
  if (!everyone) return undefined;
  const denied = elementItems(deny, 'Action').flatMap((item) => item.values.map(valueText));
  const covers = grant.actions.every((action) => action !== undefined && denied.some((pattern) => pattern !== undefined && wildcardToRegExp(pattern).test(action)));
  if (!covers || grant.notAction) return undefined;
  const guard = conditionTests(deny).find((test) => {
    const kind = restrictionKindOf(test.key);
    if (kind === undefined || kind === 'external-id' || kind === 'identity-claim') return false;
    const negated = /Not/.test(test.baseOperator) && test.qualifier !== 'ForAllValues';
    return negated && test.values.length > 0 && test.values.every((v) => {
      const text = valueText(v);
      return text !== undefined && !/^[*?]+$/.test(text);
    });
  });
  return guard === undefined ? undefined : `a Deny unless ${guard.key} is ${guard.values.map(valueText).join(', ')} (statement ${deny.index + 1})`;
}
