import { formatPath, type SourceNode } from '../parse/nodes.js';
import type { NativeSpelling, ParsedDocument } from '../parse/parse-file.js';

/** What a message needs of a resource to name it. */
export interface Named {
  logicalId: string;
  type: string;
}

/**
 * The words rules use for what the model holds, in the language the document was written in. The model is
 * CloudFormation-shaped (resource types, property paths); a rule writes `vocabulary.resource(role)` or
 * `vocabulary.property(instance, 'MetadataOptions.HttpTokens')` instead of CloudFormation's words, and the
 * adapter that built the document (src/terraform/vocabulary.ts) supplies how its language says them.
 * CloudFormation's vocabulary returns the words the rules always wrote, byte for byte.
 */
export interface Vocabulary {
  readonly language: 'cloudformation' | 'terraform';
  /**
   * A resource in a message. CloudFormation: the noun and the logical id (`IAM ManagedPolicy Foo`; the noun
   * defaults to the type without its `AWS::` prefix); Terraform: the address, which says its type
   * (`aws_iam_policy.foo`).
   */
  resource(resource: Named, noun?: string): string;
  /** A resource's type as the document names it: `AWS::EC2::LaunchTemplate` / `aws_launch_template` (the model's type where the adapter does not know the resource). */
  type(resource: Named): string;
  /** Like {@link resource} for a resource known by id only: `Role Foo` / `aws_iam_role.foo`. */
  named(logicalId: string, noun: string): string;
  /** A property path of the model, from the resource's properties: `MetadataOptions.HttpTokens` / `metadata_options.http_tokens`. */
  property(resource: Named | string, path: string): string;
  /** The last name of {@link property}: `HttpTokens` / `http_tokens`. */
  field(resource: Named | string, path: string): string;
  /** A reference to a resource attribute: `Role.Arn` / `aws_iam_role.app.arn`. */
  attribute(logicalId: string, attribute: string): string;
  /** A resource attribute with the resource's type: `SecretAccessKey of AWS::IAM::AccessKey Key` / `aws_iam_access_key.key.secret`. */
  attributeOf(resource: Named, attribute: string): string;
  /** What turns the document into resources: `CloudFormation` / `Terraform`. */
  readonly deployer: string;
  /** A property the document removes: `X (AWS::NoValue)` / `X (null)`. */
  removed(what: string): string;
  /** What removes a value: `AWS::NoValue` / `null`. */
  readonly noValue: string;
  /** The document, in messages: `template` / `module`. */
  readonly document: string;
  /** What a condition's two branches are written with: `Fn::If` / `a conditional expression`. */
  readonly conditional: string;
  /** What builds a string from references: `Fn::Sub` / `an interpolation ("${…}")`. */
  readonly interpolation: string;
  /** What builds an ARN for any partition: `!Sub and ${AWS::Partition}` / `an interpolation of data.aws_partition.current.partition`. */
  readonly partitioned: string;
  /** An input whose values the document shows: `a parameter with a default or AllowedValues` / `a variable with a default or a validation`. */
  readonly knownInput: string;
  /** A setting as a user writes it: `HttpTokens: required` / `http_tokens = "required"`. */
  setting(name: string, value: string): string;
  /** A node's path in the document: `Resources.Lt.Properties.LaunchTemplateData.MetadataOptions` / `aws_launch_template.lt.metadata_options`. */
  path(segments: readonly (string | number)[]): string;
  /** The last name of {@link path}: `HttpTokens` / `http_tokens` (CloudFormation: the last key of the segments). */
  key(segments: readonly (string | number)[]): string;
  /**
   * Why a selector cannot see below a value the document computes (`fn`, the model's intrinsic function at
   * `path`, a {@link path}): `… is computed by Fn::If, and selectors do not look inside intrinsic functions` /
   * `… is computed by a conditional expression, and selectors do not look inside expressions`.
   */
  computed(path: string, fn: { name: string; argument: SourceNode }): string;
  /**
   * A map property with its settings, as a user writes it: `InstanceMetadataServiceConfiguration: {MinimumInstanceMetadataServiceVersion: "2"}` /
   * `instance_metadata_service_configuration { minimum_instance_metadata_service_version = "2" }`. Setting names are paths below `path`.
   */
  block(resource: Named | string, path: string, settings: readonly Setting[]): string;
  /**
   * An item of a list property, as a user writes it: `the option setting Namespace aws:…, OptionName DisableIMDSv1, Value "true"` (with `noun`) /
   * `the block setting { namespace = "aws:…", name = "DisableIMDSv1", value = "true" }`. Field names are paths below `path`.
   */
  item(resource: Named | string, path: string, noun: string, fields: readonly Setting[]): string;
}

/** A name (a model property path) and the value a fix gives it. */
export type Setting = readonly [name: string, value: string | number | boolean];

/** `IAM ManagedPolicy` for `AWS::IAM::ManagedPolicy`. */
export function shortType(type: string): string {
  return type.split('::').slice(1).join(' ');
}

function lastName(path: string): string {
  return path.replace(/\[[^\]]*\]/g, '').split('.').pop() ?? path;
}

/** A value as YAML reads it back: a string that would read as a number, boolean or null is quoted (`"2"`, `"true"`). */
function yamlScalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  return /^(?:true|false|yes|no|on|off|null|~|[-+]?(?:\d[\d_]*)?\.?\d+(?:e[-+]?\d+)?)$/i.test(value) ? JSON.stringify(value) : value;
}

/** A value as HCL writes it: strings quoted, numbers and booleans bare. */
const hclScalar = (value: string | number | boolean): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

const idOf = (resource: Named | string) => (typeof resource === 'string' ? resource : resource.logicalId);

export const CLOUDFORMATION_VOCABULARY: Vocabulary = {
  language: 'cloudformation',
  resource: (resource, noun) => `${noun ?? shortType(resource.type)} ${resource.logicalId}`,
  type: (resource) => resource.type,
  named: (logicalId, noun) => `${noun} ${logicalId}`,
  property: (_resource, path) => path,
  field: (_resource, path) => lastName(path),
  attribute: (logicalId, attribute) => `${logicalId}.${attribute}`,
  attributeOf: (resource, attribute) => `${attribute} of ${resource.type} ${resource.logicalId}`,
  deployer: 'CloudFormation',
  removed: (what) => `${what} (AWS::NoValue)`,
  noValue: 'AWS::NoValue',
  document: 'template',
  conditional: 'Fn::If',
  interpolation: 'Fn::Sub',
  partitioned: '!Sub and ${AWS::Partition}',
  knownInput: 'a parameter with a default or AllowedValues',
  setting: (name, value) => `${name}: ${value}`,
  path: (segments) => formatPath(segments),
  key: lastKey,
  computed: (path, fn) => `${path} is computed by ${fn.name}, and selectors do not look inside intrinsic functions`,
  block: (_resource, path, settings) => `${path}: {${settings.map(([name, value]) => `${lastName(name)}: ${yamlScalar(value)}`).join(', ')}}`,
  item: (_resource, _path, noun, fields) => `the ${noun} ${fields.map(([name, value]) => `${lastName(name)} ${yamlScalar(value)}`).join(', ')}`,
};

/** The last key of a path's segments (the path itself when it has none). */
function lastKey(segments: readonly (string | number)[]): string {
  return [...segments].reverse().find((segment): segment is string => typeof segment === 'string') ?? formatPath(segments);
}

/** A path below a resource's properties (`Resources.<id>.Properties.…`): the resource and the rest; `undefined` for any other path. */
function belowProperties(segments: readonly (string | number)[]): { id: string; rest: readonly (string | number)[] } | undefined {
  const [section, id, properties, ...rest] = segments;
  return section === 'Resources' && typeof id === 'string' && properties === 'Properties' ? { id, rest } : undefined;
}

function nativeVocabulary(spelling: NativeSpelling): Vocabulary {
  /** The path as written, with the address of the resource that writes it when another one does (a folded public access block). */
  const property = (resource: Named | string, path: string) => {
    const below = spelling.property(idOf(resource), path);
    const writer = spelling.writer(idOf(resource), path);
    return writer === undefined ? below : below === '' ? writer : `${writer}.${below}`;
  };
  const field = (resource: Named | string, path: string) => {
    const below = spelling.property(idOf(resource), path);
    const writer = below === '' ? spelling.writer(idOf(resource), path) : undefined;
    // The property is the whole of another resource: its type names it (`aws_s3_bucket_public_access_block`).
    return writer !== undefined ? (spelling.type(writer) ?? writer) : lastName(below);
  };
  const settingsOf = (resource: Named | string, path: string, settings: readonly Setting[]) =>
    settings.map(([name, value]) => `${field(resource, `${path}.${name}`)} = ${hclScalar(value)}`).join(', ');
  return {
    language: spelling.language,
    resource: (resource) => resource.logicalId,
    type: (resource) => spelling.type(resource.logicalId) ?? resource.type,
    named: (logicalId) => logicalId,
    property,
    field,
    attribute: (logicalId, attribute) => `${logicalId}.${spelling.attribute(logicalId, attribute)}`,
    attributeOf: (resource, attribute) => `${resource.logicalId}.${spelling.attribute(resource.logicalId, attribute)}`,
    deployer: 'Terraform',
    removed: (what) => `${what} (${spelling.removed})`,
    noValue: spelling.removed,
    document: 'module',
    conditional: 'a conditional expression',
    interpolation: 'an interpolation ("${…}")',
    partitioned: 'an interpolation of data.aws_partition.current.partition',
    knownInput: 'a variable with a default or a validation',
    // A number or boolean is written bare, as HCL writes it (`http_put_response_hop_limit = 1`).
    setting: (name, value) => `${name} = ${/^(?:true|false|-?\d+(?:\.\d+)?)$/.test(value) ? value : JSON.stringify(value)}`,
    path: (segments) => {
      const below = belowProperties(segments);
      if (below === undefined) return formatPath(segments);
      const path = formatPath(below.rest);
      const writer = spelling.writer(below.id, path);
      if (writer !== undefined) return property(below.id, path);
      const native = spelling.property(below.id, path);
      return native === '' ? below.id : `${below.id}.${native}`;
    },
    key: (segments) => {
      const below = belowProperties(segments);
      if (below === undefined || !below.rest.some((s) => typeof s === 'string')) return lastKey(segments);
      return field(below.id, formatPath(below.rest));
    },
    computed: (path, fn) => `${path} is computed by ${expressionOf(fn)}, and selectors do not look inside expressions`,
    block: (resource, path, settings) => `${property(resource, path)} { ${settingsOf(resource, path, settings)} }`,
    item: (resource, path, _noun, fields) => `the block ${property(resource, path)} { ${settingsOf(resource, path, fields)} }`,
  };
}

/** The expression a language adapter wrote as the model's intrinsic function `fn` (src/terraform/module.ts toNode). */
function expressionOf(fn: { name: string; argument: SourceNode }): string {
  const argument = fn.argument;
  switch (fn.name) {
    case 'Fn::If':
      return 'a conditional expression';
    case 'Fn::Join':
      return 'an interpolation ("${…}")';
    case 'Ref':
      return argument.kind === 'scalar' ? `a reference to ${String(argument.value)}` : 'a reference';
    case 'Fn::GetAtt': {
      const [target, attribute] = argument.kind === 'seq' ? argument.items : [];
      return target?.kind === 'scalar' && attribute?.kind === 'scalar' ? `a reference to ${String(target.value)}.${String(attribute.value)}` : 'a reference';
    }
    default:
      return 'an expression not known before apply';
  }
}

const cache = new WeakMap<NativeSpelling, Vocabulary>();

/** The vocabulary of a document: its adapter's spelling, or CloudFormation's. */
export function vocabularyOf(document: ParsedDocument): Vocabulary {
  const spelling = document.spelling;
  return spelling === undefined ? CLOUDFORMATION_VOCABULARY : vocabularyOfSpelling(spelling);
}

/** The vocabulary a language adapter's spelling gives (one per spelling). */
export function vocabularyOfSpelling(spelling: NativeSpelling): Vocabulary {
  let vocabulary = cache.get(spelling);
  if (vocabulary === undefined) cache.set(spelling, (vocabulary = nativeVocabulary(spelling)));
  return vocabulary;
}
