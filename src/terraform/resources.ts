import { blockObject, resourceInstances, type Env, type ModuleScope } from './evaluate.js';
import type { Unchecked } from './unchecked.js';
import type { Spelled } from './vocabulary.js';
import { policyValue } from './policy-document.js';
import { blocks, describe, get, getEntry, knownString, type Loc, type ObjectEntry, type Value } from './values.js';
import { amiFamilyOfImageQuery } from '../aws-data/ami-imds-support.js';
import { SourceFile } from '../parse/source-file.js';

/**
 * Terraform resources of the AWS provider mapped onto the CloudFormation resource types the rules
 * know, property by property. Resources without a mapping are kept under `Terraform::<type>` so that
 * references to them stay references. Attachments (`aws_iam_role_policy_attachment` and the like) are
 * folded into the principal they attach to, or into the policy when the principal is outside the module.
 */

interface Res {
  address: string;
  type: string;
  obj: Value;
  loc: Loc;
  /** The `resource "type" "name"` header: where findings about the resource as a whole point. */
  header: Loc;
}

interface Mapped {
  type: string;
  props: ObjectEntry[];
}

interface Ctx {
  unchecked: Unchecked[];
  /** Extra list items per resource address and CloudFormation property (attachments, memberships). */
  extra: Map<string, Map<string, Value[]>>;
  /**
   * Properties that a separate Terraform resource sets on a resource of the module (the console password of
   * `aws_iam_user_login_profile` on its user, `aws_s3_bucket_public_access_block` on its bucket), by address,
   * each with the resource that writes it and how that resource spells it.
   */
  folded: Map<string, { entry: ObjectEntry; from: string; spelled: Spelled }[]>;
  /** Resources whose properties were folded into another resource: they map to nothing of their own. */
  foldedAway: Set<string>;
}

/**
 * The resources of the module and of the local modules it calls (addresses `module.x.…`), as template entries.
 * `spellings` receives, per address, how each mapped property is written in Terraform (src/terraform/vocabulary.ts).
 */
export function mapResources(
  scopes: readonly ModuleScope[],
  unchecked: Unchecked[],
  written?: { address: string; type: string; obj: Value }[],
  spellings?: Map<string, Spelled>,
): ObjectEntry[] {
  const all: Res[] = [];
  for (const scope of scopes) for (const [local, declared] of scope.resources) {
    const env: Env = { scope, file: declared.file, depth: 0 };
    const labels = declared.block.labels;
    const header: Loc = { file: declared.file, start: declared.block.start, end: labels[labels.length - 1]?.end ?? declared.block.start };
    const loc: Loc = { file: declared.file, start: declared.block.start, end: declared.block.end };
    // Each instance of a known count or for_each is judged; otherwise one instance stands for all.
    const instances = resourceInstances(scope, local) ?? [{ suffix: '', key: '', symbols: new Map() }];
    for (const instance of instances) {
      const instanceEnv: Env = instance.symbols.size === 0 ? env : { ...env, symbols: instance.symbols };
      all.push({ address: scope.prefix + local + instance.suffix, type: declared.type, obj: blockObject(declared.block, instanceEnv), loc, header });
    }
  }
  // data "aws_ami": the image it selects, as the model's image (its ImdsSupport when its query names a known family).
  for (const scope of scopes) for (const [address, declared] of scope.data) {
    if (declared.type !== 'aws_ami') continue;
    const labels = declared.block.labels;
    const header: Loc = { file: declared.file, start: declared.block.start, end: labels[labels.length - 1]?.end ?? declared.block.start };
    const loc: Loc = { file: declared.file, start: declared.block.start, end: declared.block.end };
    all.push({ address: scope.prefix + address, type: 'data.aws_ami', obj: blockObject(declared.block, { scope, file: declared.file, depth: 0 }), loc, header });
  }
  if (written !== undefined) for (const resource of all) if (resource.type !== 'data.aws_ami') written.push({ address: resource.address, type: resource.type, obj: resource.obj });
  const ctx: Ctx = { unchecked, extra: new Map(), folded: new Map(), foldedAway: new Set() };
  const byAddress = new Map(all.map((resource) => [resource.address, resource]));
  for (const resource of all) collectAttachments(resource, byAddress, ctx);
  const out: ObjectEntry[] = [];
  for (const resource of all) {
    const own: Spelled = (spelled = new Map());
    spellPrefix = '';
    const mapped = (ctx.foldedAway.has(resource.address) ? undefined : MAPPERS[resource.type]?.(resource, ctx)) ?? { type: `Terraform::${resource.type}`, props: [] };
    for (const [property, items] of ctx.extra.get(resource.address) ?? []) addToList(mapped.props, property, items, resource);
    for (const { entry, from, spelled: written } of ctx.folded.get(resource.address) ?? []) {
      if (mapped.props.some((p) => p.key === entry.key)) continue;
      mapped.props.push(entry);
      // Written at the other resource's address: `aws_s3_bucket_public_access_block.pab.block_public_policy`.
      for (const [path, native] of written) own.set(path, native);
      own.set(entry.key, { writer: from });
    }
    spellings?.set(resource.address, own);
    spelled = undefined;
    const typeLoc: Loc = { ...resource.header, start: resource.header.start, end: resource.header.end };
    out.push({
      key: resource.address,
      keyLoc: resource.header,
      value: {
        k: 'object',
        entries: [
          { key: 'Type', keyLoc: typeLoc, value: { k: 'scalar', v: mapped.type, loc: typeLoc } },
          { key: 'Properties', keyLoc: resource.header, value: { k: 'object', entries: mapped.props, loc: resource.loc } },
        ],
        loc: resource.loc,
      },
    });
  }
  return out;
}

function addToList(props: ObjectEntry[], property: string, items: Value[], resource: Res): void {
  const existing = props.find((entry) => entry.key === property);
  if (existing === undefined) {
    props.push({ key: property, keyLoc: items[0]!.loc, value: { k: 'list', items, loc: items[0]!.loc } });
    return;
  }
  const current = existing.value.k === 'list' ? existing.value.items : [existing.value];
  existing.value = { k: 'list', items: [...current, ...items], loc: existing.value.loc ?? resource.loc };
}

/** `aws_iam_role.app` when the value is a reference to a resource of the module of one of `types`. */
function referencedAddress(value: Value | undefined, types: string[], byAddress: Map<string, Res>, nameAttribute = 'name'): string | undefined {
  if (value?.k === 'ref' && types.includes(byAddress.get(value.target)?.type ?? '')) return value.target;
  // A literal name equal to the `name` (a bucket's `bucket`) of a resource of the module designates it.
  const name = knownString(value);
  if (name === undefined) return undefined;
  for (const resource of byAddress.values()) {
    if (types.includes(resource.type) && knownString(get(resource.obj, nameAttribute)) === name) return resource.address;
  }
  return undefined;
}

function addExtra(ctx: Ctx, address: string, property: string, value: Value): void {
  let byProperty = ctx.extra.get(address);
  if (byProperty === undefined) ctx.extra.set(address, (byProperty = new Map()));
  let items = byProperty.get(property);
  if (items === undefined) byProperty.set(property, (items = []));
  items.push(value);
}

function listOf(value: Value | undefined): Value[] {
  if (value === undefined) return [];
  return value.k === 'list' ? value.items : [value];
}

const PRINCIPAL_KINDS = {
  role: { type: 'aws_iam_role', list: 'Roles' },
  user: { type: 'aws_iam_user', list: 'Users' },
  group: { type: 'aws_iam_group', list: 'Groups' },
} as const;

function collectAttachments(resource: Res, byAddress: Map<string, Res>, ctx: Ctx): void {
  const attach = (kind: keyof typeof PRINCIPAL_KINDS, principal: Value, policyArn: Value) => {
    const principalAddress = referencedAddress(principal, [PRINCIPAL_KINDS[kind].type], byAddress);
    if (principalAddress !== undefined) {
      addExtra(ctx, principalAddress, 'ManagedPolicyArns', policyArn);
      return;
    }
    const policyAddress = referencedAddress(policyArn, ['aws_iam_policy'], byAddress);
    if (policyAddress !== undefined) addExtra(ctx, policyAddress, PRINCIPAL_KINDS[kind].list, principal);
  };
  const obj = resource.obj;
  switch (resource.type) {
    case 'aws_iam_role_policy_attachment':
    case 'aws_iam_user_policy_attachment':
    case 'aws_iam_group_policy_attachment': {
      const kind = resource.type.split('_')[2] as keyof typeof PRINCIPAL_KINDS;
      const principal = get(obj, kind);
      const policyArn = get(obj, 'policy_arn');
      if (principal !== undefined && policyArn !== undefined) attach(kind, principal, policyArn);
      break;
    }
    case 'aws_iam_role_policy_attachments_exclusive':
    case 'aws_iam_user_policy_attachments_exclusive':
    case 'aws_iam_group_policy_attachments_exclusive': {
      const kind = resource.type.split('_')[2] as keyof typeof PRINCIPAL_KINDS;
      const principal = get(obj, `${kind}_name`);
      if (principal !== undefined) for (const arn of listOf(get(obj, 'policy_arns'))) attach(kind, principal, arn);
      break;
    }
    case 'aws_iam_policy_attachment': {
      const policyArn = get(obj, 'policy_arn');
      if (policyArn === undefined) break;
      for (const kind of ['role', 'user', 'group'] as const) for (const principal of listOf(get(obj, `${kind}s`))) attach(kind, principal, policyArn);
      break;
    }
    case 'aws_iam_user_group_membership': {
      const user = referencedAddress(get(obj, 'user'), ['aws_iam_user'], byAddress);
      if (user !== undefined) for (const group of listOf(get(obj, 'groups'))) addExtra(ctx, user, 'Groups', group);
      break;
    }
    // CloudFormation writes these as properties of the user and the bucket: fold them in when the user or
    // bucket is a resource of the module; otherwise the resource maps on its own (MAPPERS below).
    case 'aws_iam_user_login_profile': {
      const user = referencedAddress(get(obj, 'user'), ['aws_iam_user'], byAddress);
      if (user !== undefined) fold(ctx, resource, user, loginProfile);
      break;
    }
    case 'aws_s3_bucket_public_access_block': {
      const bucket = referencedAddress(get(obj, 'bucket'), ['aws_s3_bucket'], byAddress, 'bucket');
      if (bucket !== undefined) fold(ctx, resource, bucket, publicAccessBlock);
      break;
    }
  }
}

function fold(ctx: Ctx, from: Res, into: string, build: (r: Res) => ObjectEntry): void {
  let entries = ctx.folded.get(into);
  if (entries === undefined) ctx.folded.set(into, (entries = []));
  // Spelled as `from` writes it; mapResources files the names under `into`.
  const outer = spelled;
  const written: Spelled = (spelled = new Map());
  try {
    entries.push({ entry: build(from), from: from.address, spelled: written });
  } finally {
    spelled = outer;
  }
  ctx.foldedAway.add(from.address);
}

/** `aws_iam_user_login_profile` as the user's `LoginProfile`, at the login profile's header. */
function loginProfile(r: Res): ObjectEntry {
  // The resource's own arguments are the model's map: a flattened level.
  const entries = under('LoginProfile', [], () => props(r.obj, [['password_reset_required', 'PasswordResetRequired']]));
  return { key: 'LoginProfile', keyLoc: r.header, value: { k: 'object', entries, loc: r.header } };
}

/** `aws_s3_bucket_public_access_block` as the bucket's `PublicAccessBlockConfiguration`; an omitted setting is false in both. */
function publicAccessBlock(r: Res): ObjectEntry {
  const settings = under('PublicAccessBlockConfiguration', [], () => props(r.obj, [
    ['block_public_acls', 'BlockPublicAcls'],
    ['block_public_policy', 'BlockPublicPolicy'],
    ['ignore_public_acls', 'IgnorePublicAcls'],
    ['restrict_public_buckets', 'RestrictPublicBuckets'],
  ]));
  return { key: 'PublicAccessBlockConfiguration', keyLoc: r.header, value: { k: 'object', entries: settings, loc: r.header } };
}

type Mapper = (resource: Res, ctx: Ctx) => Mapped;

// While one resource is mapped: the names of its properties as written, and the model path the copies land under.
let spelled: Spelled | undefined;
let spellPrefix = '';

/** Records that the model's `to` (under the current prefix) is written `from` in Terraform; a name seen with a value wins. */
function spell(to: string, from: readonly string[], present = true): void {
  const key = spellPrefix + to;
  if (spelled !== undefined && (present || !spelled.has(key))) spelled.set(key, from);
}

/** Maps under the model property `to` (written `from`): the copies made in `build` are spelled below it. */
function under<T>(to: string, from: readonly string[], build: () => T): T {
  spell(to, from);
  const outer = spellPrefix;
  spellPrefix = `${outer}${to}.`;
  try {
    return build();
  } finally {
    spellPrefix = outer;
  }
}

/** `tf attribute → CloudFormation property` copies; the key keeps the Terraform attribute's position. */
function props(obj: Value, pairs: [string, string][]): ObjectEntry[] {
  const out: ObjectEntry[] = [];
  for (const [from, to] of pairs) {
    const entry = getEntry(obj, from);
    spell(to, [from], entry !== undefined);
    if (entry === undefined) continue;
    out.push({ key: to, keyLoc: entry.keyLoc, value: nullAbsent(entry.value) });
  }
  return out;
}

/** `null` removes an argument, as AWS::NoValue does. */
/**
 * The resource's arguments, each not known when the resource may not exist: a `count` or `for_each`
 * that is not a known number or collection (a known one gives instances of their own).
 */
function maybeCreated(r: Res): Value {
  const count = get(r.obj, 'count');
  const forEach = get(r.obj, 'for_each');
  const counted = count === undefined || (count.k === 'scalar' && typeof count.v === 'number');
  const each = forEach === undefined || forEach.k === 'object' || forEach.k === 'list';
  if ((counted && each) || r.obj.k !== 'object') return r.obj;
  const reason = `${r.address} may not be created (its ${count !== undefined ? 'count' : 'for_each'} is not known before apply)`;
  return { ...r.obj, entries: r.obj.entries.map((entry) => ({ ...entry, value: { k: 'unknown', reason, loc: entry.value.loc } })) };
}

function nullAbsent(value: Value): Value {
  if (value.k === 'scalar' && value.v === null) return { k: 'absent', loc: value.loc };
  if (value.k === 'cond') return { ...value, whenTrue: nullAbsent(value.whenTrue), whenFalse: nullAbsent(value.whenFalse) };
  return value;
}

/** A policy argument, parsed; what is not known before apply is reported as not checked. */
function policy(resource: Res, ctx: Ctx, from: string, to: string): ObjectEntry[] {
  const entry = getEntry(resource.obj, from);
  spell(to, [from], entry !== undefined);
  if (entry === undefined) return [];
  const value = policyValue(entry.value);
  reportUnresolved(resource, ctx, from, value);
  return [{ key: to, keyLoc: entry.keyLoc, value }];
}

function reportUnresolved(resource: Res, ctx: Ctx, from: string, value: Value): void {
  switch (value.k) {
    case 'object':
    case 'absent':
      return;
    case 'cond':
      reportUnresolved(resource, ctx, from, value.whenTrue);
      reportUnresolved(resource, ctx, from, value.whenFalse);
      return;
    case 'scalar':
      if (value.v === null) return;
      break;
  }
  ctx.unchecked.push({
    file: value.loc.file,
    start: value.loc.start,
    end: value.loc.end,
    resource: resource.address,
    message: `The ${from} of ${resource.address} is not known before apply (${describe(value)}), so its statements are not checked.`,
  });
}

/**
 * A nested block Terraform allows once, as a CloudFormation map. Written more than once, it can only come
 * from a dynamic block over a conditional (`for_each = var.strict ? [...] : [...]`: an instance per branch;
 * the provider refuses two): each instance may be the one, so they are alternatives, judged as the
 * branches of Fn::If are, not the first alone.
 */
function nested(obj: Value, block: string, to: string, pairs: [string, string][]): ObjectEntry[] {
  return under(to, [block], () => {
    const entry = getEntry(obj, block);
    const instances = blocks(obj, block);
    if (entry === undefined || instances.length === 0) {
      for (const [from, key] of pairs) spell(key, [from], false);
      return [];
    }
    const maps = instances.map((instance): Value => ({ k: 'object', entries: props(instance, pairs), loc: instance.loc }));
    const value = maps.reduceRight((otherwise, map) => ({ k: 'cond', whenTrue: map, whenFalse: otherwise, loc: map.loc }));
    return [{ key: to, keyLoc: entry.keyLoc, value }];
  });
}

const METADATA_OPTIONS: [string, string][] = [
  ['http_tokens', 'HttpTokens'],
  ['http_endpoint', 'HttpEndpoint'],
  ['http_put_response_hop_limit', 'HttpPutResponseHopLimit'],
  ['instance_metadata_tags', 'InstanceMetadataTags'],
];

function self(resource: Res, attr?: string): Value {
  return attr === undefined ? { k: 'ref', target: resource.address, loc: resource.header } : { k: 'ref', target: resource.address, attr, loc: resource.header };
}

function listProp(key: string, value: Value | undefined, loc: Loc): ObjectEntry[] {
  if (value === undefined) return [];
  return [{ key, keyLoc: loc, value: value.k === 'list' ? value : { k: 'list', items: [value], loc: value.loc } }];
}

function resourcePolicy(type: string, policyArg: string, property: string, others: [string, string][] = []): Mapper {
  return (resource, ctx) => ({ type, props: [...props(resource.obj, others), ...policy(resource, ctx, policyArg, property)] });
}

const MAPPERS: Record<string, Mapper> = {
  aws_iam_role: (r, ctx) => ({
    type: 'AWS::IAM::Role',
    props: [
      ...props(r.obj, [
        ['name', 'RoleName'],
        ['path', 'Path'],
        ['permissions_boundary', 'PermissionsBoundary'],
        ['managed_policy_arns', 'ManagedPolicyArns'],
      ]),
      ...policy(r, ctx, 'assume_role_policy', 'AssumeRolePolicyDocument'),
      ...inlinePolicies(r, ctx),
    ],
  }),
  aws_iam_user: (r) => ({ type: 'AWS::IAM::User', props: props(r.obj, [['name', 'UserName'], ['path', 'Path'], ['permissions_boundary', 'PermissionsBoundary']]) }),
  aws_iam_group: (r) => ({ type: 'AWS::IAM::Group', props: props(r.obj, [['name', 'GroupName'], ['path', 'Path']]) }),
  aws_iam_policy: (r, ctx) => ({ type: 'AWS::IAM::ManagedPolicy', props: [...props(r.obj, [['name', 'ManagedPolicyName'], ['path', 'Path']]), ...policy(r, ctx, 'policy', 'PolicyDocument')] }),
  aws_iam_role_policy: (r, ctx) => ({ type: 'AWS::IAM::RolePolicy', props: [...props(r.obj, [['name', 'PolicyName'], ['role', 'RoleName']]), ...policy(r, ctx, 'policy', 'PolicyDocument')] }),
  aws_iam_user_policy: (r, ctx) => ({ type: 'AWS::IAM::UserPolicy', props: [...props(r.obj, [['name', 'PolicyName'], ['user', 'UserName']]), ...policy(r, ctx, 'policy', 'PolicyDocument')] }),
  aws_iam_group_policy: (r, ctx) => ({ type: 'AWS::IAM::GroupPolicy', props: [...props(r.obj, [['name', 'PolicyName'], ['group', 'GroupName']]), ...policy(r, ctx, 'policy', 'PolicyDocument')] }),
  aws_iam_instance_profile: (r) => ({
    type: 'AWS::IAM::InstanceProfile',
    props: [...props(r.obj, [['name', 'InstanceProfileName'], ['path', 'Path']]), ...listProp('Roles', get(r.obj, 'role'), getEntry(r.obj, 'role')?.keyLoc ?? r.header)],
  }),
  aws_iam_openid_connect_provider: (r) => ({
    type: 'AWS::IAM::OIDCProvider',
    props: props(r.obj, [
      ['url', 'Url'],
      ['client_id_list', 'ClientIdList'],
      ['thumbprint_list', 'ThumbprintList'],
    ]),
  }),
  aws_iam_access_key: (r) => ({ type: 'AWS::IAM::AccessKey', props: props(r.obj, [['user', 'UserName'], ['status', 'Status']]) }),
  // A login profile or public access block whose user or bucket is not a resource of the module.
  aws_iam_user_login_profile: (r) => ({ type: 'AWS::IAM::User', props: [...props(r.obj, [['user', 'UserName']]), loginProfile(r)] }),
  aws_iam_group_membership: (r) => ({ type: 'AWS::IAM::UserToGroupAddition', props: props(r.obj, [['group', 'GroupName'], ['users', 'Users']]) }),
  aws_ssoadmin_permission_set_inline_policy: (r, ctx) => ({ type: 'AWS::SSO::PermissionSet', props: policy(r, ctx, 'inline_policy', 'InlinePolicy') }),
  aws_organizations_policy: (r, ctx) => {
    const type = knownString(get(r.obj, 'type'));
    if (type !== undefined && type !== 'SERVICE_CONTROL_POLICY') return { type: `Terraform::${r.type}`, props: [] };
    return { type: 'AWS::Organizations::Policy', props: [...props(r.obj, [['name', 'Name']]), ...policy(r, ctx, 'content', 'Content')] };
  },

  aws_instance: (r) => ({
    type: 'AWS::EC2::Instance',
    props: [
      ...props(r.obj, [
        ['ami', 'ImageId'],
        ['iam_instance_profile', 'IamInstanceProfile'],
        ['user_data', 'UserData'],
        ['user_data_base64', 'UserData'],
      ]),
      ...nested(r.obj, 'metadata_options', 'MetadataOptions', METADATA_OPTIONS),
      ...nested(r.obj, 'launch_template', 'LaunchTemplate', [
        ['id', 'LaunchTemplateId'],
        ['name', 'LaunchTemplateName'],
        ['version', 'Version'],
      ]),
    ],
  }),
  aws_launch_template: (r) => {
    // Terraform writes the launch template data at the resource's top level.
    const data: ObjectEntry[] = under('LaunchTemplateData', [], () => [
      ...nested(r.obj, 'metadata_options', 'MetadataOptions', METADATA_OPTIONS),
      ...nested(r.obj, 'iam_instance_profile', 'IamInstanceProfile', [
        ['arn', 'Arn'],
        ['name', 'Name'],
      ]),
      ...props(r.obj, [
        ['user_data', 'UserData'],
        ['image_id', 'ImageId'],
      ]),
    ]);
    return {
      type: 'AWS::EC2::LaunchTemplate',
      props: [...props(r.obj, [['name', 'LaunchTemplateName']]), { key: 'LaunchTemplateData', keyLoc: r.header, value: { k: 'object', entries: data, loc: r.loc } }],
    };
  },
  // An AMI this module registers (imds_support), and the image a data "aws_ami" selects: an image whose
  // ImdsSupport is v2.0 when the AMI data knows the family its owners and name filter (or anchored
  // name_regex) select (else unknown).
  aws_ami: (r) => ({ type: 'AWS::EC2::Image', props: props(r.obj, [['imds_support', 'ImdsSupport']]) }),
  'data.aws_ami': (r) => {
    const owners = (get(r.obj, 'owners')?.k === 'list' ? (get(r.obj, 'owners') as Extract<Value, { k: 'list' }>).items : []).map(knownString);
    const nameFilters = blocks(r.obj, 'filter').filter((filter) => knownString(get(filter, 'name')) === 'name');
    // name_regex (applied to the names the query returns) selects only names that start with its literal
    // prefix when it is anchored: "^al2023-ami-2023.*-x86_64" returns al2023-ami-2023… images only.
    const regex = knownString(get(r.obj, 'name_regex'));
    const regexPrefix = regex === undefined ? undefined : /^\^([A-Za-z0-9_-]+)/.exec(regex)?.[1];
    const family = owners.every((owner) => owner !== undefined)
      ? [
          ...nameFilters.map((filter) => {
            const values = get(filter, 'values');
            const names = (values?.k === 'list' ? values.items : []).map(knownString);
            return names.every((name) => name !== undefined) ? { at: getEntry(filter, 'values')?.value.loc, family: amiFamilyOfImageQuery(owners as string[], names as string[]) } : undefined;
          }),
          regexPrefix === undefined ? undefined : { at: getEntry(r.obj, 'name_regex')?.value.loc, family: amiFamilyOfImageQuery(owners as string[], [regexPrefix]) },
        ].find((found) => found?.family !== undefined)
      : undefined;
    if (family === undefined) return { type: 'AWS::EC2::Image', props: [] };
    const at = family.at ?? r.header;
    return {
      type: 'AWS::EC2::Image',
      props: [
        { key: 'ImdsSupport', keyLoc: at, value: { k: 'scalar', v: 'v2.0', loc: at } },
        { key: 'ImageFamily', keyLoc: at, value: { k: 'scalar', v: family.family!.family, loc: at } },
      ],
    };
  },
  // The account's regional IMDS defaults (what a launch that leaves a metadata option unset gets). When the
  // resource may not be created (a count or for_each not known), what it sets is not known either.
  aws_ec2_instance_metadata_defaults: (r) => ({
    type: 'AWS::EC2::InstanceMetadataDefaults',
    props: props(maybeCreated(r), [
      ['http_tokens', 'HttpTokens'],
      ['http_put_response_hop_limit', 'HttpPutResponseHopLimit'],
      ['http_endpoint', 'HttpEndpoint'],
      ['instance_metadata_tags', 'InstanceMetadataTags'],
    ]),
  }),
  aws_launch_configuration: (r) => ({
    type: 'AWS::AutoScaling::LaunchConfiguration',
    props: [
      ...props(r.obj, [
        ['image_id', 'ImageId'],
        ['name', 'LaunchConfigurationName'],
        ['iam_instance_profile', 'IamInstanceProfile'],
        ['user_data', 'UserData'],
        ['user_data_base64', 'UserData'],
      ]),
      ...nested(r.obj, 'metadata_options', 'MetadataOptions', METADATA_OPTIONS),
    ],
  }),
  aws_autoscaling_group: (r) => {
    const out = [
      ...props(r.obj, [['launch_configuration', 'LaunchConfigurationName']]),
      ...nested(r.obj, 'launch_template', 'LaunchTemplate', [
        ['id', 'LaunchTemplateId'],
        ['name', 'LaunchTemplateName'],
        ['version', 'Version'],
      ]),
    ];
    spell('MixedInstancesPolicy.LaunchTemplate.Overrides', ['override']);
    const mixedEntry = getEntry(r.obj, 'mixed_instances_policy');
    const mixed = blocks(r.obj, 'mixed_instances_policy')[0];
    const launchTemplate = blocks(mixed, 'launch_template')[0];
    if (mixedEntry !== undefined && mixed !== undefined && launchTemplate !== undefined) {
      const specification: [string, string][] = [
        ['launch_template_id', 'LaunchTemplateId'],
        ['launch_template_name', 'LaunchTemplateName'],
        ['version', 'Version'],
      ];
      const overrides = blocks(launchTemplate, 'override').map((override): Value => ({ k: 'object', entries: nested(override, 'launch_template_specification', 'LaunchTemplateSpecification', specification), loc: override.loc }));
      const entries = [...nested(launchTemplate, 'launch_template_specification', 'LaunchTemplateSpecification', specification)];
      if (overrides.length > 0) entries.push({ key: 'Overrides', keyLoc: getEntry(launchTemplate, 'override')!.keyLoc, value: { k: 'list', items: overrides, loc: launchTemplate.loc } });
      out.push({
        key: 'MixedInstancesPolicy',
        keyLoc: mixedEntry.keyLoc,
        value: { k: 'object', entries: [{ key: 'LaunchTemplate', keyLoc: getEntry(mixed, 'launch_template')!.keyLoc, value: { k: 'object', entries, loc: launchTemplate.loc } }], loc: mixed.loc },
      });
    }
    return { type: 'AWS::AutoScaling::AutoScalingGroup', props: out };
  },
  aws_eks_node_group: (r) => ({
    type: 'AWS::EKS::Nodegroup',
    props: [
      ...props(r.obj, [['node_role_arn', 'NodeRole']]),
      ...nested(r.obj, 'launch_template', 'LaunchTemplate', [
        ['id', 'Id'],
        ['name', 'Name'],
        ['version', 'Version'],
      ]),
    ],
  }),

  aws_elastic_beanstalk_environment: (r) => ({
    type: 'AWS::ElasticBeanstalk::Environment',
    props: [
      ...props(r.obj, [
        ['name', 'EnvironmentName'],
        ['application', 'ApplicationName'],
        ['template_name', 'TemplateName'],
        ['solution_stack_name', 'SolutionStackName'],
      ]),
      ...optionSettings(r),
    ],
  }),
  aws_elastic_beanstalk_configuration_template: (r) => ({
    type: 'AWS::ElasticBeanstalk::ConfigurationTemplate',
    props: [...props(r.obj, [['application', 'ApplicationName'], ['solution_stack_name', 'SolutionStackName']]), ...optionSettings(r)],
  }),

  aws_sagemaker_notebook_instance: (r) => ({
    type: 'AWS::SageMaker::NotebookInstance',
    props: [
      ...props(r.obj, [
        ['name', 'NotebookInstanceName'],
        ['role_arn', 'RoleArn'],
        ['instance_type', 'InstanceType'],
      ]),
      ...nested(r.obj, 'instance_metadata_service_configuration', 'InstanceMetadataServiceConfiguration', [['minimum_instance_metadata_service_version', 'MinimumInstanceMetadataServiceVersion']]),
    ],
  }),
  // EMR takes its IMDS setting only from the security configuration the cluster names; the nodes serve
  // the credentials of the ec2_attributes instance profile (CloudFormation's JobFlowRole).
  aws_emr_cluster: (r) => {
    const ec2 = blocks(r.obj, 'ec2_attributes')[0];
    return {
      type: 'AWS::EMR::Cluster',
      props: [
        ...props(r.obj, [
          ['name', 'Name'],
          ['release_label', 'ReleaseLabel'],
          ['service_role', 'ServiceRole'],
          ['security_configuration', 'SecurityConfiguration'],
        ]),
        ...(ec2 === undefined ? [] : props(ec2, [['instance_profile', 'JobFlowRole']])),
      ],
    };
  },
  aws_emr_security_configuration: (r) => {
    const entry = getEntry(r.obj, 'configuration');
    return {
      type: 'AWS::EMR::SecurityConfiguration',
      props: [...props(r.obj, [['name', 'Name']]), ...(entry === undefined ? [] : [{ key: 'SecurityConfiguration', keyLoc: entry.keyLoc, value: policyValue(entry.value) }])],
    };
  },

  aws_s3_bucket: (r) => ({ type: 'AWS::S3::Bucket', props: props(r.obj, [['bucket', 'BucketName']]) }),
  aws_s3_bucket_public_access_block: (r) => ({ type: 'AWS::S3::Bucket', props: [...props(r.obj, [['bucket', 'BucketName']]), publicAccessBlock(r)] }),
  aws_s3_bucket_policy: resourcePolicy('AWS::S3::BucketPolicy', 'policy', 'PolicyDocument', [['bucket', 'Bucket']]),
  aws_s3_access_point: resourcePolicy('AWS::S3::AccessPoint', 'policy', 'Policy', [['bucket', 'Bucket'], ['name', 'Name']]),
  aws_s3control_access_point_policy: resourcePolicy('AWS::S3::AccessPoint', 'policy', 'Policy'),
  aws_s3control_multi_region_access_point_policy: resourcePolicy('AWS::S3::MultiRegionAccessPointPolicy', 'policy', 'Policy'),
  aws_s3_directory_bucket_policy: resourcePolicy('AWS::S3Express::BucketPolicy', 'policy', 'PolicyDocument', [['bucket', 'Bucket']]),
  aws_sqs_queue: (r, ctx) =>
    getEntry(r.obj, 'policy') === undefined
      ? { type: 'AWS::SQS::Queue', props: props(r.obj, [['name', 'QueueName']]) }
      : { type: 'AWS::SQS::QueuePolicy', props: [...listProp('Queues', self(r), r.header), ...policy(r, ctx, 'policy', 'PolicyDocument')] },
  aws_sqs_queue_policy: (r, ctx) => ({ type: 'AWS::SQS::QueuePolicy', props: [...listProp('Queues', get(r.obj, 'queue_url'), getEntry(r.obj, 'queue_url')?.keyLoc ?? r.header), ...policy(r, ctx, 'policy', 'PolicyDocument')] }),
  aws_sns_topic: (r, ctx) =>
    getEntry(r.obj, 'policy') === undefined
      ? { type: 'AWS::SNS::Topic', props: props(r.obj, [['name', 'TopicName']]) }
      : { type: 'AWS::SNS::TopicPolicy', props: [...listProp('Topics', self(r), r.header), ...policy(r, ctx, 'policy', 'PolicyDocument')] },
  aws_sns_topic_policy: (r, ctx) => ({ type: 'AWS::SNS::TopicPolicy', props: [...listProp('Topics', get(r.obj, 'arn'), getEntry(r.obj, 'arn')?.keyLoc ?? r.header), ...policy(r, ctx, 'policy', 'PolicyDocument')] }),
  aws_kms_key: resourcePolicy('AWS::KMS::Key', 'policy', 'KeyPolicy'),
  aws_kms_replica_key: resourcePolicy('AWS::KMS::ReplicaKey', 'policy', 'KeyPolicy'),
  aws_kms_key_policy: resourcePolicy('AWS::KMS::Key', 'policy', 'KeyPolicy'),
  aws_ecr_repository_policy: resourcePolicy('AWS::ECR::Repository', 'policy', 'RepositoryPolicyText', [['repository', 'RepositoryName']]),
  aws_ecr_registry_policy: resourcePolicy('AWS::ECR::RegistryPolicy', 'policy', 'PolicyText'),
  aws_secretsmanager_secret: (r, ctx) =>
    getEntry(r.obj, 'policy') === undefined
      ? { type: 'AWS::SecretsManager::Secret', props: props(r.obj, [['name', 'Name']]) }
      : { type: 'AWS::SecretsManager::ResourcePolicy', props: [{ key: 'SecretId', keyLoc: r.header, value: self(r) }, ...policy(r, ctx, 'policy', 'ResourcePolicy')] },
  aws_secretsmanager_secret_policy: resourcePolicy('AWS::SecretsManager::ResourcePolicy', 'policy', 'ResourcePolicy', [['secret_arn', 'SecretId']]),
  aws_opensearch_domain: resourcePolicy('AWS::OpenSearchService::Domain', 'access_policies', 'AccessPolicies', [['domain_name', 'DomainName']]),
  aws_opensearch_domain_policy: resourcePolicy('AWS::OpenSearchService::Domain', 'access_policies', 'AccessPolicies', [['domain_name', 'DomainName']]),
  aws_elasticsearch_domain: resourcePolicy('AWS::Elasticsearch::Domain', 'access_policies', 'AccessPolicies', [['domain_name', 'DomainName']]),
  aws_elasticsearch_domain_policy: resourcePolicy('AWS::Elasticsearch::Domain', 'access_policies', 'AccessPolicies', [['domain_name', 'DomainName']]),
  aws_efs_file_system_policy: resourcePolicy('AWS::EFS::FileSystem', 'policy', 'FileSystemPolicy'),
  aws_backup_vault_policy: resourcePolicy('AWS::Backup::BackupVault', 'policy', 'AccessPolicy'),
  aws_glacier_vault: resourcePolicy('AWS::Glacier::Vault', 'access_policy', 'AccessPolicy'),
  aws_cloudwatch_event_bus_policy: resourcePolicy('AWS::Events::EventBus', 'policy', 'Policy'),
  aws_cloudwatch_log_resource_policy: resourcePolicy('AWS::Logs::ResourcePolicy', 'policy_document', 'PolicyDocument'),
  aws_cloudwatch_log_destination_policy: resourcePolicy('AWS::Logs::Destination', 'access_policy', 'DestinationPolicy'),
  aws_api_gateway_rest_api: resourcePolicy('AWS::ApiGateway::RestApi', 'policy', 'Policy', [['name', 'Name']]),
  aws_api_gateway_rest_api_policy: resourcePolicy('AWS::ApiGateway::RestApi', 'policy', 'Policy'),
  aws_codeartifact_repository_permissions_policy: resourcePolicy('AWS::CodeArtifact::Repository', 'policy_document', 'PermissionsPolicyDocument'),
  aws_codeartifact_domain_permissions_policy: resourcePolicy('AWS::CodeArtifact::Domain', 'policy_document', 'PermissionsPolicyDocument'),
  aws_dynamodb_resource_policy: (r, ctx) => {
    const document = policy(r, ctx, 'policy', 'PolicyDocument');
    return { type: 'AWS::DynamoDB::Table', props: document.length === 0 ? [] : [{ key: 'ResourcePolicy', keyLoc: document[0]!.keyLoc, value: { k: 'object', entries: document, loc: r.loc } }] };
  },
  aws_lambda_permission: (r) => ({
    type: 'AWS::Lambda::Permission',
    props: props(r.obj, [
      ['action', 'Action'],
      ['function_name', 'FunctionName'],
      ['principal', 'Principal'],
      ['source_arn', 'SourceArn'],
      ['source_account', 'SourceAccount'],
      ['principal_org_id', 'PrincipalOrgID'],
      ['function_url_auth_type', 'FunctionUrlAuthType'],
      ['event_source_token', 'EventSourceToken'],
    ]),
  }),
  aws_ecrpublic_repository_policy: resourcePolicy('AWS::ECR::PublicRepository', 'policy', 'RepositoryPolicyText', [['repository_name', 'RepositoryName']]),
  aws_ecr_repository_creation_template: resourcePolicy('AWS::ECR::RepositoryCreationTemplate', 'repository_policy', 'RepositoryPolicy', [['prefix', 'Prefix']]),
  aws_glacier_vault_lock: resourcePolicy('AWS::Glacier::Vault', 'policy', 'AccessPolicy', [['vault_name', 'VaultName']]),
  aws_kinesis_resource_policy: resourcePolicy('AWS::Kinesis::ResourcePolicy', 'policy', 'ResourcePolicy', [['resource_arn', 'ResourceArn']]),
  aws_msk_cluster_policy: resourcePolicy('AWS::MSK::ClusterPolicy', 'policy', 'Policy', [['cluster_arn', 'ClusterArn']]),
  aws_vpclattice_auth_policy: resourcePolicy('AWS::VpcLattice::AuthPolicy', 'policy', 'Policy', [['resource_identifier', 'ResourceIdentifier']]),
  aws_vpclattice_resource_policy: resourcePolicy('AWS::VpcLattice::ResourcePolicy', 'policy', 'Policy', [['resource_arn', 'ResourceArn']]),
  aws_oam_sink_policy: resourcePolicy('AWS::Oam::Sink', 'policy', 'Policy'),
  aws_schemas_registry_policy: resourcePolicy('AWS::EventSchemas::RegistryPolicy', 'policy', 'Policy', [['registry_name', 'RegistryName']]),
  aws_sagemaker_model_package_group_policy: resourcePolicy('AWS::SageMaker::ModelPackageGroup', 'resource_policy', 'ModelPackageGroupPolicy', [['model_package_group_name', 'ModelPackageGroupName']]),
  aws_xray_resource_policy: resourcePolicy('AWS::XRay::ResourcePolicy', 'policy_document', 'PolicyDocument', [['policy_name', 'PolicyName']]),
  aws_s3tables_table_bucket_policy: resourcePolicy('AWS::S3Tables::TableBucketPolicy', 'resource_policy', 'ResourcePolicy', [['table_bucket_arn', 'TableBucketARN']]),
  aws_s3tables_table_policy: resourcePolicy('AWS::S3Tables::TablePolicy', 'resource_policy', 'ResourcePolicy', [['table_bucket_arn', 'TableBucketARN']]),
  aws_s3control_object_lambda_access_point_policy: resourcePolicy('AWS::S3ObjectLambda::AccessPointPolicy', 'policy', 'PolicyDocument', [['name', 'ObjectLambdaAccessPoint']]),
  aws_s3control_bucket_policy: resourcePolicy('AWS::S3Outposts::BucketPolicy', 'policy', 'PolicyDocument', [['bucket', 'Bucket']]),
  aws_media_store_container_policy: resourcePolicy('AWS::MediaStore::Container', 'policy', 'Policy', [['container_name', 'ContainerName']]),
  aws_redshiftserverless_resource_policy: resourcePolicy('AWS::RedshiftServerless::Namespace', 'policy', 'NamespaceResourcePolicy'),
  aws_organizations_resource_policy: resourcePolicy('AWS::Organizations::ResourcePolicy', 'content', 'Content'),
  // Grants written as arguments rather than a policy document, read as the exposure rules read their CloudFormation forms.
  aws_lambda_layer_version_permission: (r) => ({
    type: 'AWS::Lambda::LayerVersionPermission',
    props: props(r.obj, [
      ['action', 'Action'],
      ['layer_name', 'LayerVersionArn'],
      ['principal', 'Principal'],
      ['organization_id', 'OrganizationId'],
    ]),
  }),
  aws_cloudwatch_event_permission: (r) => {
    const condition = blocks(r.obj, 'condition')[0];
    const conditionEntry = getEntry(r.obj, 'condition');
    const out = props(r.obj, [
      ['principal', 'Principal'],
      ['statement_id', 'StatementId'],
      ['event_bus_name', 'EventBusName'],
      ['action', 'Action'],
    ]);
    // The provider's default action.
    if (!out.some((entry) => entry.key === 'Action')) out.push({ key: 'Action', keyLoc: r.header, value: { k: 'scalar', v: 'events:PutEvents', loc: r.header } });
    if (condition !== undefined && conditionEntry !== undefined) {
      out.push({ key: 'Condition', keyLoc: conditionEntry.keyLoc, value: { k: 'object', entries: props(condition, [['type', 'Type'], ['key', 'Key'], ['value', 'Value']]), loc: condition.loc } });
    }
    return { type: 'AWS::Events::EventBusPolicy', props: out };
  },
  aws_lambda_function_url: (r) => ({
    type: 'AWS::Lambda::Url',
    props: props(r.obj, [
      ['function_name', 'TargetFunctionArn'],
      ['qualifier', 'Qualifier'],
      ['authorization_type', 'AuthType'],
    ]),
  }),
  aws_lambda_function: (r) => ({ type: 'AWS::Lambda::Function', props: props(r.obj, [['function_name', 'FunctionName'], ['role', 'Role']]) }),
};

/** `setting { namespace, name, value }` blocks of a Beanstalk environment or configuration template, as its `OptionSettings`. */
function optionSettings(r: Res): ObjectEntry[] {
  const pairs: [string, string][] = [
    ['namespace', 'Namespace'],
    ['name', 'OptionName'],
    ['value', 'Value'],
    ['resource', 'ResourceName'],
  ];
  // Spelled with or without blocks: a fix names the block a module does not have yet.
  return under('OptionSettings', ['setting'], () => {
    const entry = getEntry(r.obj, 'setting');
    const items = blocks(r.obj, 'setting');
    if (entry === undefined || items.length === 0) {
      for (const [from, key] of pairs) spell(key, [from], false);
      return [];
    }
    const settings = items.map((item): Value => ({ k: 'object', entries: props(item, pairs), loc: item.loc }));
    return [{ key: 'OptionSettings', keyLoc: entry.keyLoc, value: { k: 'list', items: settings, loc: entry.keyLoc } }];
  });
}

/** `inline_policy { name, policy }` blocks of a role, as its `Policies` list. */
function inlinePolicies(r: Res, ctx: Ctx): ObjectEntry[] {
  const entry = getEntry(r.obj, 'inline_policy');
  spell('Policies', ['inline_policy'], entry !== undefined);
  const items = blocks(r.obj, 'inline_policy');
  if (entry === undefined || items.length === 0) return [];
  const policies = items.flatMap((item): Value[] => {
    const document = getEntry(item, 'policy');
    if (document === undefined) return [];
    const value = policyValue(document.value);
    reportUnresolved(r, ctx, 'inline_policy', value);
    return [{ k: 'object', entries: [...props(item, [['name', 'PolicyName']]), { key: 'PolicyDocument', keyLoc: document.keyLoc, value }], loc: item.loc }];
  });
  return [{ key: 'Policies', keyLoc: entry.keyLoc, value: { k: 'list', items: policies, loc: entry.keyLoc } }];
}

/**
 * How each mapped Terraform type spells the model's properties on a resource of the type that sets nothing:
 * the words for a rule shown without a module (src/terraform/unbound-spelling.ts). Mapped once, on first use.
 */
export function typeSpellings(): ReadonlyMap<string, Spelled> {
  if (typeSpellingCache !== undefined) return typeSpellingCache;
  const loc: Loc = { file: new SourceFile('', ''), start: 0, end: 0 };
  const out = new Map<string, Spelled>();
  for (const [type, mapper] of Object.entries(MAPPERS)) {
    if (type.startsWith('data.')) continue;
    const own: Spelled = (spelled = new Map());
    spellPrefix = '';
    try {
      mapper({ address: `${type}.this`, type, obj: { k: 'object', entries: [], loc }, loc, header: loc }, { unchecked: [], extra: new Map(), folded: new Map(), foldedAway: new Set() });
      out.set(type, own);
    } finally {
      spelled = undefined;
    }
  }
  return (typeSpellingCache = out);
}

let typeSpellingCache: ReadonlyMap<string, Spelled> | undefined;
