import { actionInfo, actionsNamed, allServices, expandActionPattern, resourceTypesOf, serviceExists, wildcardToRegExp, type ActionInfo } from '../../aws-data/iam-data.js';
import type { DocumentModel } from '../../model/document-model.js';
import { arnCouldMatchPattern, parseArn, PARTITIONS } from '../../model/arn.js';
import { conditionTests, type ConditionTest } from '../../model/conditions.js';
import { intrinsicOf, valueText, type ResolvedValue } from '../../model/intrinsics.js';
import { elementItems, type ElementItem, type PolicyDocument, type Statement } from '../../model/policy.js';
import { impliesResource, protectsRestApi } from '../../model/policy-traits.js';
import { getEntry, getKey, isMap, isSeq, toPlain, type SourceNode } from '../../parse/nodes.js';
import type { Severity } from '../../findings/severity.js';
import type { IssueCode } from './_codes.js';
import { actionSupportsKey, lookupConditionKey } from './_condition-keys.js';

/** One problem found by the offline validation, before it becomes a finding of the rule owning its code. */
export interface ValidationIssue {
  code: IssueCode;
  node: SourceNode;
  /** The explanation, without the code (rules prefix it). */
  message: string;
  /** What tells this issue from others of the same code on the same node (an action name, a value). */
  element: string;
  /** The severity of this issue when it differs from its code's (what goes wrong depends on where it is). */
  severity?: Severity;
}

/**
 * Every validation issue of a document's policies, computed once per document and shared by the
 * policy-validation rules (each reports the codes it owns). Values that are not known until deployment
 * (parameters without a default, imports, attributes of resources) are skipped on purpose: judging a
 * placeholder would invent errors. Only what is written, or follows from defaults, is judged.
 */
export function validationIssues(model: DocumentModel): ValidationIssue[] {
  return model.derive('policy-validation/issues', (m) => m.policies.flatMap(validatePolicy));
}

const STATEMENT_ELEMENTS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const VALID_VERSIONS = new Set(['2012-10-17', '2008-10-17']);


export function validatePolicy(policy: PolicyDocument): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (code: IssueCode, node: SourceNode, message: string, element = '', severity?: Severity): void => {
    issues.push({ code, node, message, element, ...(severity !== undefined ? { severity } : {}) });
  };
  const root = policy.node;
  // A document built by an intrinsic (a JSON string from Fn::Sub, a Ref) is only known at deployment:
  // judging the function call as if it were the policy would invent errors, so it is skipped.
  if (!isMap(root) || intrinsicOf(root) !== undefined) return issues;
  checkVersion(policy, add);
  checkElementSpelling(policy, root, add);
  if (getKey(root, 'Statement') === undefined) {
    add('MISSING_STATEMENT', root, `${policy.owner.label}: the policy has no "Statement" element.`);
    return issues;
  }
  const statements = policy.statements.filter((statement) => isMap(statement.node));
  for (const statement of statements) {
    checkElements(policy, statement, add);
    checkActions(statement, add);
    checkPassRole(statement, add);
    checkResources(policy, statement, add);
    checkResourceTypes(statement, add);
    checkConditions(statement, add);
  }
  checkSids(policy, statements, add);
  checkRedundantStatements(statements, add);
  return issues;
}


type Add = (code: IssueCode, node: SourceNode, message: string, element?: string, severity?: Severity) => void;

const POLICY_ELEMENTS = ['Version', 'Id', 'Statement'];

/**
 * IAM's grammar spells the policy's own elements as literal strings ("Version", "Id", "Statement"), while
 * trustgate reads the statements under any spelling of "Statement" (the last one), to judge what a lenient
 * service might read. A second spelling beside the exact one (`Statement` and `statement`) leaves two
 * lists of statements, of which trustgate judges one and AWS may read the other: it blocks, naming both.
 */
function checkElementSpelling(policy: PolicyDocument, root: SourceNode, add: Add): void {
  if (!isMap(root)) return;
  for (const entry of root.entries) {
    const name = entry.key.value;
    if (typeof name !== 'string') continue;
    const element = POLICY_ELEMENTS.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (element === undefined || element === name) continue;
    const exact = root.entries.find((other) => other.key.value === element);
    if (exact === undefined) continue;
    const line = policy.file.positionAt(exact.key.start).line;
    add(
      'INVALID_POLICY_ELEMENT',
      entry.key,
      `${policy.owner.label}: "${name}" is not a policy element (IAM spells it "${element}"), and the policy also has "${element}" on line ${line}: trustgate judges only one of the two, and AWS may read the other, so the policy does not mean what it shows.`,
      name,
    );
  }
}

/**
 * A policy variable as IAM reads it in Resource and Condition values: `${aws:username}`,
 * `${aws:PrincipalTag/team}`, `${s3:prefix}`, `${saml:sub}`, and the escapes `${*}`, `${?}`, `${$}`
 * (written `${!aws:username}` inside Fn::Sub). `${AWS::AccountId}` and `${Bucket}` are CloudFormation's own.
 */
const POLICY_VARIABLE = /\$\{!?(?:[A-Za-z0-9][A-Za-z0-9.-]*:(?!:)[^}\s]+|\*|\?|\$)\}/;

/** The first policy variable the policy's statements use where IAM reads them (Resource, NotResource, Condition), if any. */
function firstPolicyVariable(policy: PolicyDocument): { text: string; node: SourceNode } | undefined {
  for (const statement of policy.statements) {
    for (const element of ['Resource', 'NotResource', 'Condition'] as const) {
      const found = findVariable(statement.elements[element], 0);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function findVariable(node: SourceNode | undefined, depth: number): { text: string; node: SourceNode } | undefined {
  if (node === undefined || depth > 32) return undefined;
  if (node.kind === 'scalar') {
    const match = typeof node.value === 'string' ? POLICY_VARIABLE.exec(node.value) : null;
    return match === null ? undefined : { text: match[0].replace('${!', '${'), node };
  }
  const children = isMap(node) ? node.entries.map((entry) => entry.value) : isSeq(node) ? node.items : [];
  for (const child of children) {
    const found = findVariable(child, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * A missing Version makes IAM read the policy with the 2008-10-17 language, which differs from 2012-10-17
 * in one way that matters: policy variables are literal text there. Without variables nothing changes (info);
 * with them the statements stop matching what they name — an Allow grants less, a Deny guards nothing —
 * silently (high).
 */
function checkVersion(policy: PolicyDocument, add: Add): void {
  const version = getKey(policy.node, 'Version');
  if (version === undefined) {
    const variable = firstPolicyVariable(policy);
    if (variable !== undefined) {
      add(
        'MISSING_VERSION',
        policy.node,
        `${policy.owner.label}: the policy has no "Version", so IAM reads it with the 2008-10-17 language, in which the policy variable ${variable.text} it uses is literal text: the statement matches only a resource or value literally containing "${variable.text}", so an Allow grants nothing and a Deny guards nothing. Add "Version": "2012-10-17".`,
        '',
        'high',
      );
    } else {
      add('MISSING_VERSION', policy.node, `${policy.owner.label}: the policy has no "Version"; IAM then applies the 2008-10-17 language. It uses no policy variables (the one thing that language reads differently), so nothing changes today; add "Version": "2012-10-17" so a variable added later works.`);
    }
    return;
  }
  for (const value of policy.resolver.resolve(version)) {
    if (value.kind !== 'known') continue;
    const text = String(value.value);
    if (!VALID_VERSIONS.has(text)) add('INVALID_VERSION', value.node, `"${text}" is not a policy language version; use "2012-10-17".`, text);
  }
}

function checkElements(policy: PolicyDocument, statement: Statement, add: Add): void {
  const node = statement.node;
  const label = statementLabel(statement);
  if (isMap(node)) {
    for (const entry of node.entries) {
      const name = String(entry.key.value);
      if (!STATEMENT_ELEMENTS.has(name)) add('INVALID_POLICY_ELEMENT', entry.key, `${label}: "${name}" is not a statement element; IAM knows ${[...STATEMENT_ELEMENTS].join(', ')}.`, name);
    }
  }
  if (statement.effectNode === undefined) add('MISSING_EFFECT', node, `${label} has no "Effect"; add "Effect": "Allow" or "Deny".`);
  else {
    for (const value of statement.document.resolver.resolve(statement.effectNode)) {
      if (value.kind !== 'known') continue;
      const text = String(value.value);
      if (text !== 'Allow' && text !== 'Deny') add('INVALID_EFFECT', value.node, `${label}: Effect "${text}" is neither "Allow" nor "Deny" (case matters).`, text);
    }
  }
  const { elements } = statement;
  if (elements.Action === undefined && elements.NotAction === undefined) add('MISSING_ACTION', node, `${label} has neither "Action" nor "NotAction".`);
  const needsResource = policy.kind === 'identity' || policy.kind === 'scp' || (policy.kind === 'resource' && !impliesResource(policy));
  if (needsResource && elements.Resource === undefined && elements.NotResource === undefined) {
    add('MISSING_RESOURCE', node, `${label} has neither "Resource" nor "NotResource".`);
  }
  const principal = elements.Principal ?? elements.NotPrincipal;
  if (policy.kind === 'identity' && principal !== undefined) {
    add('UNSUPPORTED_PRINCIPAL', keyNodeOf(statement, elements.Principal !== undefined ? 'Principal' : 'NotPrincipal'), `${label}: an identity policy cannot name a principal (it applies to whoever it is attached to); remove "${elements.Principal !== undefined ? 'Principal' : 'NotPrincipal'}".`);
  }
  if ((policy.kind === 'resource' || policy.kind === 'trust') && principal === undefined) {
    add('MISSING_PRINCIPAL', node, `${label}: a ${policy.kind === 'trust' ? 'trust' : 'resource'} policy statement must name who it applies to ("Principal").`);
  }
  if (elements.NotPrincipal !== undefined && statement.effect === 'Allow') {
    add('ALLOW_WITH_NOT_PRINCIPAL', keyNodeOf(statement, 'NotPrincipal'), `${label} allows every principal except those listed ("Allow" with "NotPrincipal"), including anonymous users.`);
  }
}

function keyNodeOf(statement: Statement, name: string): SourceNode {
  return getEntry(statement.node, name)?.key ?? statement.node;
}

function statementLabel(statement: Statement): string {
  return `${statement.document.owner.label}, statement ${statement.sid !== undefined ? `"${statement.sid}"` : statement.index + 1}`;
}

/** Known string values of an element's items (other kinds are not known before deployment). */
function knownStrings(item: ElementItem): { text: string; value: ResolvedValue }[] {
  return item.values.flatMap((value) => (value.kind === 'known' && typeof value.value === 'string' ? [{ text: value.value, value }] : []));
}

/** `pattern`: a wildcard of an existing service that matches none of its actions. */
type ActionVerdict = { code: 'INVALID_ACTION' | 'INVALID_SERVICE'; message: string; pattern?: true } | null;
const actionVerdicts = new Map<string, ActionVerdict>();

function judgeAction(text: string): ActionVerdict {
  const key = text.toLowerCase();
  let verdict = actionVerdicts.get(key);
  if (verdict !== undefined) return verdict;
  verdict = computeActionVerdict(text);
  actionVerdicts.set(key, verdict);
  return verdict;
}

function computeActionVerdict(text: string): ActionVerdict {
  if (text === '*') return null;
  const colon = text.indexOf(':');
  if (colon <= 0) return { code: 'INVALID_ACTION', message: `"${text}" is not an action: actions are written service:Action (e.g. s3:GetObject).` };
  const service = text.slice(0, colon);
  const action = text.slice(colon + 1);
  if (/[*?]/.test(service)) {
    const matcher = wildcardToRegExp(service);
    if (![...allServices()].some((known) => matcher.test(known))) return { code: 'INVALID_SERVICE', message: `no AWS service prefix matches "${service}" in "${text}".` };
    return null;
  }
  if (!serviceExists(service)) return { code: 'INVALID_SERVICE', message: `"${service}" (in "${text}") is not an AWS service prefix.` };
  if (action === '') return { code: 'INVALID_ACTION', message: `"${text}" names no action.` };
  if (/[*?]/.test(action)) {
    if (action === '*' || expandActionPattern(text).length > 0) return null;
    return { code: 'INVALID_ACTION', message: `"${text}" matches no ${service} action.`, pattern: true };
  }
  if (actionInfo(text) === undefined) return { code: 'INVALID_ACTION', message: `"${text}" is not a ${service} action.` };
  return null;
}

function checkActions(statement: Statement, add: Add): void {
  for (const element of ['Action', 'NotAction'] as const) {
    const items = elementItems(statement, element);
    const granting = element === 'Action' && statement.effect === 'Allow' ? grantingActions(items) : new Map<string, string>();
    for (const item of items) {
      for (const { text, value } of knownStrings(item)) {
        const verdict = judgeAction(text);
        if (verdict === null) continue;
        const other = verdict.pattern === true ? granting.get(text.slice(0, text.indexOf(':')).toLowerCase()) : undefined;
        const sibling = statement.effect === 'Deny' && element === 'Action' && verdict.code === 'INVALID_ACTION' && verdict.pattern !== true ? sameNounDenied(text, items) : undefined;
        const consequence = other !== undefined ? emptyPatternBesideGrant(text, other) : sibling !== undefined ? deniedThroughSibling(sibling) : invalidActionConsequence(statement.effect, element);
        add(verdict.code, value.node, `${statementLabel(statement)}: ${verdict.message}${consequence.text}`, text, consequence.severity);
      }
    }
    if (element === 'Action') checkRedundant(items, statement, 'action', add);
  }
}

/** For each service (lower case), the first item of the list that names existing actions of it. */
function grantingActions(items: ElementItem[]): Map<string, string> {
  const granting = new Map<string, string>();
  for (const item of items) {
    for (const { text } of knownStrings(item)) {
      const colon = text.indexOf(':');
      if (colon <= 0 || /[*?]/.test(text.slice(0, colon)) || judgeAction(text) !== null) continue;
      const service = text.slice(0, colon).toLowerCase();
      if (!granting.has(service)) granting.set(service, text);
    }
  }
  return granting;
}

/**
 * An API operation's name written as an action (`s3:HeadObject`) in a Deny that also denies an action of
 * the same service on the same resource noun (`s3:GetObject`): the operation is most likely authorized by
 * that action (S3 authorizes HeadObject with s3:GetObject), so the Deny refuses it after all. There is no
 * AWS data that maps API operations to actions, so this is a heuristic, and the finding stays (medium, not
 * high) with the action it probably goes through. The noun is what follows the verb, the name's first
 * capitalized word (`Head|Object`, `Get|Object`, `Get|ObjectAcl`); it must match exactly. Denied actions of
 * the Read access level come first, as a HEAD or GET operation reads.
 */
function sameNounDenied(text: string, items: ElementItem[]): string | undefined {
  const colon = text.indexOf(':');
  const service = text.slice(0, colon).toLowerCase();
  const noun = nounOf(text.slice(colon + 1));
  if (noun === undefined || !serviceExists(service)) return undefined;
  const candidates: ActionInfo[] = [];
  for (const item of items) {
    for (const { text: other } of knownStrings(item)) {
      if (!other.toLowerCase().startsWith(`${service}:`) || judgeAction(other) !== null) continue;
      const infos = actionsNamed(other);
      candidates.push(...infos.filter((info) => nounOf(info.name.slice(info.name.indexOf(':') + 1))?.toLowerCase() === noun.toLowerCase()));
    }
  }
  const best = candidates.find((info) => info.accessLevels.includes('Read')) ?? candidates[0];
  return best?.name;
}

function nounOf(action: string): string | undefined {
  const match = /^[A-Z][a-z]+([A-Z][A-Za-z0-9]*)$/.exec(action);
  return match?.[1];
}

function deniedThroughSibling(action: string): { text: string; severity: Severity } {
  return { text: ` The Deny refuses nothing by this name, but it also denies ${action}, the action that most likely authorizes this operation (same service and resource), so the request is probably refused all the same: replace the name with ${action} or remove it.`, severity: 'medium' };
}

/**
 * A wildcard that matches no action of its service, in an Allow that grants actions of that service through
 * another item: nothing is lost that another item was not there to grant (a module that writes List*, Get*,
 * Describe*, View* for every service it is given). A tidy-up (low), not an access the workload lacks; a
 * misspelt literal action and a service that does not exist keep their grade, as does a pattern that is the
 * statement's only try at its service.
 */
function emptyPatternBesideGrant(text: string, other: string): { text: string; severity: Severity } {
  return { text: ` It grants nothing, but the statement grants ${text.slice(0, text.indexOf(':'))} actions through "${other}": remove the pattern (no access is lost).`, severity: 'low' };
}

/**
 * An action that does not exist matches no request, and IAM accepts it in identity policies. What that
 * breaks depends on where it is: a Deny that does not refuse what it names, or an Allow with NotAction that
 * does not except it, leaves access open (high); an Allow that grants nothing by that name, or a Deny with
 * NotAction that refuses what it meant to except, only takes access away (medium). Unknown effect: high.
 */
function invalidActionConsequence(effect: Statement['effect'], element: 'Action' | 'NotAction'): { text: string; severity?: Severity } {
  if (effect === 'Allow' && element === 'Action') return { text: ' The statement grants nothing by this name (identity policies accept it; resource policies are refused at deployment), so whatever it was meant to allow is denied.', severity: 'medium' };
  if (effect === 'Deny' && element === 'NotAction') return { text: ' The Deny does not except it, so the action meant to stay allowed is denied.', severity: 'medium' };
  if (effect === 'Deny') return { text: ' The Deny refuses nothing by this name, so the action it was meant to refuse stays allowed.' };
  if (effect === 'Allow') return { text: ' NotAction does not except it, so the action meant to be excluded is allowed.' };
  return { text: '' };
}

function checkPassRole(statement: Statement, add: Add): void {
  if (statement.effect !== 'Allow') return;
  const passRole = elementItems(statement, 'Action').some((item) => knownStrings(item).some(({ text }) => text !== '*' && /^[a-z*?]+:/i.test(text) && wildcardToRegExp(text).test('iam:PassRole')));
  if (!passRole) return;
  for (const item of elementItems(statement, 'Resource')) {
    for (const { text, value } of knownStrings(item)) {
      if (text === '*') {
        add('PASS_ROLE_WITH_STAR_IN_RESOURCE', value.node, `${statementLabel(statement)} allows iam:PassRole on every role ("Resource": "*"): the holder can hand any role, up to an administrator role, to a service it controls. List the role ARNs to pass.`, '*');
      }
    }
  }
}

/** Exact duplicates, or items another wildcard item of the same list already covers. */
function checkRedundant(items: ElementItem[], statement: Statement, what: 'action' | 'resource', add: Add): void {
  const list = statement.elements[what === 'action' ? 'Action' : 'Resource'];
  if (!isSeq(list)) return;
  // Only items written directly in the list: two Fn::If branches are alternatives, not repeats.
  const entries = items
    .filter((item) => item.node.parent === list)
    .flatMap((item) => {
      const texts = item.values.flatMap((value) => {
        const text = valueText(value);
        return text === undefined || Array.isArray((value as { value?: unknown }).value) ? [] : [text];
      });
      return texts.length === 1 && item.values.length === 1 ? [{ node: item.node, text: texts[0]!, known: item.values[0]!.kind === 'known' }] : [];
    });
  const normalise = (text: string): string => (what === 'action' ? text.toLowerCase() : text);
  const reported = new Set<number>();
  for (let j = 0; j < entries.length; j++) {
    for (let i = 0; i < entries.length; i++) {
      if (i === j || reported.has(j)) continue;
      const a = entries[j]!;
      const b = entries[i]!;
      const same = normalise(a.text) === normalise(b.text);
      const covered = !same && b.known && covers(b.text, a.text, what);
      if ((same && i < j) || covered) {
        reported.add(j);
        const why = same ? `is listed twice` : `is already covered by "${b.text}"`;
        add(what === 'action' ? 'REDUNDANT_ACTION' : 'REDUNDANT_RESOURCE', a.node, `${statementLabel(statement)}: ${what} "${a.text}" ${why}; remove it.`, a.text);
      }
    }
  }
}

function covers(pattern: string, text: string, what: 'action' | 'resource'): boolean {
  if (!/[*?]/.test(pattern) || pattern.includes('?') || text.includes('?')) return false;
  if (text.includes('${') && pattern !== '*') return false;
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${source}$`, what === 'action' ? 'i' : '').test(text);
}

function checkResources(policy: PolicyDocument, statement: Statement, add: Add): void {
  const apiGateway = protectsRestApi(policy);
  for (const element of ['Resource', 'NotResource'] as const) {
    const items = elementItems(statement, element);
    for (const item of items) {
      for (const { text, value } of knownStrings(item)) {
        if (text === '*' || (apiGateway && text.startsWith('execute-api:'))) continue;
        const parsed = parseArn(text);
        if (!parsed.ok) {
          if (parsed.problem.kind === 'prefix') add('INVALID_ARN_PREFIX', value.node, `${statementLabel(statement)}: "${text}" is not an ARN (it must start with "arn:") nor "*".`, text);
          else add('MISSING_ARN_FIELD', value.node, `${statementLabel(statement)}: "${text}" has ${parsed.problem.found} of the 6 colon-separated ARN fields (arn:partition:service:region:account:resource).`, text);
          continue;
        }
        const partition = parsed.arn.partition;
        if (!/[*?$]/.test(partition) && !(PARTITIONS as readonly string[]).includes(partition)) {
          add('INVALID_PARTITION', value.node, `${statementLabel(statement)}: "${partition}" in "${text}" is not an AWS partition (aws, aws-cn, aws-us-gov, …).`, text);
        }
      }
    }
    if (element === 'Resource') checkRedundant(items, statement, 'resource', add);
  }
}

/** The ARN text of a Resource value as far as it is written: placeholders stay `${…}` (matched as wildcards). */
function resourceText(value: ResolvedValue): string | undefined {
  if (value.kind === 'known') return typeof value.value === 'string' ? value.value : undefined;
  // Placeholders (`${Bucket}`, `${AWS::Partition}`) may hold colons: read each as a wildcard.
  if (value.kind === 'partial') return value.text.replace(/\$\{[^}]*\}/g, '*');
  return undefined;
}

const compatibility = new Map<string, boolean>();

function couldMatch(arn: string, pattern: string): boolean {
  const key = `${arn}\u0000${pattern}`;
  let result = compatibility.get(key);
  if (result === undefined) {
    result = arnCouldMatchPattern(arn, pattern);
    compatibility.set(key, result);
  }
  return result;
}

/**
 * An action whose resource types none of the statement's ARNs can be (s3:ListBucket on an object ARN):
 * the grant silently does nothing for that action. Judged only when every resource of the action's
 * service is written well enough to tell its type; `*` or an ARN that is a placeholder skips the check.
 */
function checkResourceTypes(statement: Statement, add: Add): void {
  const resourceItems = elementItems(statement, 'Resource');
  if (resourceItems.length === 0) return;
  const arns: { text: string; service: string }[] = [];
  for (const item of resourceItems) {
    for (const value of item.values) {
      const text = resourceText(value);
      if (text === undefined || text === '*' || text.startsWith('*')) return;
      const parsed = parseArn(text);
      if (!parsed.ok) continue;
      if (/[*?]/.test(parsed.arn.service)) return;
      arns.push({ text, service: parsed.arn.service.toLowerCase() });
    }
  }
  for (const item of elementItems(statement, 'Action')) {
    for (const { text, value } of knownStrings(item)) {
      if (/[*?]/.test(text)) continue;
      const action = actionInfo(text);
      if (action === undefined || action.resourceTypes.length === 0) continue;
      const mine = arns.filter((arn) => arn.service === action.service);
      if (mine.length === 0) continue;
      const types = resourceTypesOf(action.service);
      const patterns = action.resourceTypes.map((rt) => types.get(rt.name.toLowerCase())?.arn);
      if (patterns.some((p) => p === undefined)) continue;
      const allTypes = [...types.values()].map((t) => t.arn);
      // An ARN that matches no type of its service at all is odd, but not this check's business.
      if (!mine.every((arn) => allTypes.some((pattern) => couldMatch(arn.text, pattern)))) continue;
      if (mine.some((arn) => patterns.some((pattern) => couldMatch(arn.text, pattern!)))) continue;
      const typeNames = action.resourceTypes.map((rt) => rt.name).join(', ');
      add(
        'RESOURCE_TYPE_MISMATCH',
        value.node,
        `${statementLabel(statement)}: ${action.name} applies to ${typeNames} ARNs, and none of the statement's ${action.service} resources (${mine.map((a) => a.text).join(', ')}) is one, so this grant has no effect for it.`,
        text,
      );
    }
  }
}

const OPERATORS = new Map(
  [
    'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
    'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
    'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
    'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Null',
  ].map((name) => [name.toLowerCase(), name]),
);

type Family = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'IpAddress' | 'Arn' | 'Null';

function familyOf(operator: string): Family {
  if (operator === 'Null') return 'Null';
  if (operator === 'Bool') return 'Bool';
  if (operator === 'BinaryEquals') return 'Binary';
  if (operator.endsWith('IpAddress')) return 'IpAddress';
  for (const family of ['String', 'Numeric', 'Date', 'Arn'] as const) if (operator.startsWith(family)) return family;
  return 'String';
}

function checkConditions(statement: Statement, add: Add): void {
  const label = statementLabel(statement);
  const badOperators = new Set<SourceNode>();
  for (const test of conditionTests(statement)) {
    const operator = parseOperator(test.operator);
    if (operator === undefined) {
      if (!badOperators.has(test.operatorNode)) {
        badOperators.add(test.operatorNode);
        add('INVALID_CONDITION_OPERATOR', test.operatorNode, `${label}: "${test.operator}" is not a condition operator.`, test.operator);
      }
      continue;
    }
    if (operator.base === 'Null' && operator.ifExists) {
      if (!badOperators.has(test.operatorNode)) {
        badOperators.add(test.operatorNode);
        add('NULL_WITH_IF_EXISTS', test.operatorNode, `${label}: "${test.operator}" — Null already tests whether the key exists, so IfExists makes no sense with it.`, test.operator);
      }
      continue;
    }
    const family = familyOf(operator.base);
    checkValues(test, family, label, add);
    if (test.key.includes('${')) continue;
    const lookup = lookupConditionKey(test.key);
    if (lookup.kind === 'invalid-global') {
      add('INVALID_GLOBAL_CONDITION_KEY', test.keyNode, `${label}: "${test.key}" is not a global condition key.`, test.key);
      continue;
    }
    if (lookup.kind === 'invalid-service') {
      add('INVALID_SERVICE_CONDITION_KEY', test.keyNode, `${label}: "${test.key}" is not a condition key of ${serviceExists(lookup.service) ? `the ${lookup.service} service` : `any service ("${lookup.service}" is not a service prefix)`}.`, test.key);
      continue;
    }
    if (lookup.kind !== 'known') continue;
    const multiValued = lookup.type.startsWith('ArrayOf');
    if (multiValued && operator.qualifier === undefined && family !== 'Null') {
      add('MISSING_QUALIFIER', test.operatorNode, `${label}: "${test.key}" can have several values in a request; say how to compare them with ForAnyValue: or ForAllValues: before "${test.operator}".`, test.key);
    }
    if (!multiValued && operator.qualifier === 'ForAllValues') {
      add('FORALLVALUES_WITH_SINGLE_VALUED_KEY', test.operatorNode, `${label}: ForAllValues with the single-valued key "${test.key}" is also true when the request has no value for it; use "${operator.base}" without the qualifier.`, test.key);
    }
    const keyType = lookup.type.replace(/^ArrayOf/, '');
    const mismatch = mismatchedType(family, keyType);
    if (mismatch) add('MISMATCHED_TYPE', test.operatorNode, `${label}: "${test.operator}" compares ${family === 'String' ? 'string' : family} values, but "${test.key}" is of type ${keyType}.`, test.key);
    if (!lookup.global) checkKeyAppliesToActions(statement, test, label, add);
  }
}

function parseOperator(text: string): { base: string; ifExists: boolean; qualifier: 'ForAnyValue' | 'ForAllValues' | undefined } | undefined {
  let rest = text;
  let qualifier: 'ForAnyValue' | 'ForAllValues' | undefined;
  const colon = text.indexOf(':');
  if (colon >= 0) {
    const prefix = text.slice(0, colon).toLowerCase();
    if (prefix === 'foranyvalue') qualifier = 'ForAnyValue';
    else if (prefix === 'forallvalues') qualifier = 'ForAllValues';
    else return undefined;
    rest = text.slice(colon + 1);
  }
  const ifExists = /IfExists$/i.test(rest);
  const base = OPERATORS.get((ifExists ? rest.slice(0, -'IfExists'.length) : rest).toLowerCase());
  return base === undefined ? undefined : { base, ifExists, qualifier };
}

/** Clear contradictions only: a typed operator on a key of another type, or a string test of a typed key. */
function mismatchedType(family: Family, keyType: string): boolean {
  const typed: Record<string, Family> = { Date: 'Date', Numeric: 'Numeric', Bool: 'Bool', Boolean: 'Bool', IPAddress: 'IpAddress' };
  const keyFamily = typed[keyType];
  if (family === 'Null' || family === 'Binary' || family === 'Arn') return false;
  if (family === 'String') return keyFamily !== undefined && keyFamily !== 'Numeric';
  if (family === 'Numeric' && keyFamily === 'Date') return false; // epoch seconds are numbers
  return keyFamily !== family;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?$/;
const IPV6 = /^[0-9a-f:]*:[0-9a-f:.]*(\/(12[0-8]|1[01]\d|\d?\d))?$/i;

function checkValues(test: ConditionTest, family: Family, label: string, add: Add): void {
  for (const value of test.values) {
    if (value.kind !== 'known' || Array.isArray(value.value)) continue;
    const raw = value.value;
    const text = String(raw);
    if (text.includes('${')) continue; // a policy variable, compared as the request's value
    let code: IssueCode | undefined;
    let expected = '';
    switch (family) {
      case 'Numeric':
        if (!/^-?\d+(\.\d+)?$/.test(text)) [code, expected] = ['TYPE_MISMATCH_NUMBER', 'a number'];
        break;
      case 'Date':
        if (!/^\d+$/.test(text) && !(/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text)))) [code, expected] = ['TYPE_MISMATCH_DATE', 'an ISO 8601 date or epoch seconds'];
        break;
      case 'Bool':
      case 'Null':
        if (!/^(true|false)$/i.test(text)) [code, expected] = ['TYPE_MISMATCH_BOOLEAN', '"true" or "false"'];
        break;
      case 'IpAddress':
        if (!IPV4.test(text) && !(text.includes(':') && IPV6.test(text))) [code, expected] = ['TYPE_MISMATCH_IP_RANGE', 'an IP address or CIDR range'];
        break;
      case 'Arn':
        if (text !== '*' && !(parseArn(text).ok)) [code, expected] = ['TYPE_MISMATCH_ARN', 'an ARN'];
        break;
      default:
        break;
    }
    if (code !== undefined) add(code, value.node, `${label}: ${test.operator} on "${test.key}" needs ${expected}, not "${text}"; the test can never match as written.`, `${test.key}=${text}`);
  }
}

/**
 * A service condition key that none of the statement's actions of that service supports: the request
 * never carries it, so an Allow never matches and a Deny never applies.
 */
function checkKeyAppliesToActions(statement: Statement, test: ConditionTest, label: string, add: Add): void {
  const service = test.key.slice(0, test.key.indexOf(':')).toLowerCase();
  if (!serviceExists(service)) return;
  const actions: ActionInfo[] = [];
  for (const item of elementItems(statement, 'Action')) {
    for (const value of item.values) {
      if (value.kind !== 'known' || typeof value.value !== 'string') return; // an action we cannot see may support it
      const text = value.value;
      if (text === '*' || !text.toLowerCase().startsWith(`${service}:`)) {
        if (text === '*' || /^[^:]*[*?][^:]*:/.test(text)) return;
        continue;
      }
      if (/[*?]/.test(text)) actions.push(...expandActionPattern(text));
      else {
        const info = actionInfo(text);
        if (info === undefined) return;
        actions.push(info);
      }
    }
  }
  if (actions.length === 0) return;
  if (actions.some((action) => actionSupportsKey(action, test.key))) return;
  add(
    'UNSUPPORTED_CONDITION_KEY_FOR_ACTION',
    test.keyNode,
    `${label}: no ${service} action of this statement supports the condition key "${test.key}", so requests never carry it and the condition ${statement.effect === 'Deny' ? 'never applies the Deny' : 'never matches'}.`,
    test.key,
  );
}

function checkSids(policy: PolicyDocument, statements: Statement[], add: Add): void {
  const seen = new Map<string, Statement>();
  // IAM (identity and trust policies) and Organizations reject duplicate Sids; S3, SQS and other
  // services store them, so there a duplicate is only confusing.
  const required = policy.kind !== 'resource';
  for (const statement of statements) {
    if (statement.sid === undefined) continue;
    const first = seen.get(statement.sid);
    if (first === undefined) {
      seen.set(statement.sid, statement);
      continue;
    }
    if (first.index === statement.index) continue; // two Fn::If branches of one statement
    const sidNode = getKey(statement.node, 'Sid') ?? statement.node;
    add(
      required ? 'UNIQUE_SIDS_REQUIRED' : 'UNIQUE_SIDS_RECOMMENDED',
      sidNode,
      `${policy.owner.label}: Sid "${statement.sid}" is used by statements ${first.index + 1} and ${statement.index + 1}; ${required ? `${policy.kind === 'scp' ? 'AWS Organizations' : 'IAM'} rejects a policy whose Sids repeat` : 'unique Sids make the statements easy to tell apart'}.`,
      statement.sid,
    );
  }
}

function checkRedundantStatements(statements: Statement[], add: Add): void {
  const seen = new Map<string, Statement>();
  for (const statement of statements) {
    const plain = toPlain(statement.node);
    if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) continue;
    const { Sid: _sid, ...rest } = plain as Record<string, unknown>;
    const key = JSON.stringify(rest);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, statement);
      continue;
    }
    if (first.index === statement.index) continue;
    add('REDUNDANT_STATEMENT', statement.node, `${statementLabel(statement)} repeats statement ${first.sid !== undefined ? `"${first.sid}"` : first.index + 1} (same effect, actions, resources, principals and conditions); remove one.`);
  }
}

