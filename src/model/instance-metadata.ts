import type { DocumentModel } from './document-model.js';
import { getEntry, getKey, getPath, isMap, scalarString, type SourceNode } from '../parse/nodes.js';
import { identityGraph, principalNamed, type InstanceProfile } from './identity-graph.js';
import { describeValue, intrinsicOf, type IntrinsicResolver, type ResolvedValue } from './intrinsics.js';
import { amiFamilyOfSsmParameter, IMDS_SUPPORT_SEMANTICS_SOURCE, type AmiFamily } from '../aws-data/ami-imds-support.js';
import type { Resource, Template } from './template.js';
import type { Vocabulary } from './vocabulary.js';

/**
 * Where EC2 instances get their instance metadata (IMDS) settings in a CloudFormation template, and the
 * chain instance → launch template / launch configuration → instance profile that the IMDS rules follow.
 *
 * Settings are *written* in four kinds of places ({@link MetadataSource}): an instance's own
 * `MetadataOptions`, a launch template's `LaunchTemplateData.MetadataOptions`, a launch configuration's
 * `MetadataOptions` and an Image Builder infrastructure configuration's `InstanceMetadataOptions`.
 * Everything else that launches instances (Auto Scaling groups, EKS node groups, fleets, Batch) only
 * *references* a launch template or configuration ({@link LaunchReference}); the rules judge the
 * settings where they are written and report a reference only when it adds information (the target is
 * outside the template, or there is no target at all).
 */

export type MetadataSourceKind = 'instance' | 'launch-template' | 'launch-configuration' | 'image-builder';

export interface MetadataSource {
  kind: MetadataSourceKind;
  resource: Resource;
  /** The options map as written (may be an Fn::If); `undefined` when the resource sets none. */
  optionsNode: SourceNode | undefined;
  /** Property path of the options from `Properties`, for messages. */
  optionsPath: string;
  /** Where a finding about absent settings points: the options key when written, else the logical id. */
  anchor: SourceNode;
  /** `false` for Image Builder, whose options have no HttpEndpoint. */
  hasEndpoint: boolean;
}

/** Something that takes its instance settings from a launch template or launch configuration. */
export interface LaunchReference {
  consumer: Resource;
  /** The launch template specification map, or the `LaunchConfigurationName` value. */
  node: SourceNode;
  /** Property path from `Properties`, for messages (`MixedInstancesPolicy.LaunchTemplate.…`). */
  path: string;
  targetKind: 'launch-template' | 'launch-configuration';
  /** Every target the reference may resolve to (Fn::If and parameters can give several). */
  targets: LaunchTarget[];
}

export type LaunchTarget =
  | { kind: 'in-template'; resource: Resource }
  /** A template or configuration this template cannot see: a literal id or name, a parameter, an import. */
  | { kind: 'external'; node: SourceNode; description: string };

/** One reason a source lets instances answer IMDSv1 requests (or why that could not be decided). */
export interface TokenProblem {
  kind: 'optional' | 'tokens-absent' | 'options-absent' | 'unverifiable';
  /** Where the finding points: the offending value as written in the resource, or the anchor. */
  node: SourceNode;
  /** Human explanation, without the resource's name (the rule adds it). */
  detail: string;
  /** Further places that explain the problem, such as a parameter's AllowedValues item. */
  related: { node: SourceNode; message: string }[];
}


export interface ProfileReference {
  /** The property value that names the profile. */
  node: SourceNode;
  /** The profile when it is defined in the same template. */
  profile: InstanceProfile | undefined;
  /** How it was written, for messages about profiles outside the template. */
  description: string;
}

export interface InstanceMetadataModel {
  sources: MetadataSource[];
  references: LaunchReference[];
  launchTemplates: Map<string, MetadataSource>;
  launchConfigurations: Map<string, MetadataSource>;
}

/** The metadata model of a document, built once and shared by the IMDS rules. */
export function instanceMetadata(model: DocumentModel): InstanceMetadataModel {
  return model.derive('instance-metadata', build);
}

function build(model: DocumentModel): InstanceMetadataModel {
  const result: InstanceMetadataModel = { sources: [], references: [], launchTemplates: new Map(), launchConfigurations: new Map() };
  const template = model.template;
  if (template === undefined) return result;
  const resolver = model.resolver;
  for (const resource of template.resources.values()) {
    const source = sourceOf(resource);
    if (source !== undefined) {
      result.sources.push(source);
      if (source.kind === 'launch-template') result.launchTemplates.set(resource.logicalId, source);
      if (source.kind === 'launch-configuration') result.launchConfigurations.set(resource.logicalId, source);
    }
    result.references.push(...referencesOf(template, resolver, resource));
  }
  return result;
}

const SOURCE_LOCATIONS: Record<string, { kind: MetadataSourceKind; path: string[]; hasEndpoint: boolean }> = {
  'AWS::EC2::Instance': { kind: 'instance', path: ['MetadataOptions'], hasEndpoint: true },
  'AWS::EC2::LaunchTemplate': { kind: 'launch-template', path: ['LaunchTemplateData', 'MetadataOptions'], hasEndpoint: true },
  'AWS::AutoScaling::LaunchConfiguration': { kind: 'launch-configuration', path: ['MetadataOptions'], hasEndpoint: true },
  'AWS::ImageBuilder::InfrastructureConfiguration': { kind: 'image-builder', path: ['InstanceMetadataOptions'], hasEndpoint: false },
};

function sourceOf(resource: Resource): MetadataSource | undefined {
  const location = SOURCE_LOCATIONS[resource.type];
  if (location === undefined) return undefined;
  const parent = getPath(resource.properties, location.path.slice(0, -1));
  const entry = getEntry(parent, location.path[location.path.length - 1]!);
  return {
    kind: location.kind,
    resource,
    optionsNode: entry?.value,
    optionsPath: location.path.join('.'),
    anchor: entry?.key ?? resource.keyNode,
    hasEndpoint: location.hasEndpoint,
  };
}

/** Where each resource type keeps its launch template specifications, and the key names it uses. */
interface SpecificationLocation {
  /** Path from Properties; `*` steps into every item of a list. */
  path: string[];
  idKey: string;
  nameKey: string;
}

const TEMPLATE_SPECIFICATIONS: Record<string, SpecificationLocation[]> = {
  'AWS::EC2::Instance': [{ path: ['LaunchTemplate'], idKey: 'LaunchTemplateId', nameKey: 'LaunchTemplateName' }],
  'AWS::AutoScaling::AutoScalingGroup': [
    { path: ['LaunchTemplate'], idKey: 'LaunchTemplateId', nameKey: 'LaunchTemplateName' },
    { path: ['MixedInstancesPolicy', 'LaunchTemplate', 'LaunchTemplateSpecification'], idKey: 'LaunchTemplateId', nameKey: 'LaunchTemplateName' },
    { path: ['MixedInstancesPolicy', 'LaunchTemplate', 'Overrides', '*', 'LaunchTemplateSpecification'], idKey: 'LaunchTemplateId', nameKey: 'LaunchTemplateName' },
  ],
  'AWS::EKS::Nodegroup': [{ path: ['LaunchTemplate'], idKey: 'Id', nameKey: 'Name' }],
  'AWS::EC2::EC2Fleet': [{ path: ['LaunchTemplateConfigs', '*', 'LaunchTemplateSpecification'], idKey: 'LaunchTemplateId', nameKey: 'LaunchTemplateName' }],
  'AWS::EC2::SpotFleet': [
    { path: ['SpotFleetRequestConfigData', 'LaunchTemplateConfigs', '*', 'LaunchTemplateSpecification'], idKey: 'LaunchTemplateId', nameKey: 'LaunchTemplateName' },
  ],
  'AWS::Batch::ComputeEnvironment': [
    { path: ['ComputeResources', 'LaunchTemplate'], idKey: 'LaunchTemplateId', nameKey: 'LaunchTemplateName' },
    { path: ['ComputeResources', 'LaunchTemplate', 'Overrides', '*'], idKey: 'LaunchTemplateId', nameKey: 'LaunchTemplateName' },
  ],
};

function referencesOf(template: Template, resolver: IntrinsicResolver, resource: Resource): LaunchReference[] {
  const out: LaunchReference[] = [];
  for (const location of TEMPLATE_SPECIFICATIONS[resource.type] ?? []) {
    for (const { node, path } of walk(resolver, resource.properties, location.path, [])) {
      for (const specification of resolver.expand(node)) {
        const targets = launchTemplateTargets(template, resolver, specification, location);
        if (targets.length > 0) out.push({ consumer: resource, node: specification, path: path.join('.'), targetKind: 'launch-template', targets });
      }
    }
  }
  if (resource.type === 'AWS::AutoScaling::AutoScalingGroup') {
    const name = getKey(resource.properties, 'LaunchConfigurationName');
    if (name !== undefined) {
      const targets = resolver
        .resolve(name)
        .filter((value) => value.kind !== 'absent')
        .map((value) => targetOf(template, value, 'AWS::AutoScaling::LaunchConfiguration', 'LaunchConfigurationName', name));
      if (targets.length > 0) out.push({ consumer: resource, node: name, path: 'LaunchConfigurationName', targetKind: 'launch-configuration', targets: dedupeTargets(targets) });
    }
  }
  return out;
}

/** Follows a property path, stepping into every list item at `*` and through Fn::If branches. */
function walk(
  resolver: IntrinsicResolver,
  node: SourceNode | undefined,
  path: string[],
  written: string[],
): { node: SourceNode; path: string[] }[] {
  if (node === undefined) return [];
  if (path.length === 0) return [{ node, path: written }];
  const [step, ...rest] = path as [string, ...string[]];
  if (step === '*') {
    return resolver.listItems(node).flatMap((item) => walk(resolver, item, rest, [...written.slice(0, -1), `${written[written.length - 1] ?? ''}[${item.key ?? ''}]`]));
  }
  return resolver.expand(node).flatMap((alternative) => walk(resolver, getKey(alternative, step), rest, [...written, step]));
}

function launchTemplateTargets(template: Template, resolver: IntrinsicResolver, specification: SourceNode, location: SpecificationLocation): LaunchTarget[] {
  if (!isMap(specification)) return [];
  const targets: LaunchTarget[] = [];
  for (const key of [location.idKey, location.nameKey]) {
    const value = getKey(specification, key);
    if (value === undefined) continue;
    for (const resolved of resolver.resolve(value)) {
      if (resolved.kind === 'absent') continue;
      targets.push(targetOf(template, resolved, 'AWS::EC2::LaunchTemplate', 'LaunchTemplateName', value));
    }
  }
  return dedupeTargets(targets);
}

/**
 * The resource a launch template id/name or launch configuration name designates: `!Ref X`,
 * `!GetAtt X.LaunchTemplateId`, or a literal equal to the resource's name property. Anything else is
 * outside the template.
 */
function targetOf(template: Template, value: ResolvedValue, type: string, nameProperty: string, written: SourceNode): LaunchTarget {
  if (value.kind === 'partial') {
    const ref = value.refs.find((r) => r.kind === 'resource' && template.resources.get(r.name)?.type === type);
    if (ref !== undefined && value.text === (ref.attribute ? `\${${ref.name}.${ref.attribute}}` : `\${${ref.name}}`)) {
      return { kind: 'in-template', resource: template.resources.get(ref.name)! };
    }
  }
  if (value.kind === 'known' && typeof value.value === 'string') {
    for (const resource of template.resourcesOfType(type)) {
      if (scalarString(getKey(resource.properties, nameProperty)) === value.value) return { kind: 'in-template', resource };
    }
  }
  return { kind: 'external', node: written, description: describeTarget(value) };
}

function describeTarget(value: ResolvedValue): string {
  if (value.kind === 'known') return `"${describeValue(value)}"${value.via ? ` from ${value.via}` : ''}`;
  if (value.kind === 'partial') {
    const parameter = value.refs.find((r) => r.kind === 'parameter');
    if (parameter !== undefined) return `parameter ${parameter.name}`;
    return `"${value.text}"`;
  }
  if (value.kind === 'unknown') return value.reason;
  return describeValue(value);
}

function dedupeTargets(targets: LaunchTarget[]): LaunchTarget[] {
  const seen = new Set<string>();
  return targets.filter((target) => {
    const key = target.kind === 'in-template' ? `r:${target.resource.logicalId}` : `e:${target.description}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The references whose consumer is `resource`. */
export function referencesFrom(metadata: InstanceMetadataModel, resource: Resource): LaunchReference[] {
  return metadata.references.filter((reference) => reference.consumer === resource);
}

/** The references that point at a launch template or configuration defined in the template. */
export function consumersOf(metadata: InstanceMetadataModel, target: Resource): LaunchReference[] {
  return metadata.references.filter((reference) => reference.targets.some((t) => t.kind === 'in-template' && t.resource === target));
}

/**
 * Why a source lets instances answer IMDSv1 (`HttpTokens` missing or `optional` while the endpoint may
 * be enabled), or why that could not be verified. Empty when every possible deployment requires
 * IMDSv2 or disables the endpoint.
 *
 * `inherits`: the source takes missing settings from a launch template (an instance with a
 * `LaunchTemplate`); then absent settings are not a problem of this source, since they are judged where
 * the template writes them.
 */
export function tokenProblems(resolver: IntrinsicResolver, source: MetadataSource, inherits = false): TokenProblem[] {
  const problems: TokenProblem[] = [];
  const words = source.resource.vocabulary;
  const optionsPath = words.property(source.resource, source.optionsPath);
  const httpTokens = words.field(source.resource, `${source.optionsPath}.HttpTokens`);
  if (source.optionsNode === undefined) {
    if (!inherits) problems.push({ kind: 'options-absent', node: source.anchor, detail: `sets no ${optionsPath}, so ${httpTokens} defaults to optional unless the AMI is registered with ImdsSupport v2.0 or an account-level IMDS default requires v2`, related: [] });
    return problems;
  }
  const alternatives = resolver.expand(source.optionsNode);
  if (alternatives.length === 0 && !inherits) {
    problems.push({ kind: 'options-absent', node: source.optionsNode, detail: `removes ${words.removed(optionsPath)}, so ${httpTokens} defaults to optional unless the AMI or an account-level IMDS default requires v2`, related: [] });
  }
  for (const options of alternatives) {
    if (!isMap(options)) {
      problems.push({ kind: 'unverifiable', node: options, detail: `${optionsPath} could not be read (${resolver.resolve(options).map(describeValue).join(', ')})`, related: [] });
      continue;
    }
    if (source.hasEndpoint && endpointAlwaysDisabled(resolver, getKey(options, 'HttpEndpoint'))) continue;
    const tokens = getEntry(options, 'HttpTokens');
    const branchNote = options === source.optionsNode ? '' : ` in one branch of ${words.conditional}`;
    if (tokens === undefined) {
      if (!inherits) {
        problems.push({
          kind: 'tokens-absent',
          node: options === source.optionsNode ? source.anchor : options,
          detail: `sets ${optionsPath} without ${httpTokens}${branchNote}, so it defaults to optional unless the AMI or an account-level IMDS default requires v2`,
          related: [],
        });
      }
      continue;
    }
    problems.push(...judgeTokenValue(resolver, tokens.value, branchNote, inherits, httpTokens, words));
  }
  return mergeByNode(problems);
}

function endpointAlwaysDisabled(resolver: IntrinsicResolver, endpoint: SourceNode | undefined): boolean {
  if (endpoint === undefined) return false;
  const values = resolver.resolve(endpoint);
  return values.length > 0 && values.every((value) => value.kind === 'known' && String(value.value).toLowerCase() === 'disabled');
}

function judgeTokenValue(resolver: IntrinsicResolver, use: SourceNode, branchNote: string, inherits: boolean, httpTokens: string, words: Vocabulary): TokenProblem[] {
  const problems: TokenProblem[] = [];
  for (const value of resolver.resolve(use)) {
    const located = locate(use, value);
    if (value.kind === 'known') {
      const text = String(value.value).toLowerCase();
      if (text === 'required') continue;
      if (text === 'optional') {
        problems.push({ kind: 'optional', node: located.node, detail: `sets ${httpTokens} to optional${branchNote}${located.note}`, related: located.related });
      } else {
        problems.push({ kind: 'unverifiable', node: located.node, detail: `sets ${httpTokens} to "${String(value.value)}"${located.note}, which is neither required nor optional`, related: located.related });
      }
    } else if (value.kind === 'absent') {
      if (!inherits) problems.push({ kind: 'tokens-absent', node: value.node, detail: `removes ${words.removed(httpTokens)}${branchNote}, so it defaults to optional`, related: [] });
    } else {
      problems.push({ kind: 'unverifiable', node: use, detail: `takes ${httpTokens} from ${unknownText(value)}, so it could not be verified to be required`, related: [] });
    }
  }
  return problems;
}

/**
 * Where to point for a resolved value: the value itself when it is written inside the use (a branch of
 * Fn::If), else the use, naming the parameter and pointing `related` at where the value comes from.
 */
function locate(use: SourceNode, value: ResolvedValue): { node: SourceNode; note: string; related: { node: SourceNode; message: string }[] } {
  if (value.node.start >= use.start && value.node.end <= use.end) return { node: value.node, note: '', related: [] };
  const via = 'via' in value && value.via !== undefined ? value.via : 'another place in the template';
  return {
    node: use,
    note: ` through ${via}`,
    related: [{ node: value.node, message: `${via} allows ${describeValue(value)}` }],
  };
}

function unknownText(value: ResolvedValue): string {
  if (value.kind === 'partial') {
    const parameter = value.refs.find((r) => r.kind === 'parameter');
    if (parameter !== undefined) return `parameter ${parameter.name}, which has neither Default nor AllowedValues`;
    return `"${value.text}"`;
  }
  if (value.kind === 'unknown') return value.reason.startsWith('imported') ? `a value ${value.reason}` : `a value not known before deployment (${value.reason})`;
  return describeValue(value);
}

/** Several alternatives of one use (AllowedValues, nested Fn::If) become one problem per node and kind. */
function mergeByNode(problems: TokenProblem[]): TokenProblem[] {
  const merged = new Map<string, TokenProblem>();
  for (const problem of problems) {
    const key = `${problem.node.start}:${problem.node.end}:${problem.kind}`;
    const existing = merged.get(key);
    if (existing === undefined) merged.set(key, { ...problem, related: [...problem.related] });
    else existing.related.push(...problem.related.filter((r) => !existing.related.some((e) => e.node === r.node)));
  }
  return [...merged.values()];
}

/**
 * The AMI a source launches, when it is known to be registered with `ImdsSupport: v2.0`
 * (src/aws-data/ami-imds-support.json): then a launch that leaves `HttpTokens` unset gets `required`
 * from the AMI, unless the account-level IMDS default says otherwise.
 */
export interface AmiImdsDefault {
  family: AmiFamily;
  /** The SSM public parameter that names the AMI. */
  parameterName: string;
  /** How the template names it, for messages: `parameter LatestAmiId (Default …)`, `{{resolve:ssm:…}}`. */
  how: string;
  /** Where the AMI is named. */
  node: SourceNode;
  /**
   * Set when what leaves IMDSv1 off is the account's regional default (`AWS::EC2::InstanceMetadataDefaults`,
   * Terraform's `aws_ec2_instance_metadata_defaults`), not the AMI: the resource and what it sets.
   */
  account?: { resource: Resource; setting: 'HttpTokens required' | 'HttpEndpoint disabled' };
}

/** The account-level IMDS defaults of a region (EC2 ModifyInstanceMetadataDefaults); only Terraform writes them. */
export const INSTANCE_METADATA_DEFAULTS_TYPE = 'AWS::EC2::InstanceMetadataDefaults';
const ACCOUNT_DEFAULTS_SOURCE = 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceMetadataDefaults.html';

/**
 * What the account-level IMDS defaults of the document (`AWS::EC2::InstanceMetadataDefaults`) make of a launch
 * from `source` that leaves HttpTokens unset: `none` without such a resource (or with `no-preference`: the AMI
 * decides), `v2` when every one requires tokens or disables the endpoint (the AMI no longer matters), `open`
 * when one allows v1 or is not known (it then overrides an AMI registered with ImdsSupport v2.0, or may).
 *
 * Each setting falls back on the account default by itself (ModifyInstanceMetadataDefaults), so a default that
 * disables the endpoint counts only for a source that leaves HttpEndpoint unset in every alternative of its
 * options; without a source it does not count (a launch that sets the endpoint itself is not covered by it).
 */
export function accountImdsDefault(model: DocumentModel, source?: MetadataSource): AccountImdsDefault {
  const template = model.template;
  if (template === undefined) return { kind: 'none' };
  const endpointFromAccount = source !== undefined && leavesEndpointUnset(model.resolver, source);
  let found: AmiImdsDefault | undefined;
  for (const resource of template.resourcesOfType(INSTANCE_METADATA_DEFAULTS_TYPE)) {
    const endpoint = getKey(resource.properties, 'HttpEndpoint');
    if (endpointFromAccount && endpointAlwaysDisabled(model.resolver, endpoint)) {
      found ??= accountFound(resource, endpoint!, 'HttpEndpoint disabled');
      continue;
    }
    const tokens = getKey(resource.properties, 'HttpTokens');
    if (tokens === undefined) continue;
    const values = model.resolver.resolve(tokens);
    if (values.every((value) => isNoPreference(value, 'HttpTokens'))) continue;
    if (values.length > 0 && values.every((value) => value.kind === 'known' && String(value.value).toLowerCase() === 'required')) {
      found ??= accountFound(resource, tokens, 'HttpTokens required');
      continue;
    }
    return { kind: 'open' };
  }
  return found === undefined ? { kind: 'none' } : { kind: 'v2', found };
}

export type AccountImdsDefault = { kind: 'none' } | { kind: 'open' } | { kind: 'v2'; found: AmiImdsDefault };

/** `true` when no alternative of the source's options writes HttpEndpoint, so a launch takes the account's. */
function leavesEndpointUnset(resolver: IntrinsicResolver, source: MetadataSource): boolean {
  if (!source.hasEndpoint) return false;
  if (source.optionsNode === undefined) return true;
  return resolver.expand(source.optionsNode).every((options) => {
    if (!isMap(options)) return false;
    const endpoint = getKey(options, 'HttpEndpoint');
    return endpoint === undefined || resolver.resolve(endpoint).every((value) => value.kind === 'absent');
  });
}

/**
 * A setting of an account-level default that states no preference: unset, `no-preference`, or the hop
 * limit's `-1` (ModifyInstanceMetadataDefaults); a launch then gets the AMI's or AWS's own default.
 */
export function isNoPreference(value: ResolvedValue, setting: AccountDefaultSetting): boolean {
  if (value.kind === 'absent' || (value.kind === 'known' && value.value === null)) return true;
  if (value.kind !== 'known') return false;
  const text = String(value.value).trim().toLowerCase();
  return setting === 'HttpPutResponseHopLimit' ? text === '-1' : text === 'no-preference';
}

/** The settings the account-level IMDS defaults of a region hold (ModifyInstanceMetadataDefaults). */
export const ACCOUNT_DEFAULT_SETTINGS = ['HttpTokens', 'HttpEndpoint', 'HttpPutResponseHopLimit', 'InstanceMetadataTags'] as const;
export type AccountDefaultSetting = (typeof ACCOUNT_DEFAULT_SETTINGS)[number];

/**
 * Each account-level IMDS defaults resource of the document, with where it writes `setting` (`undefined`
 * when it does not) and every value that may take. In document order; empty without such a resource. A
 * resource that may not be created has values not known (the Terraform adapter makes them so).
 */
export function accountDefaultValues(model: DocumentModel, setting: AccountDefaultSetting): { resource: Resource; node: SourceNode | undefined; values: ResolvedValue[] }[] {
  const template = model.template;
  if (template === undefined) return [];
  return template.resourcesOfType(INSTANCE_METADATA_DEFAULTS_TYPE).map((resource) => {
    const node = getKey(resource.properties, setting);
    return { resource, node, values: node === undefined ? [] : model.resolver.resolve(node) };
  });
}

/** The metadata source (instance, launch template, …) whose resource map holds `node`, if any. */
export function sourceContaining(model: DocumentModel, node: SourceNode): MetadataSource | undefined {
  const sources = instanceMetadata(model).sources;
  for (let current: SourceNode | undefined = node; current !== undefined; current = current.parent) {
    const source = sources.find((s) => s.resource.node === current);
    if (source !== undefined) return source;
  }
  return undefined;
}

function accountFound(resource: Resource, node: SourceNode, setting: 'HttpTokens required' | 'HttpEndpoint disabled'): AmiImdsDefault {
  const family: AmiFamily = { family: 'the account-level IMDS default', imdsSupport: 'v2.0', ssmParameterPrefixes: [], source: ACCOUNT_DEFAULTS_SOURCE };
  return { family, parameterName: '', how: resource.logicalId, node, account: { resource, setting } };
}

const SSM_IMAGE_PARAMETER_TYPE = 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>';
const SSM_DYNAMIC_REFERENCE = /^\{\{resolve:ssm:(\/[^:}\s]+)(?::\d+)?\}\}$/;

/** Problems that only arise from a default: HttpTokens (or all metadata options) left unset. */
export function reliesOnDefault(problem: TokenProblem): boolean {
  return problem.kind === 'options-absent' || problem.kind === 'tokens-absent';
}

/**
 * The v2.0 AMI a source launches, when every AMI it may launch is known to be one: its own `ImageId`
 * (`LaunchTemplateData.ImageId` for a launch template), or, for an instance without one, the `ImageId`
 * of every launch template in this template it launches from. An AMI named as an SSM public parameter
 * (the default or allowed values of a parameter of type `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>`,
 * or `{{resolve:ssm:…}}`) is looked up in the AMI data; anything else (an `ami-…` id, a mapping, a
 * parameter without a default) cannot be known and gives `undefined`.
 */
export function amiImdsDefault(model: DocumentModel, source: MetadataSource): AmiImdsDefault | undefined {
  if (source.kind === 'image-builder') return undefined;
  // The account's regional default comes before the AMI's: one that allows v1 (or may) overrides ImdsSupport v2.0.
  const account = accountImdsDefault(model, source);
  if (account.kind === 'open') return undefined;
  if (account.kind === 'v2') return account.found;
  const path = source.kind === 'launch-template' ? ['LaunchTemplateData', 'ImageId'] : ['ImageId'];
  const own = getPath(source.resource.properties, path);
  if (own !== undefined) return model.template === undefined ? undefined : imageImdsDefault(model.template, model.resolver, own);
  if (source.kind !== 'instance') return undefined;
  const metadata = instanceMetadata(model);
  const targets = referencesFrom(metadata, source.resource).flatMap((reference) => reference.targets);
  if (targets.length === 0) return undefined;
  let found: AmiImdsDefault | undefined;
  for (const target of targets) {
    const template = target.kind === 'in-template' ? metadata.launchTemplates.get(target.resource.logicalId) : undefined;
    const image = template === undefined ? undefined : amiImdsDefault(model, template);
    if (image === undefined) return undefined;
    found ??= image;
  }
  return found;
}

/** The v2.0 AMI an `ImageId` value names, when every value it may take is known to be one. */
export function imageImdsDefault(template: Template, resolver: IntrinsicResolver, node: SourceNode): AmiImdsDefault | undefined {
  const alternatives = resolver.expand(node);
  if (alternatives.length === 0) return undefined;
  let first: AmiImdsDefault | undefined;
  for (const alternative of alternatives) {
    const found: AmiImdsDefault[] = [];
    const fn = intrinsicOf(alternative);
    const parameter = fn?.name === 'Ref' ? template.parameters.get(scalarString(fn.argument) ?? '') : undefined;
    if (parameter !== undefined && parameter.type?.replace(/\s+/g, '') === SSM_IMAGE_PARAMETER_TYPE) {
      const allowed = parameter.allowedValues !== undefined && parameter.allowedValues.length > 0;
      const values = allowed ? parameter.allowedValues! : parameter.default !== undefined ? [parameter.default] : [];
      for (const value of values) {
        const name = scalarString(value);
        const family = name === undefined ? undefined : amiFamilyOfSsmParameter(name);
        if (family === undefined) return undefined;
        found.push({ family, parameterName: name!, how: `parameter ${parameter.name} (${allowed ? 'AllowedValues' : 'Default'} ${name})`, node: value });
      }
    } else {
      for (const value of resolver.resolve(alternative)) {
        // An image of the template (an image query of Terraform's data "aws_ami") whose ImdsSupport is known.
        const image = value.kind === 'partial' && value.refs.length === 1 && value.text === `\${${value.refs[0]!.name}}` ? template.resources.get(value.refs[0]!.name) : undefined;
        if (image?.type === 'AWS::EC2::Image') {
          const support = scalarString(getKey(image.properties, 'ImdsSupport'));
          const family = scalarString(getKey(image.properties, 'ImageFamily'));
          if (support !== 'v2.0') return undefined;
          found.push({ family: { family: family ?? 'an AMI', imdsSupport: 'v2.0', ssmParameterPrefixes: [], source: IMDS_SUPPORT_SEMANTICS_SOURCE }, parameterName: '', how: image.logicalId, node: getKey(image.properties, 'ImdsSupport') ?? value.node });
          continue;
        }
        const text = value.kind === 'known' && typeof value.value === 'string' ? value.value.trim() : undefined;
        const name = text === undefined ? undefined : SSM_DYNAMIC_REFERENCE.exec(text)?.[1];
        const family = name === undefined ? undefined : amiFamilyOfSsmParameter(name);
        if (family === undefined) return undefined;
        found.push({ family, parameterName: name!, how: text!, node: value.node });
      }
    }
    if (found.length === 0) return undefined;
    first ??= found[0];
  }
  return first;
}

/** The instance profile a source launches with: instance and launch configuration `IamInstanceProfile`, launch template `IamInstanceProfile.Arn/Name`. */
export function instanceProfileOf(model: DocumentModel, source: MetadataSource): ProfileReference[] {
  const template = model.template;
  if (template === undefined) return [];
  const resolver = model.resolver;
  const uses: SourceNode[] = [];
  if (source.kind === 'instance' || source.kind === 'launch-configuration' || source.kind === 'image-builder') {
    const written = getKey(source.resource.properties, source.kind === 'image-builder' ? 'InstanceProfileName' : 'IamInstanceProfile');
    if (written !== undefined) uses.push(written);
  } else {
    const specification = getPath(source.resource.properties, ['LaunchTemplateData', 'IamInstanceProfile']);
    for (const alternative of specification === undefined ? [] : resolver.expand(specification)) {
      for (const key of ['Arn', 'Name']) {
        const written = getKey(alternative, key);
        if (written !== undefined) uses.push(written);
      }
    }
  }
  const graph = identityGraph(model);
  const out: ProfileReference[] = [];
  for (const use of uses) {
    for (const value of resolver.resolve(use)) {
      if (value.kind === 'absent') continue;
      const logicalId = profileLogicalId(template, value);
      const profile = logicalId === undefined ? undefined : graph.instanceProfiles.get(logicalId);
      if (!out.some((existing) => existing.node === use && existing.profile === profile)) {
        out.push({ node: use, profile, description: describeTarget(value) });
      }
    }
  }
  return out;
}

/** Consumers that launch from a launch template without adding an instance profile of their own. */
const CONSUMERS_WITHOUT_OWN_PROFILE = new Set(['AWS::AutoScaling::AutoScalingGroup', 'AWS::EC2::EC2Fleet', 'AWS::EC2::SpotFleet']);

/**
 * `true` when the instances a source launches certainly have no instance profile, so their metadata holds
 * no role credentials:
 * - an instance that names none, and every launch template it launches from is in this template and names
 *   none either;
 * - a launch configuration that names none (only Auto Scaling groups use it, and they add none);
 * - a launch template that names none and is used in this template only by Auto Scaling groups, fleets
 *   and instances that name none. A template nothing here uses may be used elsewhere by what adds a
 *   profile (an EKS node group adds its node role's, a Batch environment its instance role), so it is not
 *   judged so; nor is an Image Builder configuration, which always names one.
 */
export function launchesWithoutProfile(model: DocumentModel, source: MetadataSource): boolean {
  if (source.kind === 'image-builder' || instanceProfileOf(model, source).length > 0) return false;
  const metadata = instanceMetadata(model);
  if (source.kind === 'launch-configuration') return true;
  if (source.kind === 'launch-template') {
    const consumers = consumersOf(metadata, source.resource);
    if (consumers.length === 0) return false;
    return consumers.every((reference) => {
      if (CONSUMERS_WITHOUT_OWN_PROFILE.has(reference.consumer.type)) return true;
      const instance = reference.consumer.type === 'AWS::EC2::Instance' ? metadata.sources.find((s) => s.resource === reference.consumer) : undefined;
      return instance !== undefined && instanceProfileOf(model, instance).length === 0;
    });
  }
  for (const reference of referencesFrom(metadata, source.resource)) {
    for (const target of reference.targets) {
      const template = target.kind === 'in-template' ? metadata.launchTemplates.get(target.resource.logicalId) : undefined;
      if (template === undefined || instanceProfileOf(model, template).length > 0) return false;
    }
  }
  return true;
}

/** An EKS managed node group that launches from a launch template, and its node role. */
export interface NodeRoleUse {
  nodegroup: Resource;
  /** Where the node role is written. */
  node: SourceNode;
  /** The role's logical id when this template defines it. */
  role: string | undefined;
}

/**
 * The node roles of the EKS managed node groups that launch from a launch template: EKS gives the nodes
 * an instance profile of the node group's role (a launch template for a node group may not name one), so
 * that role is the one whose credentials IMDS hands out on those instances.
 */
export function nodeRolesOf(model: DocumentModel, source: MetadataSource): NodeRoleUse[] {
  const template = model.template;
  if (template === undefined || source.kind !== 'launch-template') return [];
  const out: NodeRoleUse[] = [];
  for (const reference of consumersOf(instanceMetadata(model), source.resource)) {
    if (reference.consumer.type !== 'AWS::EKS::Nodegroup') continue;
    const node = getKey(reference.consumer.properties, 'NodeRole');
    if (node === undefined || out.some((use) => use.nodegroup === reference.consumer)) continue;
    out.push({ nodegroup: reference.consumer, node, role: principalNamed(template, model.resolver, node, 'AWS::IAM::Role') });
  }
  return out;
}

function profileLogicalId(template: Template, value: ResolvedValue): string | undefined {
  if (value.kind === 'partial') {
    return value.refs.find((r) => r.kind === 'resource' && template.resources.get(r.name)?.type === 'AWS::IAM::InstanceProfile')?.name;
  }
  if (value.kind === 'known' && typeof value.value === 'string') {
    const name = value.value.split('/').pop();
    return template.resourcesOfType('AWS::IAM::InstanceProfile').find((r) => scalarString(getKey(r.properties, 'InstanceProfileName')) === name)?.logicalId;
  }
  return undefined;
}

const TYPE_LABELS: Record<string, string> = {
  'AWS::EC2::Instance': 'Instance',
  'AWS::EC2::LaunchTemplate': 'Launch template',
  'AWS::AutoScaling::LaunchConfiguration': 'Launch configuration',
  'AWS::AutoScaling::AutoScalingGroup': 'Auto Scaling group',
  'AWS::EKS::Nodegroup': 'EKS node group',
  'AWS::EC2::EC2Fleet': 'EC2 Fleet',
  'AWS::EC2::SpotFleet': 'Spot Fleet',
  'AWS::Batch::ComputeEnvironment': 'Batch compute environment',
  'AWS::ImageBuilder::InfrastructureConfiguration': 'Image Builder infrastructure configuration',
};

/** `Auto Scaling group WebAsg`: a resource as messages name it. */
export function resourceLabel(resource: Resource): string {
  return resource.vocabulary.resource(resource, TYPE_LABELS[resource.type]);
}

/** Short label of a source for messages: `Launch template WebLt`. */
export function sourceLabel(source: MetadataSource): string {
  const noun = { instance: 'Instance', 'launch-template': 'Launch template', 'launch-configuration': 'Launch configuration', 'image-builder': 'Image Builder infrastructure configuration' }[source.kind];
  return source.resource.vocabulary.resource(source.resource, noun);
}

