import type { DocumentModel } from './document-model.js';
import { actionInfo, actionMatches, resourceTypesOf, wildcardToRegExp } from '../aws-data/iam-data.js';
import { arnCouldMatchPattern, parseArn } from './arn.js';
import type { SourceNode } from '../parse/nodes.js';
import { narrowsToServicePath } from './access-conditions.js';
import { conditionTests, isRestrictiveTest, type ConditionTest } from './conditions.js';
import { identityGraph, type Attachment, type IdentityPrincipal } from './identity-graph.js';
import { valueText } from './intrinsics.js';
import { elementItems, type PolicyDocument, type Statement } from './policy.js';

/**
 * The effective-grant model: what a principal may do, taking every attached policy into account
 * (inline, stand-alone, customer and AWS managed, SAM policy templates, group policies of users), the
 * explicit Deny statements that can be decided from the template alone, and the principal's
 * permissions boundary when its document is known (nothing outside it is granted).
 *
 * Values that do not resolve are decided as follows, on purpose: an Action item whose value is
 * unknown grants nothing here (the policy-validation family reports what cannot be evaluated); a
 * Resource whose value is unknown (an unresolvable parameter, an import) is a specific resource, not
 * "any resource"; a Deny with any Condition, or with NotResource, is not static and removes nothing.
 */

/** One Allow statement that grants an action. */
export interface GrantMatch {
  attachment: Attachment;
  statement: Statement;
  /** The Action item that matches (e.g. `s3:Get*`), or the `NotAction` element when the grant comes from NotAction. */
  actionNode: SourceNode;
  /** The Resource item that matches, the `NotResource` element, or `undefined` when the statement has neither. */
  resourceNode: SourceNode | undefined;
  /** The statement has a condition that really narrows it (see {@link isScopingTest}). */
  restrictedByCondition: boolean;
  /** The action pattern as written (`s3:Get*`), or `NotAction` for a grant by exclusion. */
  actionPattern: string;
  /** The scoping condition tests of the statement; empty when `restrictedByCondition` is false. */
  scopingConditions: ConditionTest[];
}

/**
 * The Allow statements that grant `action` (a concrete action such as `s3:GetObject`, matched
 * case-insensitively against wildcards like `s3:Get*`, `*`, or through NotAction) to `principal` on
 * `resource`, after static Deny: an empty list when the principal does not get it, or when an
 * unconditioned Deny of the action on that resource (or on `*`) removes it.
 *
 * `resource` defaults to `'*'`, meaning "broadly": a statement matches when its Resource is `*`, an
 * ARN pattern that covers every resource of its type (`arn:aws:s3:::*`, `arn:aws:iam::*:role/*`), or
 * when it uses NotResource. Either way a Resource counts only when it can name a resource type the
 * action accepts ({@link resourceFitsAction}): `iam:PassRole` on `arn:aws:s3:::*` grants nothing. With a concrete ARN, a statement matches when one of its Resource patterns
 * matches the ARN (`${…}` placeholders left by Fn::Sub match anything), or when it uses NotResource.
 *
 * Matches come in attachment order, then statement order, then item order. Stable API: the IMDSv2
 * rules call it.
 */
export function principalAllows(model: DocumentModel, principal: IdentityPrincipal, action: string, resource = '*'): GrantMatch[] {
  if (isStaticallyDenied(principal, action, resource) || outsideBoundary(principal, action, resource)) return [];
  const matches: GrantMatch[] = [];
  for (const attachment of principal.attachments) {
    for (const statement of attachment.document.statements) {
      const match = statementGrants(attachment, statement, action, resource);
      if (match !== undefined) matches.push(match);
    }
  }
  return matches;
}

/** Whether an Allow statement grants `action` on `resource` (`'*'`: broadly), ignoring Deny. */
export function statementGrants(attachment: Attachment, statement: Statement, action: string, resource = '*'): GrantMatch | undefined {
  if (statement.effect !== 'Allow') return undefined;
  const actionHit = actionHitOf(statement, action);
  if (actionHit === undefined) return undefined;
  const resourceNode = resourceHitOf(statement, action, resource);
  if (resourceNode === undefined) return undefined;
  const scopingConditions = scopingTestsOf(statement);
  return {
    attachment,
    statement,
    actionNode: actionHit.node,
    resourceNode,
    restrictedByCondition: scopingConditions.length > 0,
    actionPattern: actionHit.pattern,
    scopingConditions,
  };
}

const scopingTests = new WeakMap<Statement, ConditionTest[]>();

/** The statement's scoping condition tests, computed once (shared: callers must not modify the list). */
function scopingTestsOf(statement: Statement): ConditionTest[] {
  let tests = scopingTests.get(statement);
  if (tests === undefined) scopingTests.set(statement, (tests = conditionTests(statement).filter(isScopingTest)));
  return tests;
}

/** A statement's elements resolved once: principalAllows is asked about dozens of actions per principal. */
interface CompiledStatement {
  /** Known action patterns with their item; `unresolved` counts items with other values. */
  actions: { node: SourceNode; pattern: string }[];
  notActions: { node: SourceNode; pattern: string }[];
  notActionUnresolved: boolean;
  resources: { node: SourceNode; text: string }[];
}

const compiledStatements = new WeakMap<Statement, CompiledStatement>();

function compiled(statement: Statement): CompiledStatement {
  let result = compiledStatements.get(statement);
  if (result === undefined) {
    const patterns = (element: 'Action' | 'NotAction') =>
      elementItems(statement, element).flatMap((item) =>
        item.values.flatMap((value) => (value.kind === 'known' && typeof value.value === 'string' ? [{ node: item.node, pattern: value.value }] : [])),
      );
    result = {
      actions: patterns('Action'),
      notActions: patterns('NotAction'),
      notActionUnresolved: elementItems(statement, 'NotAction').some((item) => item.values.some((v) => v.kind !== 'known')),
      resources: elementItems(statement, 'Resource').flatMap((item) =>
        item.values.flatMap((value) => {
          const text = valueText(value);
          return text === undefined ? [] : [{ node: item.node, text }];
        }),
      ),
    };
    compiledStatements.set(statement, result);
  }
  return result;
}

function actionHitOf(statement: Statement, action: string): { node: SourceNode; pattern: string } | undefined {
  if (statement.elements.Action !== undefined) return compiled(statement).actions.find((a) => actionMatches(a.pattern, action));
  const notAction = statement.elements.NotAction;
  if (notAction === undefined) return undefined;
  const excluded = compiled(statement).notActions.some((a) => actionMatches(a.pattern, action));
  return excluded ? undefined : { node: notAction, pattern: 'NotAction' };
}

function resourceHitOf(statement: Statement, action: string, resource: string): SourceNode | undefined {
  if (statement.elements.Resource !== undefined) {
    const service = action.split(':')[0] ?? '';
    const hit = compiled(statement).resources.find(
      ({ text }) => resourceFitsAction(text, action) && (resource === '*' ? isBroadResource(text, service) : resourcePatternMatches(text, resource)),
    );
    return hit?.node;
  }
  // NotResource grants everything but the listed resources: broad for every practical purpose.
  return statement.elements.NotResource;
}

function resourcePatternMatches(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  return wildcardToRegExp(pattern.replace(/\$\{[^}]*\}/g, '*')).test(resource);
}

const fitCache = new Map<string, boolean>();
const MAX_FIT_CACHE = 50_000;

/**
 * Whether a Resource value can name a resource `action` acts on, judged on the resource types AWS's
 * service data lists for the action: `iam:PassRole` on `arn:aws:s3:::*` names no role, so it passes none.
 * `*`, a value that is not an ARN (a whole `${Role.Arn}` placeholder), an action AWS's data does not know,
 * and an ARN with a wildcard or placeholder service all fit. An action without resource types (AWS accepts
 * only `"*"` for it) is given the benefit of the doubt for an ARN of its own service: a security gate
 * does not assume a grant away.
 */
export function resourceFitsAction(text: string, action: string): boolean {
  if (/^[*?]+$/.test(text)) return true;
  const key = `${action.toLowerCase()}\u0000${text}`;
  let fits = fitCache.get(key);
  if (fits === undefined) {
    // Keys hold text from scanned files: bounded, so a long-running server does not keep every one it met.
    if (fitCache.size >= MAX_FIT_CACHE) fitCache.clear();
    fitCache.set(key, (fits = computeFit(text, action)));
  }
  return fits;
}

function computeFit(text: string, action: string): boolean {
  const info = actionInfo(action);
  const parsed = parseArn(text);
  if (info === undefined || !parsed.ok) return true;
  const arnService = parsed.arn.service.toLowerCase();
  if (arnService === '' || /[*?]|\$\{/.test(arnService)) return true;
  const types = resourceTypesOf(info.service);
  const patterns = info.resourceTypes.map((rt) => types.get(rt.name.toLowerCase())?.arn).filter((arn): arn is string => arn !== undefined);
  if (patterns.length === 0) return arnService === info.service.toLowerCase();
  return patterns.some((pattern) => arnCouldMatchPattern(text, pattern));
}

const prefixCache = new Map<string, string[]>();

/** Literal prefixes of a service's resource ARNs' resource part (`role/`, `function:`, `table/`, or `` for S3 buckets). */
function resourcePrefixes(service: string): string[] {
  const key = service.toLowerCase();
  let prefixes = prefixCache.get(key);
  if (prefixes === undefined) {
    const set = new Set<string>();
    for (const type of resourceTypesOf(key).values()) {
      const resourcePart = type.arn.split(':').slice(5).join(':');
      set.add(resourcePart.slice(0, Math.max(0, resourcePart.indexOf('${'))));
    }
    prefixes = [...set].sort((a, b) => b.length - a.length);
    prefixCache.set(key, prefixes);
  }
  return prefixes;
}

/**
 * Whether a Resource value covers every resource an action of `service` can name: `*`, or an ARN
 * whose resource part is only wildcards after the type's literal prefix (`arn:aws:s3:::*`,
 * `arn:aws:iam::${AWS::AccountId}:role/*`, `arn:aws:lambda:*:*:function:*`). `${…}` placeholders are
 * specific values, never wildcards, and so is an empty substitution (`arn:aws:s3:::/*`).
 */
export function isBroadResource(text: string, service = ''): boolean {
  if (/^\*+$/.test(text)) return true;
  if (!text.startsWith('arn:')) return false;
  const parts = text.replace(/\$\{[^}]*\}/g, '\u0000').split(':');
  if (parts.length < 6) return false;
  const resourcePart = parts.slice(5).join(':');
  if (onlyWildcards(resourcePart)) return true;
  const arnService = parts[2] ?? '';
  const prefixes = resourcePrefixes(arnService === '' || arnService.includes('*') ? service : arnService);
  return prefixes.some((prefix) => prefix !== '' && resourcePart.toLowerCase().startsWith(prefix.toLowerCase()) && onlyWildcards(resourcePart.slice(prefix.length)));
}

/**
 * A resource part that starts with a wildcard and has only wildcards and separators after it (`*`,
 * `*:*`, a star, a slash and a star). A part that starts with a separator does not count: the name before
 * it is empty (`arn:aws:s3:::${Bucket}/...` with an empty Bucket), which names no resource, not every one.
 */
function onlyWildcards(resourcePart: string): boolean {
  return /^\*[*/:]*$/.test(resourcePart);
}

/**
 * Whether the principal's permissions boundary keeps `action` on `resource` (`'*'`: broadly) out of reach:
 * no Allow statement of the boundary grants it there, or an unconditioned Deny of the boundary removes it.
 * An Allow of the boundary with a condition still counts as allowing (the condition may hold). `false`
 * when the principal has no known boundary.
 */
export function outsideBoundary(principal: IdentityPrincipal, action: string, resource = '*'): boolean {
  const boundary = principal.boundary;
  if (boundary === undefined) return false;
  const statements = boundary.documents.flatMap((document) => document.statements);
  if (statements.some((statement) => deniesStatically(statement, action, resource))) return true;
  return !statements.some((statement) => statement.effect === 'Allow' && actionHitOf(statement, action) !== undefined && resourceHitOf(statement, action, resource) !== undefined);
}

/**
 * Whether an unconditioned Deny held by the principal removes `action` on `resource` (`'*'`: broadly):
 * its Action matches (or its NotAction does not), and its Resource is `*`, a pattern covering every
 * resource, or (for a concrete resource) a pattern that matches it.
 */
export function isStaticallyDenied(principal: IdentityPrincipal, action: string, resource = '*'): boolean {
  return principal.attachments.some((attachment) => attachment.document.statements.some((statement) => deniesStatically(statement, action, resource)));
}

/** An unconditioned Deny statement (without NotResource) that removes `action` on `resource` (`'*'`: broadly). */
function deniesStatically(statement: Statement, action: string, resource: string): boolean {
  if (statement.effect !== 'Deny' || statement.elements.Condition !== undefined || statement.elements.NotResource !== undefined) return false;
  if (!denyActionMatches(statement, action)) return false;
  const service = action.split(':')[0] ?? '';
  return compiled(statement).resources.some(
    ({ text }) => resourceFitsAction(text, action) && (isBroadResource(text, service) || (resource !== '*' && resourcePatternMatches(text, resource))),
  );
}

function denyActionMatches(statement: Statement, action: string): boolean {
  const { actions, notActions, notActionUnresolved } = compiled(statement);
  if (statement.elements.Action !== undefined) return actions.some((a) => actionMatches(a.pattern, action));
  // An unresolved NotAction item might exclude the action: not static.
  if (statement.elements.NotAction !== undefined) return !notActionUnresolved && !notActions.some((a) => actionMatches(a.pattern, action));
  return false;
}

/**
 * A condition test that narrows which requests or resources a grant applies to: a restrictive test
 * ({@link isRestrictiveTest}: no IfExists, no bare wildcard, known values) on a string, ARN or IP
 * comparison — `aws:ResourceTag/team = payments`, `aws:SourceVpc = vpc-…`, `aws:RequestedRegion`.
 * Bool, Null, date and numeric tests (`aws:SecureTransport`, `aws:MultiFactorAuthPresent`, time
 * windows) say how a request is made, not what it may touch, so they do not count — except the ones that
 * let the grant be used only through an AWS service (`Bool aws:ViaAWSService true`, see
 * {@link narrowsToServicePath}), which narrow it as the network keys (aws:SourceVpc) do.
 */
export function isScopingTest(test: ConditionTest): boolean {
  return (isRestrictiveTest(test) && /^(String|Arn|IpAddress)/.test(test.baseOperator)) || narrowsToServicePath(test);
}

/** The principals of a document's identity graph (roles, users, groups, SAM roles, or the policy file). */
export function identityPrincipals(model: DocumentModel): IdentityPrincipal[] {
  return [...identityGraph(model).principals.values()];
}

/** An identity document with everyone who holds it, in the order documents are first attached. */
export interface HeldDocument {
  document: PolicyDocument;
  /** The first attachment of the document (where findings about a non-written document land). */
  attachment: Attachment;
  holders: IdentityPrincipal[];
}

/**
 * Every identity document of the file once, with its holders: written documents (including stand-alone
 * policies attached to nobody, whose holder list is empty) and AWS managed / SAM template documents
 * (one per attaching node). Statement-level rules iterate these so that a policy shared by several
 * principals is reported once.
 */
export function heldDocuments(model: DocumentModel): HeldDocument[] {
  return model.derive('held-identity-documents', (m) => {
    const byDocument = new Map<PolicyDocument, HeldDocument>();
    for (const principal of identityPrincipals(m)) {
      for (const attachment of principal.attachments) {
        const held = byDocument.get(attachment.document);
        if (held === undefined) byDocument.set(attachment.document, { document: attachment.document, attachment, holders: [principal] });
        else if (!held.holders.includes(principal)) held.holders.push(principal);
      }
    }
    for (const document of m.policies) {
      if (document.kind === 'identity' && !byDocument.has(document)) {
        byDocument.set(document, { document, attachment: { document, node: document.node, via: document.owner.label, origin: 'template' }, holders: [] });
      }
    }
    return [...byDocument.values()].sort((a, b) => a.document.node.start - b.document.node.start);
  });
}

/** `Role A`, `Role A and User B`, `Role A and 3 others`, or the document's owner when nobody holds it. */
export function describeHolders(held: HeldDocument): string {
  const labels = held.holders.map((p) => p.label);
  if (labels.length === 0) return held.document.owner.label;
  if (labels.length <= 2) return labels.join(' and ');
  return `${labels[0]} and ${labels.length - 1} others`;
}
