import { actionsNamed, type ActionInfo } from '../aws-data/iam-data.js';
import { isRestrictiveTest, type ConditionTest } from './conditions.js';
import { valueText } from './intrinsics.js';
import { arnFields } from './principals.js';
import type { EngineOptions } from './options.js';

/**
 * Which conditions of a statement really restrict *who* gets in. A condition narrows the principals
 * only when its key names the caller or the request's origin (organisation, account, ARN, network,
 * identity-provider claims) and its operator can only pass for the listed values: positive operators
 * (StringEquals, StringLike, ArnEquals, ArnLike, IpAddress, Bool for aws:PrincipalIsAWSService),
 * without `…IfExists` (passes when the key is missing), not `ForAllValues:` (passes when the request
 * has no value), not negated (`StringNotEquals` admits everyone else), not `Null`, and with values
 * that are not wildcards where it matters (`StringLike "*"`, an account field of `*` in an ARN).
 */

/**
 * - `organization`: aws:PrincipalOrgID/OrgPaths, aws:SourceOrgID/OrgPaths.
 * - `account`: aws:PrincipalAccount, aws:SourceAccount, aws:SourceOwner, kms:CallerAccount.
 * - `principal-arn`: aws:PrincipalArn. `source-arn`: aws:SourceArn, KMS encryption-context ARNs.
 * - `network`: aws:SourceVpce, aws:SourceVpc, aws:SourceIp, aws:VpcSourceIp, and the network of the EC2
 *   instance the credentials were issued to (aws:ec2InstanceSourceVPC, aws:ec2InstanceSourcePrivateIPv4).
 * - `aws-service`: aws:PrincipalIsAWSService, aws:PrincipalServiceName.
 * - `external-id`: sts:ExternalId — a shared secret, not an identity: it does not make `"*"` acceptable.
 * - `identity-claim`: claims of a federated identity (`<provider>:sub`, `:aud`, `:amr`, `SAML:aud`…).
 */
export type RestrictionKind = 'organization' | 'account' | 'principal-arn' | 'source-arn' | 'network' | 'aws-service' | 'external-id' | 'identity-claim';

export interface AccessRestriction {
  kind: RestrictionKind;
  /** The condition key as written. */
  key: string;
  test: ConditionTest;
  /** The values it admits, as text (`${…}` placeholders kept). */
  values: string[];
}

const KEY_KINDS: Record<string, RestrictionKind> = {
  'aws:principalorgid': 'organization',
  'aws:principalorgpaths': 'organization',
  'aws:sourceorgid': 'organization',
  'aws:sourceorgpaths': 'organization',
  'aws:principalaccount': 'account',
  'aws:sourceaccount': 'account',
  'aws:sourceowner': 'account',
  'kms:calleraccount': 'account',
  'aws:principalarn': 'principal-arn',
  'aws:sourcearn': 'source-arn',
  'aws:sourcevpce': 'network',
  'aws:sourcevpc': 'network',
  'aws:sourceip': 'network',
  'aws:vpcsourceip': 'network',
  'aws:ec2instancesourcevpc': 'network',
  'aws:ec2instancesourceprivateipv4': 'network',
  'aws:principalisawsservice': 'aws-service',
  'aws:principalservicename': 'aws-service',
  'sts:externalid': 'external-id',
};

/** The kind of restriction a condition key stands for, or `undefined` when it does not name the caller. */
export function restrictionKindOf(key: string): RestrictionKind | undefined {
  const lower = key.toLowerCase();
  const known = KEY_KINDS[lower];
  if (known !== undefined) return known;
  // KMS keys used by services on behalf of a resource: the ARN in the encryption context pins whose.
  if (/^kms:encryptioncontext:aws:[a-z0-9-]+:arn$/.test(lower)) return 'source-arn';
  if (isIdentityClaimKey(lower)) return 'identity-claim';
  return undefined;
}

/** `saml:aud`, `token.actions.githubusercontent.com:sub`, `cognito-identity.amazonaws.com:amr`, … */
export function isIdentityClaimKey(key: string): boolean {
  const lower = key.toLowerCase();
  if (lower.startsWith('saml:')) return true;
  const colon = lower.lastIndexOf(':');
  if (colon <= 0) return false;
  const prefix = lower.slice(0, colon);
  // Provider hosts have a dot (accounts.google.com, oidc.eks.….amazonaws.com/id/…); service prefixes do not.
  return prefix.includes('.') && !prefix.includes(' ');
}

const POSITIVE_STRING = new Set(['StringEquals', 'StringEqualsIgnoreCase', 'StringLike']);
const IP_KEYS = new Set(['aws:sourceip', 'aws:vpcsourceip', 'aws:ec2instancesourceprivateipv4']);
const POSITIVE_ARN = new Set(['ArnEquals', 'ArnLike']);

/** What is known of the statement a test is in, beyond the test itself. */
export interface RestrictionContext {
  /**
   * The statement is a trust policy's Allow of sts:AssumeRoleWithWebIdentity (see `isWebIdentityTrust`).
   * STS accepts only a token that has `aud` and `sub` claims (it checks `aud` against the OIDC provider's
   * client IDs), so `<provider>:aud` and `<provider>:sub` are always in that request.
   */
  webIdentity?: boolean;
}

/**
 * Why a test on a caller-naming key does not restrict who gets in, or `undefined` when it does.
 * The reason is worded for messages ("…IfExists passes when the key is missing").
 *
 * `ForAllValues:` passes when the request has no value for the key, so it does not restrict, except on a
 * web-identity `aud` or `sub` claim in a web-identity trust statement: the claim is always there, and a
 * set operator on one value is the plain operator (a style fault, see `isSetOperatorOnClaim`).
 */
export function whyNotRestrictive(test: ConditionTest, context: RestrictionContext = {}): string | undefined {
  const kind = restrictionKindOf(test.key);
  if (kind === undefined) return `${test.key} does not name the caller`;
  if (test.ifExists) return `${test.operator} passes when the request has no ${test.key}`;
  const alwaysPresent = test.qualifier === 'ForAllValues' && context.webIdentity === true && isAlwaysPresentClaim(test.key);
  if (test.qualifier === 'ForAllValues' && !alwaysPresent) return `${test.operator} passes when the request has no ${test.key}`;
  if (test.baseOperator === 'Null') return `Null only checks that ${test.key} is present or absent, not its value`;
  if (/Not/.test(test.baseOperator)) return `${test.operator} admits every value except the ones listed`;
  if (!operatorFits(kind, test)) return `${test.operator} is not an operator that compares ${test.key} to allowed values`;
  if (!isRestrictiveTest(alwaysPresent ? { ...test, qualifier: undefined } : test)) return `the values of ${test.key} are unknown or wildcards`;
  const texts = test.values.map(valueText);
  if (texts.some((t) => t === undefined)) return `a value of ${test.key} is not known`;
  const wide = (texts as string[]).find((text) => admitsAnyCaller(kind, test, text));
  if (wide !== undefined) return `"${wide}" matches callers from any ${kind === 'network' ? 'network' : 'account'}`;
  return undefined;
}

/** `<provider host>:aud` and `<provider host>:sub` of a web identity provider (not SAML's keys). */
function isAlwaysPresentClaim(key: string): boolean {
  const lower = key.toLowerCase();
  return !lower.startsWith('saml:') && isIdentityClaimKey(lower) && /:(aud|sub)$/.test(lower);
}

/**
 * A `ForAllValues:` test that restricts only because its claim is always in a web-identity request:
 * right about who gets in, but AWS advises against set operators on single-valued keys (the same test
 * copied where the key can be absent lets every request through).
 */
export function isSetOperatorOnClaim(test: ConditionTest, context: RestrictionContext): boolean {
  return test.qualifier === 'ForAllValues' && context.webIdentity === true && isAlwaysPresentClaim(test.key) && whyNotRestrictive(test, context) === undefined;
}

function operatorFits(kind: RestrictionKind, test: ConditionTest): boolean {
  const operator = test.baseOperator;
  if (IP_KEYS.has(test.key.toLowerCase())) return operator === 'IpAddress';
  if (test.key.toLowerCase() === 'aws:principalisawsservice') return operator === 'Bool';
  if (kind === 'principal-arn' || kind === 'source-arn') return POSITIVE_ARN.has(operator) || POSITIVE_STRING.has(operator);
  return POSITIVE_STRING.has(operator);
}

/** A value that, although not a bare `*`, still lets every caller through for its key. */
function admitsAnyCaller(kind: RestrictionKind, test: ConditionTest, text: string): boolean {
  const key = test.key.toLowerCase();
  const like = test.baseOperator === 'StringLike' || test.baseOperator === 'ArnLike';
  if (IP_KEYS.has(key)) return /^(0\.0\.0\.0\/0|::\/0)$/.test(text.trim());
  if (key === 'aws:principalisawsservice') return text.toLowerCase() !== 'true';
  if (!like) return false;
  switch (kind) {
    case 'organization':
      return /[*?]/.test(text.split('/')[0]!);
    case 'account':
      return /[*?]/.test(text);
    case 'principal-arn':
    case 'source-arn': {
      const parts = arnFields(text) ?? [];
      if (parts.length < 6) return /^[*?]/.test(text);
      const account = parts[4]!;
      // ARNs without an account field (S3 buckets) are pinned by their globally unique name.
      return account === '' ? /^[*?]/.test(parts.slice(5).join(':')) : /[*?]/.test(account);
    }
    case 'network':
      return /^[a-z]+-?[*?]/.test(text) || /^[*?]/.test(text);
    default:
      return /^[*?]+$/.test(text);
  }
}

/** The tests that really restrict who gets in, each with its kind. */
export function accessRestrictions(tests: readonly ConditionTest[]): AccessRestriction[] {
  return tests.flatMap((test) => {
    const kind = restrictionKindOf(test.key);
    if (kind === undefined || whyNotRestrictive(test) !== undefined) return [];
    return [{ kind, key: test.key, test, values: test.values.map((v) => valueText(v) ?? '?') }];
  });
}

/**
 * Restrictions that narrow *who* the principal is (so make `"*"` acceptable): everything but
 * sts:ExternalId, which anyone who learns it can present.
 */
export function identityRestrictions(restrictions: readonly AccessRestriction[]): AccessRestriction[] {
  return restrictions.filter((restriction) => restriction.kind !== 'external-id');
}

/** For messages: `aws:PrincipalOrgID = o-abc123`. */
export function describeRestriction(restriction: AccessRestriction): string {
  return `${restriction.key} ${restriction.test.baseOperator} ${restriction.values.join(', ')}`;
}

/**
 * Tests on caller-naming keys that look like a restriction but are not one, with the reason; for
 * messages that explain why a condition did not count.
 */
export function ineffectiveRestrictions(tests: readonly ConditionTest[]): { test: ConditionTest; reason: string }[] {
  return tests.flatMap((test) => {
    if (restrictionKindOf(test.key) === undefined) return [];
    const reason = whyNotRestrictive(test);
    return reason === undefined ? [] : [{ test, reason }];
  });
}

/**
 * Whether a statement's restrictions keep its principals inside the trusted organisation: an
 * aws:PrincipalOrgID/OrgPaths test naming `options.organizationId`. Without a configured organisation,
 * any such test counts: naming an organisation is how teams limit access to their own, and the
 * organisation id cannot be checked against anything else.
 */
export function restrictedToTrustedOrganization(restrictions: readonly AccessRestriction[], options: Pick<EngineOptions, 'organizationId'>): boolean {
  const organizations = restrictions.filter((r) => r.kind === 'organization' && /principalorg/i.test(r.key));
  if (organizations.length === 0) return false;
  const wanted = options.organizationId;
  if (wanted === undefined) return true;
  return organizations.some((r) => r.values.every((value) => value === wanted || value.startsWith(`${wanted}/`)));
}

/** Whether an aws:PrincipalAccount test admits only the template's own or trusted accounts. */
export function restrictedToTrustedAccounts(restrictions: readonly AccessRestriction[], options: Pick<EngineOptions, 'trustedAccounts'>): boolean {
  return restrictions.some(
    (r) => r.key.toLowerCase() === 'aws:principalaccount' && r.values.every((value) => value === '${AWS::AccountId}' || options.trustedAccounts.includes(value)),
  );
}

/**
 * Keys that let a grant be used only when an AWS service makes the call on the principal's behalf:
 * `Bool aws:ViaAWSService true`, or `Null … false` on aws:CalledVia, aws:CalledViaFirst, aws:CalledViaLast
 * (the request must have come through a service). Like the network keys, they narrow *how* a grant can be
 * used, not who holds it: a principal's own credentials, stolen and used directly, do not satisfy them.
 * (String tests on these keys, `ForAnyValue:StringEquals aws:CalledVia athena.amazonaws.com`, narrow as any
 * restrictive string test does.)
 */
export function narrowsToServicePath(test: ConditionTest): boolean {
  if (test.ifExists || test.qualifier !== undefined || test.values.length === 0) return false;
  const key = test.key.toLowerCase();
  const all = (wanted: string) => test.values.every((value) => value.kind === 'known' && String(value.value).toLowerCase() === wanted);
  if (test.baseOperator === 'Bool') return key === 'aws:viaawsservice' && all('true');
  if (test.baseOperator === 'Null') return SERVICE_PATH_KEYS.has(key) && all('false');
  return false;
}

const SERVICE_PATH_KEYS = new Set(['aws:calledvia', 'aws:calledviafirst', 'aws:calledvialast', 'aws:viaawsservice']);

/**
 * Keys that pin *where* an allowed call may deliver rather than who makes it. `sns:Endpoint` is the URL,
 * address or ARN of a Subscribe request: with it pinned to the owner's own endpoints, anyone may subscribe
 * the topic only to those, so no message leaves. (`sns:Protocol` is not one: pinning `sqs` or `email`
 * still lets a stranger subscribe a queue or an address of their own.)
 */
const DESTINATION_KEYS = new Set(['sns:endpoint']);

/**
 * The test that pins every action of a statement to named destinations, or `undefined`. It counts only
 * when each action that exists supports the key (AWS's service reference: sns:Subscribe supports
 * sns:Endpoint, sns:Publish does not, so `sns:*` is never pinned), when every action is known, and when
 * the test compares to specific values (a positive operator without IfExists or a set qualifier, values
 * as `isSpecificDestination` says). Names that are no action (`sns:Receive`) match no request and are
 * left out; at least one real action must remain.
 */
export function destinationPin(tests: readonly ConditionTest[], actions: readonly (string | undefined)[]): ConditionTest | undefined {
  const pin = tests.find((test) => {
    if (!DESTINATION_KEYS.has(test.key.toLowerCase()) || test.qualifier !== undefined || !POSITIVE_STRING.has(test.baseOperator)) return false;
    if (test.ifExists || test.values.length === 0) return false;
    return test.values.every(isSpecificDestination);
  });
  if (pin === undefined) return undefined;
  let governed = 0;
  for (const action of actions) {
    if (action === undefined || action === '*' || !/^[a-z0-9-]+:/i.test(action)) return undefined;
    const infos = actionsNamed(action);
    for (const info of infos) {
      if (!supportsKey(info, pin.key)) return undefined;
      governed += 1;
    }
  }
  return governed > 0 ? pin : undefined;
}

/**
 * A value that names endpoints rather than matching any: known text (or text around `${…}` references to
 * the template's own resources) with no wildcard, or a value only known at apply (a module output, an
 * attribute of a resource the configuration creates: the ARN of something made here, never a pattern).
 * A value from a parameter, a variable without default or an import is whatever the deployer passes, so
 * it does not count.
 */
function isSpecificDestination(value: ConditionTest['values'][number]): boolean {
  if (value.kind === 'known') return typeof value.value === 'string' && value.value !== '' && !/[*?]/.test(value.value);
  if (value.kind === 'partial') return value.refs.every((ref) => ref.kind === 'resource' || ref.kind === 'pseudo') && !/[*?]/.test(value.text.replace(/\$\{[^}]*\}/g, ''));
  if (value.kind === 'unknown') return value.refs.length === 0 || value.refs.every((ref) => ref.kind === 'resource' || ref.kind === 'pseudo');
  return false;
}

function supportsKey(info: ActionInfo, key: string): boolean {
  const lower = key.toLowerCase();
  const has = (keys: readonly string[]) => keys.some((k) => k.toLowerCase() === lower);
  return has(info.conditionKeys) || info.resourceTypes.some((type) => has(type.conditionKeys));
}
