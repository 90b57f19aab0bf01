import { actionInfo, actionMatches, expandActionPattern, resourceTypesOf, type ActionInfo } from '../../aws-data/iam-data.js';
import { lowerSeverity, severityRank, type Severity } from '../../findings/severity.js';
import type { DocumentModel } from '../../model/document-model.js';
import { describeHolders, heldDocuments, isBroadResource, isScopingTest, isStaticallyDenied, outsideBoundary, resourceFitsAction, type HeldDocument } from '../../model/grants.js';
import { conditionTests, type ConditionTest } from '../../model/conditions.js';
import { valueText } from '../../model/intrinsics.js';
import { elementItems, type Statement } from '../../model/policy.js';
import type { SourceNode } from '../../parse/nodes.js';
import type { Report } from '../types.js';
import { controlPlaneHolders } from './_service-holders.js';

/**
 * Shared walk of the statement-level least-privilege rules. Reporting policy, the same for every
 * rule of the family:
 * - a statement-level rule reports once per statement of each document, at its first offending element
 *   (the Action item, or the NotAction/NotResource element), listing every offending action of the
 *   statement and naming every principal that holds the document, however many hold it;
 * - for documents that are not written in the file (AWS managed policies, SAM policy templates), all
 *   offending statements of the document become one finding on the line that attaches it;
 * - Deny statements are never reported; an action removed by an unconditioned Deny for every holder is
 *   not reported either;
 * - `*` and NotAction grants belong to full-admin / not-action-allow; the other rules skip them.
 */

/** An Action item of an Allow statement, with what it grants on "any resource". */
export interface ActionItemGrant {
  held: HeldDocument;
  statement: Statement;
  /** The Action item as written. */
  node: SourceNode;
  /** The pattern as written, e.g. `s3:Get*`. */
  pattern: string;
  /** The scoping condition tests of the statement (empty: unrestricted). */
  scoping: ConditionTest[];
  /** Concrete actions the item grants on a broad resource, minus those every holder is denied. */
  broadActions(): ActionInfo[];
  /**
   * The Resource item (or NotResource element) that makes the grant of `action` (`iam:PassRole`) broad:
   * one that covers every resource of the action's service and that can name a resource type the action
   * accepts (`arn:aws:s3:::*` is no role).
   */
  broadResourceNode(action: string): SourceNode | undefined;
  /** Whether some Resource item (or a NotResource element) can name a resource the action accepts. */
  namesResourceOf(action: string): boolean;
}

/** Every written, resolvable Action item of every Allow statement in the file's identity documents. */
export function actionItemGrants(model: DocumentModel): ActionItemGrant[] {
  return model.derive('least-privilege/action-items', (m) => {
    const out: ActionItemGrant[] = [];
    for (const held of heldDocuments(m)) {
      for (const statement of held.document.statements) {
        if (statement.effect !== 'Allow') continue;
        const scoping = conditionTests(statement).filter(isScopingTest);
        for (const item of elementItems(statement, 'Action')) {
          for (const value of item.values) {
            if (value.kind !== 'known' || typeof value.value !== 'string') continue;
            out.push(itemGrant(held, statement, item.node, value.value, scoping));
            // `*` on every resource of a service (`arn:aws:s3:::*`) is every action of that service there:
            // judged as `s3:*` by every rule, as written `s3:*` on the same resource would be.
            if (isEverything(value.value)) {
              for (const service of servicesCoveredBy(statement)) out.push(itemGrant(held, statement, item.node, `${service}:*`, scoping));
            }
          }
        }
      }
    }
    return out;
  });
}

/**
 * The services whose every resource a statement names with an ARN (`arn:aws:s3:::*`,
 * `arn:aws:dynamodb:*:*:table/*`), not with `*` itself (every service: full-admin's business).
 */
function servicesCoveredBy(statement: Statement): string[] {
  const services = new Set<string>();
  for (const item of elementItems(statement, 'Resource')) {
    for (const value of item.values) {
      const text = valueText(value);
      if (text === undefined || !text.startsWith('arn:')) continue;
      const service = text.split(':')[2] ?? '';
      if (/^[a-z0-9-]+$/.test(service) && isBroadResource(text, service)) services.add(service);
    }
  }
  return [...services];
}

function itemGrant(held: HeldDocument, statement: Statement, node: SourceNode, pattern: string, scoping: ConditionTest[]): ActionItemGrant {
  return new ItemGrant(held, statement, node, pattern, scoping);
}

/**
 * One per Action item of every held document: a class (methods shared on the prototype, the broad
 * resource per service cached per statement) rather than closures and a Map per item, which were
 * ~30 MB on a 10 MB template.
 */
class ItemGrant implements ActionItemGrant {
  private actions: ActionInfo[] | undefined;

  constructor(
    readonly held: HeldDocument,
    readonly statement: Statement,
    readonly node: SourceNode,
    readonly pattern: string,
    readonly scoping: ConditionTest[],
  ) {}

  broadResourceNode(action: string): SourceNode | undefined {
    return broadResourceOf(this.statement, action);
  }

  namesResourceOf(action: string): boolean {
    if (this.statement.elements.Resource === undefined) return this.statement.elements.NotResource !== undefined;
    return elementItems(this.statement, 'Resource').some((item) =>
      item.values.some((value) => {
        const text = valueText(value);
        // A value that cannot be read may name anything.
        return text === undefined || resourceFitsAction(text, action);
      }),
    );
  }

  broadActions(): ActionInfo[] {
    this.actions ??= isEverything(this.pattern)
      ? []
      : expandActionPattern(this.pattern).filter((action) => broadResourceOf(this.statement, action.name) !== undefined && !deniedForEveryHolder(this.held, action.name));
    return this.actions;
  }
}

const broadResources = new WeakMap<Statement, Map<string, { node: SourceNode; text: string | undefined }[]>>();

/**
 * The Resource item (or NotResource element) that makes a statement's grant of `action` broad: broad for
 * the action's service (cached per statement and service) and of a resource type the action accepts.
 */
function broadResourceOf(statement: Statement, action: string): SourceNode | undefined {
  let byService = broadResources.get(statement);
  if (byService === undefined) broadResources.set(statement, (byService = new Map()));
  const service = (action.split(':')[0] ?? '').toLowerCase();
  let candidates = byService.get(service);
  if (candidates === undefined) byService.set(service, (candidates = findBroadResources(statement, service)));
  return candidates.find((candidate) => candidate.text === undefined || resourceFitsAction(candidate.text, action))?.node;
}

/** Resource items broad for a service, each with its text; the NotResource element (text `undefined`) when the statement has one. */
function findBroadResources(statement: Statement, service: string): { node: SourceNode; text: string | undefined }[] {
  if (statement.elements.Resource === undefined) return statement.elements.NotResource === undefined ? [] : [{ node: statement.elements.NotResource, text: undefined }];
  const out: { node: SourceNode; text: string | undefined }[] = [];
  for (const item of elementItems(statement, 'Resource')) {
    for (const value of item.values) {
      const text = valueText(value);
      if (text !== undefined && isBroadResource(text, service)) out.push({ node: item.node, text });
    }
  }
  return out;
}

/** Removed for every holder: by an unconditioned Deny, or by the holder's permissions boundary. */
function deniedForEveryHolder(held: HeldDocument, action: string): boolean {
  return held.holders.length > 0 && held.holders.every((holder) => isStaticallyDenied(holder, action, '*') || outsideBoundary(holder, action, '*'));
}

/** An Allow statement of a held document, with what the statement-shape rules (full-admin, not-action-allow) need. */
export interface HeldAllowStatement {
  held: HeldDocument;
  statement: Statement;
  /** The statement's scoping condition tests (empty: unrestricted). */
  scoping: ConditionTest[];
  /** `statement <Sid>` or `statement <n>`, for messages. */
  where: string;
}

/** Every Allow statement of every held document, except the implicit ones AWS attaches itself. */
export function heldAllowStatements(model: DocumentModel): HeldAllowStatement[] {
  const out: HeldAllowStatement[] = [];
  for (const held of heldDocuments(model)) {
    if (held.attachment.origin === 'implicit') continue;
    for (const statement of held.document.statements) {
      if (statement.effect !== 'Allow') continue;
      out.push({ held, statement, scoping: conditionTests(statement).filter(isScopingTest), where: `statement ${statement.sid ?? statement.index + 1}` });
    }
  }
  return out;
}

/** `*` (or `*:*`): every action of every service, full-admin's business. */
export function isEverything(pattern: string): boolean {
  return /^\*(:\*)?$/.test(pattern);
}

/** Whether a held document was written in the scanned file (its nodes are real positions). */
export function isWritten(held: HeldDocument): boolean {
  return held.attachment.origin === 'template';
}

/** Severity one step lower when a scoping condition narrows the statement. */
export function graded(base: Severity, scoping: readonly ConditionTest[]): Severity {
  return scoping.length > 0 ? lowerSeverity(base) : base;
}

/** ` (narrowed by aws:ResourceTag/team)` or ``. */
export function conditionNote(scoping: readonly ConditionTest[]): string {
  return scoping.length === 0 ? '' : ` The statement's condition on ${[...new Set(scoping.map((t) => t.key))].join(', ')} narrows it, so the severity is lowered.`;
}

/** Who holds a document and how: `Role AppRole (inline policy "app")`. */
export function holderText(held: HeldDocument): string {
  const holders = describeHolders(held);
  return held.holders.length === 0 || held.holders.every((h) => h.kind === 'policy-file') ? holders : `${holders} (${held.attachment.via})`;
}

/** The ARN patterns an action can be scoped to, from AWS's service data: `arn:${Partition}:s3:::${BucketName}/${ObjectName}`. */
export function arnPatternsOf(action: ActionInfo): string[] {
  const types = resourceTypesOf(action.service);
  const arns = action.resourceTypes.map((rt) => types.get(rt.name.toLowerCase())?.arn).filter((arn): arn is string => arn !== undefined);
  // Access point ARNs are the rarer way to name S3 objects; show the usual form first.
  return [...arns.filter((arn) => !arn.includes(':accesspoint/')), ...arns.filter((arn) => arn.includes(':accesspoint/'))];
}

/** `Scope Resource to arn:…` for the first action that supports resource-level permissions. */
export function narrowingAdvice(actions: readonly ActionInfo[]): string {
  for (const action of actions) {
    const patterns = arnPatternsOf(action);
    if (patterns.length > 0) return ` Scope Resource to the ARNs it needs (${action.name}: ${patterns.slice(0, 2).join(' or ')}).`;
  }
  return '';
}

/** Actions of `names` (AWS spelling) that the item grants broadly. */
export function grantedAmong(grant: ActionItemGrant, names: ReadonlySet<string>): ActionInfo[] {
  return grant.broadActions().filter((action) => names.has(action.key));
}

/** A lower-case set of action names, each checked against AWS's data (a typo fails the tests). */
export function actionSet(names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map((name) => name.toLowerCase()));
}

/** Names in a risk list that AWS's service data does not know (for the tests). */
export function unknownActions(names: Iterable<string>): string[] {
  return [...names].filter((name) => actionInfo(name) === undefined);
}

/** One offending grant, before grouping. */
export interface Offense {
  held: HeldDocument;
  statement: Statement;
  node: SourceNode;
  severity: Severity;
  actions: string[];
  /** Builds the message for the (merged) offense. */
  message: (actions: string[]) => string;
  element: string;
}

/**
 * Reports offenses following the family's policy: one finding per written statement at its first
 * offending node, and one per non-written document at the node that attaches it (actions merged,
 * highest severity kept).
 */
export function reportOffenses(report: (report: Report) => void, offenses: readonly Offense[]): void {
  const groups = new Map<unknown, Offense & { merged: string[] }>();
  for (const offense of offenses) {
    const key = isWritten(offense.held) ? offense.statement : offense.held.document;
    const existing = groups.get(key);
    if (existing === undefined) {
      groups.set(key, { ...offense, node: isWritten(offense.held) ? offense.node : offense.held.attachment.node, merged: [...offense.actions] });
    } else {
      for (const action of offense.actions) if (!existing.merged.includes(action)) existing.merged.push(action);
      if (severityRank(offense.severity) > severityRank(existing.severity)) existing.severity = offense.severity;
    }
  }
  for (const group of groups.values()) {
    report({ node: group.node, message: group.message(group.merged), severity: group.severity, element: group.element });
  }
}

/** `s3:GetObject, s3:GetObjectVersion and 3 more`. */
export function listActions(actions: readonly string[], max = 4): string {
  if (actions.length <= max) return actions.join(', ');
  return `${actions.slice(0, max).join(', ')} and ${actions.length - max} more`;
}

/**
 * The check shared by the rules that look for a risky set of actions granted on every resource:
 * one finding per Action item that grants any of them (through a wildcard too), graded by `severityOf`.
 */
export function reportRiskyActions(
  model: DocumentModel,
  report: (report: Report) => void,
  risky: ReadonlySet<string>,
  severityOf: (actions: readonly ActionInfo[]) => Severity,
  describe: (grant: ActionItemGrant, actions: string[]) => string,
): void {
  const offenses: Offense[] = [];
  for (const grant of actionItemGrants(model)) {
    if (grant.held.attachment.origin === 'implicit') continue;
    const actions = grantedAmong(grant, risky);
    if (actions.length === 0) continue;
    const services = serviceHeld(grant.held, model);
    const severity = graded(severityOf(actions), grant.scoping);
    offenses.push({
      held: grant.held,
      statement: grant.statement,
      node: grant.node,
      severity: services.length > 0 ? lowerSeverity(severity, 2) : severity,
      actions: actions.map((a) => a.name),
      element: grant.pattern.toLowerCase(),
      message: (merged) => `${describe(grant, merged)}${narrowingAdvice(actions)}${conditionNote(grant.scoping)}${serviceHeldNote(services)}`,
    });
  }
  reportOffenses(report, offenses);
}

/**
 * The AWS services that hold a document when every holder is a role only services assume for their own
 * work (EMR's service role, see _service-holders.ts); `[]` when any holder is a person, an account, code
 * a person writes, or unknown. What such a role may do, nobody but the service does with it.
 */
export function serviceHeld(held: HeldDocument, model: DocumentModel): string[] {
  if (held.holders.length === 0) return [];
  const services = held.holders.map((holder) => controlPlaneHolders(holder, model.template));
  return services.every((list) => list.length > 0) ? [...new Set(services.flat())] : [];
}

/** ` Only the AWS service elasticmapreduce.amazonaws.com can assume …, so the severity is lowered.` or ``. */
export function serviceHeldNote(services: readonly string[]): string {
  return services.length === 0
    ? ''
    : ` Only the AWS service ${services.join(', ')} can assume the role that holds it, and it uses the role for its own work, not to run code a person writes, so the severity is lowered.`;
}

/** `s3:GetObject` or `s3:GetObject (from s3:Get*)`. */
export function viaPattern(grant: ActionItemGrant, actions: readonly string[]): string {
  const listed = listActions(actions);
  const allFromPattern = actions.every((action) => actionMatches(grant.pattern, action));
  return grant.pattern.includes('*') && allFromPattern ? `${listed} (from ${grant.pattern})` : listed;
}
