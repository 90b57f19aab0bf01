import { getKey, getKeyIgnoreCase, isMap, isScalar, isSeq, scalarString, type SourceNode } from '../parse/nodes.js';
import type { EngineOptions } from './options.js';
import { intrinsicOf, type IntrinsicResolver, type ResolvedValue } from './intrinsics.js';
import type { Statement } from './policy.js';
import type { Template } from './template.js';
import { serviceName } from '../aws-data/service-principal.js';

/**
 * Principals of IAM policies, normalised once: every written shape (`"*"`, `{AWS: "*"}`, account ids,
 * root/role/user/assumed-role ARNs, Service, Federated, CanonicalUser, values built with Ref, Sub,
 * GetAtt or parameters, NotPrincipal) becomes a {@link Principal} that says what kind of principal it
 * is, which account it belongs to, and which node it was written at. Trust and exposure rules read
 * principals only through this module.
 */

/** The key under which a principal is written; `*` for the bare `Principal: "*"`. */
export type PrincipalType = 'AWS' | 'Service' | 'Federated' | 'CanonicalUser' | '*';

/**
 * - `anyone`: every principal in every account (`"*"`, `{AWS: "*"}`).
 * - `account`: every principal of one account (`123456789012`, `arn:aws:iam::123456789012:root`).
 * - `iam`: one IAM role, user, assumed-role session or federated user.
 * - `service`: an AWS service (`s3.amazonaws.com`).
 * - `federated`: an identity provider (OIDC, SAML, Cognito).
 * - `canonical-user`: an S3 canonical user id.
 * - `unknown`: cannot be told from the template (a parameter without default, an import, …).
 */
export type PrincipalKind = 'anyone' | 'account' | 'iam' | 'service' | 'federated' | 'canonical-user' | 'unknown';

/**
 * Whose account a principal belongs to. `own`: the template's account (`${AWS::AccountId}`, a role the
 * template defines); `literal`: a written account id (`via` when it comes from a parameter default or
 * allowed value, which a deployer may change); `aws`: an account AWS owns (`arn:aws:iam::cloudfront:…`);
 * `unknown`: not known until deployment.
 */
export type AccountOwner =
  | { kind: 'own' }
  | { kind: 'literal'; id: string; via?: string }
  | { kind: 'aws'; name: string }
  | { kind: 'unknown'; reason: string };

/** Identity providers that have rules of their own; `oidc` is any other OpenID Connect provider. */
export type ProviderKind = 'github' | 'eks' | 'cognito' | 'saml' | 'oidc' | 'unknown';

export interface Principal {
  /** `NotPrincipal` principals are the ones excluded: with Allow, everyone else gets in. */
  element: 'Principal' | 'NotPrincipal';
  type: PrincipalType;
  kind: PrincipalKind;
  /**
   * The exact node of the principal value: the list item, or the Fn::If branch it came from. A value
   * from a parameter default still points at the policy, where the principal is used.
   */
  node: SourceNode;
  /** The resolved text (`arn:aws:iam::${AWS::AccountId}:root`), or `undefined` when unknown. */
  text: string | undefined;
  /** For `account`, `iam` and provider ARNs. */
  account?: AccountOwner;
  /** For `iam`: `role`, `user`, `assumed-role`, `federated-user`, `group`, or `principal-id` (AROA…/AIDA…). */
  iamType?: string;
  /** For `service`: the service name without region and domain (`logs` for `logs.eu-west-1.amazonaws.com`). */
  service?: string;
  /** For `federated`: which kind of provider, and its host (the prefix of its condition keys). */
  provider?: ProviderKind;
  providerHost?: string;
  /** The template resource it designates (`!GetAtt Role.Arn`, `!Ref OidcProvider`), when any. */
  localResource?: string;
  /** For `unknown` (and unknown accounts): why it cannot be told. */
  reason?: string;
  /**
   * The mapping name when the value is `Fn::FindInMap [Map, !Ref AWS::Region, …]`: one account per
   * region, the way AWS's own service accounts (ELB access logs, Redshift audit logs) are written.
   */
  perRegionMapping?: string;
}

/** How an account relates to the configured trust: the template's own, configured as trusted, or not. */
export type AccountTrust = 'own' | 'trusted' | 'aws' | 'external' | 'unknown';

const statementCache = new WeakMap<Statement, Principal[]>();

/**
 * Every principal of a statement (`Principal` and `NotPrincipal`), in source order, cached per
 * statement. Fn::If branches and parameter AllowedValues give one principal per alternative.
 */
export function statementPrincipals(statement: Statement, template: Template | undefined): Principal[] {
  let principals = statementCache.get(statement);
  if (principals === undefined) {
    const resolver = statement.document.resolver;
    principals = (['Principal', 'NotPrincipal'] as const).flatMap((element) => {
      const node = statement.elements[element];
      return node === undefined ? [] : principalsOfElement(node, element, resolver, template);
    });
    statementCache.set(statement, principals);
  }
  return principals;
}

/** The principals of a `Principal`/`NotPrincipal` value: `"*"` or a map of type → value or list. */
export function principalsOfElement(
  node: SourceNode,
  element: 'Principal' | 'NotPrincipal',
  resolver: IntrinsicResolver,
  template: Template | undefined,
): Principal[] {
  return resolver.expand(node).flatMap((alternative): Principal[] => {
    if (isMap(alternative) && intrinsicOf(alternative) === undefined) {
      return alternative.entries.flatMap((entry) => {
        const type = principalType(String(entry.key.value));
        return resolver.listItems(entry.value).flatMap((item) => principalsOfValue(item, type, element, resolver, template));
      });
    }
    // `Principal: "*"`, or an intrinsic standing for the whole element (treated like a written value).
    return principalsOfValue(alternative, '*', element, resolver, template);
  });
}

/**
 * Normalises one written principal value of a known type. Also used for resources that name a
 * principal in a plain property (`AWS::Lambda::Permission.Principal`), with `type` `*` to guess the
 * kind from the text.
 */
export function principalsOfValue(
  node: SourceNode,
  type: PrincipalType,
  element: 'Principal' | 'NotPrincipal',
  resolver: IntrinsicResolver,
  template: Template | undefined,
): Principal[] {
  const values = resolver.resolve(node).filter((value) => value.kind !== 'absent');
  const perRegion = perRegionMappingOf(node);
  const principals = values.flatMap((value) => {
    const at = isWithin(value.node, node) ? value.node : node;
    if (value.kind === 'known' && Array.isArray(value.value)) {
      return value.value.map((text) => classify(text, type, element, at, [], template, value.via));
    }
    if (value.kind === 'known') {
      if (value.value === null) return [unknownPrincipal(type, element, at, 'the principal is null')];
      return [classify(String(value.value), type, element, at, [], template, value.via)];
    }
    if (value.kind === 'partial') return [classify(value.text, type, element, at, value.refs, template, value.via)];
    return [unknownPrincipal(type, element, at, unknownReason(value))];
  });
  return perRegion === undefined ? principals : principals.map((principal) => ({ ...principal, perRegionMapping: perRegion }));
}

function perRegionMappingOf(node: SourceNode): string | undefined {
  const fn = intrinsicOf(node);
  if (fn?.name !== 'Fn::FindInMap' || !isSeq(fn.argument)) return undefined;
  const [mapName, topKey] = fn.argument.items;
  const ref = intrinsicOf(topKey);
  return ref?.name === 'Ref' && scalarString(ref.argument) === 'AWS::Region' ? scalarString(mapName) : undefined;
}

function unknownReason(value: ResolvedValue): string {
  if (value.kind === 'unknown') return value.reason;
  if (value.kind === 'structure') return 'the principal is a structure, not a string';
  return 'the principal could not be read';
}

function principalType(key: string): PrincipalType {
  const lower = key.toLowerCase();
  if (lower === 'aws') return 'AWS';
  if (lower === 'service') return 'Service';
  if (lower === 'federated') return 'Federated';
  if (lower === 'canonicaluser') return 'CanonicalUser';
  return '*';
}

function unknownPrincipal(type: PrincipalType, element: Principal['element'], node: SourceNode, reason: string): Principal {
  // A Federated principal not known before deployment is still an identity provider: judged as one the
  // template does not name (its claims must be pinned), never skipped.
  if (type === 'Federated') return { element, type, kind: 'federated', provider: 'unknown', node, text: undefined, reason };
  return { element, type, kind: 'unknown', node, text: undefined, reason };
}

const PLACEHOLDER = /\$\{([^}]+)\}/g;
const ACCOUNT_ID = /^\d{12}$/;

/**
 * The colon-separated fields of an ARN, keeping `${AWS::AccountId}`-style placeholders whole (they
 * contain colons themselves). `undefined` when the text does not start with `arn:`.
 */
export function arnFields(text: string): string[] | undefined {
  if (!text.startsWith('arn:')) return undefined;
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      const close = text.indexOf('}', i);
      if (close > 0) {
        current += text.slice(i, close + 1);
        i = close;
        continue;
      }
    }
    if (text[i] === ':' && fields.length < 5) {
      fields.push(current);
      current = '';
    } else current += text[i];
  }
  fields.push(current);
  return fields;
}

/** `[account, resource]` of an IAM or STS ARN, or `undefined`. */
function iamArn(text: string): [string, string] | undefined {
  const fields = arnFields(text);
  if (fields === undefined || fields.length < 6 || !/^(iam|sts)$/.test(fields[2]!) || fields[3] !== '') return undefined;
  return [fields[4]!, fields[5]!];
}

function classify(
  rawText: string,
  type: PrincipalType,
  element: Principal['element'],
  node: SourceNode,
  refs: { name: string; kind: string; attribute?: string }[],
  template: Template | undefined,
  via: string | undefined,
): Principal {
  const text = rawText.trim();
  // Principals are written out in full rather than spread from `base`: V8 gives every object copied by
  // spread here a hidden class of its own, ~300 bytes for each principal of a large template.
  const base = { element, type, node, text };
  if (type === 'Service') return { element, type, node, text, kind: 'service', service: serviceName(text) };
  if (type === 'CanonicalUser') {
    const local = localResourceOf(text, template, ['AWS::CloudFront::CloudFrontOriginAccessIdentity']);
    return { element, type, node, text, kind: 'canonical-user', ...(local !== undefined ? { localResource: local, account: { kind: 'own' } } : {}) };
  }
  if (type === 'Federated') return federated(base, text, refs, template);
  if (text === '*') return { element, type, node, text, kind: 'anyone' };
  if (type === '*' && /\.amazonaws\.com(\.cn)?$|\$\{AWS::URLSuffix\}$/.test(text)) return { element, type, node, text, kind: 'service', service: serviceName(text) };

  // A role, user or group defined in the template, by GetAtt Arn or Ref: the template's own account.
  const local = localResourceOf(text, template, ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group']);
  if (local !== undefined) {
    const resourceType = template?.resources.get(local)?.type ?? '';
    return { element, type, node, text, kind: 'iam', account: { kind: 'own' }, iamType: resourceType.replace('AWS::IAM::', '').toLowerCase(), localResource: local };
  }
  if (ACCOUNT_ID.test(text)) return { element, type, node, text, kind: 'account', account: literal(text, via) };
  if (text === '${AWS::AccountId}') return { element, type, node, text, kind: 'account', account: { kind: 'own' } };
  if (/^(AROA|AIDA|AGPA)[A-Z0-9]{12,}$/.test(text)) {
    return { element, type, node, text, kind: 'iam', iamType: 'principal-id', account: { kind: 'unknown', reason: `${text} is a unique principal id, whose account the template does not say` } };
  }
  const arn = iamArn(text);
  if (arn !== undefined) {
    const [accountField, resourcePart] = arn;
    const account = accountOf(accountField, refs, via, template);
    if (resourcePart === 'root') return { element, type, node, text, kind: 'account', account };
    const iamType = resourcePart.split('/')[0]!;
    return { element, type, node, text, kind: 'iam', account, iamType };
  }
  // Anything left holds placeholders (a parameter without default, an import) or is not a principal AWS knows.
  const reason = placeholderReason(text, refs, template) ?? `"${text}" is not an account id or IAM ARN`;
  return { element, type, node, text, kind: 'unknown', reason };
}

function literal(id: string, via: string | undefined): AccountOwner {
  return via !== undefined ? { kind: 'literal', id, via } : { kind: 'literal', id };
}

function accountOf(field: string, refs: { name: string; kind: string }[], via: string | undefined, template: Template | undefined): AccountOwner {
  if (ACCOUNT_ID.test(field)) return literal(field, via);
  if (field === '${AWS::AccountId}') return { kind: 'own' };
  if (/^[a-z-]+$/.test(field)) return { kind: 'aws', name: field }; // arn:aws:iam::cloudfront:user/…
  return { kind: 'unknown', reason: placeholderReason(field, refs, template) ?? `the account "${field}" is not an account id` };
}

function placeholderReason(text: string, refs: { name: string; kind: string }[], template: Template | undefined): string | undefined {
  const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  if (names.length === 0) return undefined;
  const described = names.map((name) => {
    const ref = refs.find((r) => r.name === name || name.startsWith(`${r.name}.`));
    if (ref?.kind === 'parameter') return `parameter ${name} (no default)`;
    if (ref?.kind === 'import') return `an imported value (${name})`;
    if (ref?.kind === 'resource') return `resource attribute ${name.startsWith(`${ref.name}.`) && template !== undefined ? template.vocabulary.attribute(ref.name, name.slice(ref.name.length + 1)) : name}`;
    return name;
  });
  return `it depends on ${described.join(', ')}, known only at deployment`;
}

/** The logical id when the whole text is `${Id}` or `${Id.Arn}` of a resource of one of `types`. */
function localResourceOf(text: string, template: Template | undefined, types: string[]): string | undefined {
  // `${Provider.Arn}`, or a Terraform address `${aws_iam_openid_connect_provider.eks.Arn}`: the resource is
  // the whole name or the name before its last attribute.
  const match = /^\$\{([A-Za-z0-9_.\-[\]"]+)\}$/.exec(text);
  if (match === null || template === undefined) return undefined;
  const name = match[1]!;
  const dot = name.lastIndexOf('.');
  const resource = template.resources.get(name) ?? (dot > 0 ? template.resources.get(name.slice(0, dot)) : undefined);
  return resource !== undefined && types.includes(resource.type) ? resource.logicalId : undefined;
}

// How a service principal is named belongs with AWS's data about services (src/aws-data), below the model.
export { serviceName };

function federated(base: Pick<Principal, 'element' | 'type' | 'node' | 'text'>, text: string, refs: { name: string; kind: string }[], template: Template | undefined): Principal {
  const local = localResourceOf(text, template, ['AWS::IAM::OIDCProvider', 'AWS::IAM::SAMLProvider']);
  if (local !== undefined) {
    const resource = template!.resources.get(local)!;
    if (resource.type === 'AWS::IAM::SAMLProvider') return { ...base, kind: 'federated', provider: 'saml', account: { kind: 'own' }, localResource: local };
    const url = resolvedUrl(getKey(resource.properties, 'Url'));
    const host = url?.replace(/^https:\/\//i, '').replace(/\/$/, '');
    return { ...base, kind: 'federated', provider: providerOf(host), ...(host !== undefined ? { providerHost: host } : {}), account: { kind: 'own' }, localResource: local };
  }
  if (text === '*') return { ...base, kind: 'anyone' };
  if (text.toLowerCase() === 'cognito-identity.amazonaws.com') return { ...base, kind: 'federated', provider: 'cognito', providerHost: 'cognito-identity.amazonaws.com' };
  const arn = iamArn(text);
  if (arn !== undefined) {
    const [accountField, resourcePart] = arn;
    const account = accountOf(accountField, refs, undefined, template);
    if (resourcePart.startsWith('saml-provider/')) return { ...base, kind: 'federated', provider: 'saml', account };
    if (resourcePart.startsWith('oidc-provider/')) {
      const host = resourcePart.slice('oidc-provider/'.length);
      const known = !host.includes('${');
      return { ...base, kind: 'federated', provider: known ? providerOf(host) : 'unknown', ...(known ? { providerHost: host } : {}), account };
    }
    return { ...base, kind: 'federated', provider: 'unknown', account };
  }
  if (text.includes('${')) return { ...base, kind: 'federated', provider: 'unknown', reason: placeholderReason(text, refs, template) ?? 'the provider is not known' };
  // Web identity providers may be named by host (accounts.google.com, graph.facebook.com, the GitHub host).
  return { ...base, kind: 'federated', provider: providerOf(text), providerHost: text };
}

function resolvedUrl(node: SourceNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (isScalar(node)) return scalarString(node);
  // The provider URL is almost always literal; a Sub with the region (EKS) is read as text, placeholders kept.
  return scalarString(getKeyIgnoreCase(node, 'Fn::Sub'));
}

function providerOf(host: string | undefined): ProviderKind {
  if (host === undefined) return 'unknown';
  const lower = host.toLowerCase();
  if (lower === 'token.actions.githubusercontent.com' || lower.startsWith('token.actions.githubusercontent.com/')) return 'github';
  if (/^oidc\.eks\.[^/]+\.amazonaws\.com(\.cn)?\/id\//.test(lower)) return 'eks';
  if (lower === 'cognito-identity.amazonaws.com') return 'cognito';
  return 'oidc';
}

function isWithin(node: SourceNode, ancestor: SourceNode): boolean {
  for (let current: SourceNode | undefined = node; current !== undefined; current = current.parent) if (current === ancestor) return true;
  return false;
}

/**
 * How the account of a principal relates to configuration: the template's own account, one listed in
 * `options.trustedAccounts`, an account AWS owns, another account, or unknown until deployment.
 */
export function accountTrust(account: AccountOwner | undefined, options: Pick<EngineOptions, 'trustedAccounts'>): AccountTrust {
  if (account === undefined) return 'unknown';
  switch (account.kind) {
    case 'own':
      return 'own';
    case 'aws':
      return 'aws';
    case 'literal':
      return options.trustedAccounts.includes(account.id) ? 'trusted' : 'external';
    case 'unknown':
      return 'unknown';
  }
}

/** A short description for messages: `any AWS principal`, `account 111122223333`, `role arn:…`. */
export function describePrincipal(principal: Principal): string {
  switch (principal.kind) {
    case 'anyone':
      return principal.type === 'Federated' ? 'any federated identity' : 'any AWS principal in any account ("*")';
    case 'account':
      return principal.account?.kind === 'own' ? "every principal of the template's own account" : `every principal of account ${accountLabel(principal.account)}`;
    case 'iam':
      return `${principal.iamType ?? 'principal'} ${principal.text ?? ''}`.trim() + (principal.account?.kind === 'literal' ? ` (account ${principal.account.id})` : '');
    case 'service':
      return `the AWS service ${principal.text}`;
    case 'federated':
      return `identities of ${principal.providerHost ?? principal.text ?? 'an identity provider'}`;
    case 'canonical-user':
      return `S3 canonical user ${principal.text}`;
    case 'unknown':
      return `a principal not known until deployment (${principal.reason ?? 'unresolved'})`;
  }
}

export function accountLabel(account: AccountOwner | undefined): string {
  if (account === undefined) return 'unknown';
  switch (account.kind) {
    case 'own':
      return '${AWS::AccountId}';
    case 'literal':
      return account.via !== undefined ? `${account.id} (from ${account.via})` : account.id;
    case 'aws':
      return `${account.name} (AWS)`;
    case 'unknown':
      return `unknown (${account.reason})`;
  }
}
