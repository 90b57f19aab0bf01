import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../aws-data/package-root.js';
import { getKey, scalarString, type SourceNode } from '../parse/nodes.js';
import type { IntrinsicResolver } from './intrinsics.js';
import { buildPolicyDocument, kindOfPolicyFile, type PolicyDocument, type PolicyKind } from './policy.js';
import type { Resource, Template } from './template.js';
import type { ParsedDocument } from '../parse/parse-file.js';

/**
 * Where CloudFormation keeps policy documents, per resource type. One table, so every rule family and
 * the validator see the same set of policies. `path` is the property path, `[]` where a list's items
 * are walked (`Policies.[].PolicyDocument`: the inline policies of roles, users and groups, each named
 * by its `PolicyName`).
 */
export interface PolicyLocation {
  path: string;
  kind: PolicyKind;
  /** SAM `Policies`: a string, a map or a list of them; only the inline documents (maps with `Statement`) are policies. */
  sam?: boolean;
  /** The resource type Access Analyzer's ValidatePolicy expects for a resource policy. */
  resourceType?: string;
}

/** One candidate of data/cfn-policy-properties.json, generated from AWS's resource schemas. */
export interface SchemaPolicyProperty {
  type: string;
  path: string;
  valueTypes: string[];
  policy: boolean;
  kind?: PolicyKind;
  reason?: string;
}

/**
 * Access Analyzer's ValidatePolicy resource types (`validatePolicyResourceType`) for the resource
 * policies it knows; other resource policies are validated without one.
 */
const ACCESS_ANALYZER_RESOURCE_TYPES: Record<string, string> = {
  'AWS::IAM::Role AssumeRolePolicyDocument': 'AWS::IAM::AssumeRolePolicyDocument',
  'AWS::S3::BucketPolicy PolicyDocument': 'AWS::S3::Bucket',
  'AWS::S3::AccessPoint Policy': 'AWS::S3::AccessPoint',
  'AWS::S3::MultiRegionAccessPointPolicy Policy': 'AWS::S3::MultiRegionAccessPoint',
  'AWS::S3Express::BucketPolicy PolicyDocument': 'AWS::S3Express::DirectoryBucket',
  'AWS::S3ObjectLambda::AccessPointPolicy PolicyDocument': 'AWS::S3ObjectLambda::AccessPoint',
  'AWS::SQS::QueuePolicy PolicyDocument': 'AWS::SQS::Queue',
  'AWS::SQS::QueueInlinePolicy PolicyDocument': 'AWS::SQS::Queue',
  'AWS::SNS::TopicPolicy PolicyDocument': 'AWS::SNS::Topic',
  'AWS::SNS::TopicInlinePolicy PolicyDocument': 'AWS::SNS::Topic',
  'AWS::KMS::Key KeyPolicy': 'AWS::KMS::Key',
  'AWS::KMS::ReplicaKey KeyPolicy': 'AWS::KMS::Key',
  'AWS::ECR::Repository RepositoryPolicyText': 'AWS::ECR::Repository',
  'AWS::SecretsManager::ResourcePolicy ResourcePolicy': 'AWS::SecretsManager::Secret',
  'AWS::OpenSearchService::Domain AccessPolicies': 'AWS::OpenSearchService::Domain',
  'AWS::Elasticsearch::Domain AccessPolicies': 'AWS::OpenSearchService::Domain',
  'AWS::ApiGateway::RestApi Policy': 'AWS::ApiGateway::RestApi',
  'AWS::EFS::FileSystem FileSystemPolicy': 'AWS::EFS::FileSystem',
  'AWS::Backup::BackupVault AccessPolicy': 'AWS::Backup::BackupVault',
  'AWS::Logs::ResourcePolicy PolicyDocument': 'AWS::Logs::ResourcePolicy',
  'AWS::CodeArtifact::Repository PermissionsPolicyDocument': 'AWS::CodeArtifact::Repository',
  'AWS::CodeArtifact::Domain PermissionsPolicyDocument': 'AWS::CodeArtifact::Domain',
  'AWS::DynamoDB::Table ResourcePolicy.PolicyDocument': 'AWS::DynamoDB::Table',
  'AWS::DynamoDB::Table StreamSpecification.ResourcePolicy.PolicyDocument': 'AWS::DynamoDB::Stream',
  'AWS::DynamoDB::GlobalTable Replicas.[].ResourcePolicy.PolicyDocument': 'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable Replicas.[].ReplicaStreamSpecification.ResourcePolicy.PolicyDocument': 'AWS::DynamoDB::Stream',
  'AWS::Lambda::ResourcePolicy PolicyDocument': 'AWS::Lambda::Function',
  'AWS::Kinesis::ResourcePolicy ResourcePolicy': 'AWS::Kinesis::Stream',
};

/**
 * Locations the registry schemas do not describe as policies: SAM's `Policies` (templates, managed
 * policy names and inline documents in one list) and types no longer in the registry schemas.
 */
const EXTRA_LOCATIONS: Record<string, PolicyLocation[]> = {
  'AWS::Serverless::Function': [{ path: 'Policies', kind: 'identity', sam: true }],
  'AWS::Serverless::StateMachine': [{ path: 'Policies', kind: 'identity', sam: true }],
  'AWS::Glacier::Vault': [{ path: 'AccessPolicy', kind: 'resource' }],
};

/** The candidates of data/cfn-policy-properties.json (policies and the properties ruled out, with reasons). */
export function schemaPolicyProperties(): SchemaPolicyProperty[] {
  return (schemaData ??= JSON.parse(readFileSync(join(packageRoot(), 'data', 'cfn-policy-properties.json'), 'utf8')) as { properties: SchemaPolicyProperty[] }).properties;
}

let schemaData: { properties: SchemaPolicyProperty[] } | undefined;
let locations: Map<string, PolicyLocation[]> | undefined;

/** The policy locations of a resource type: from AWS's resource schemas, plus the SAM ones. */
export function policyLocationsOf(type: string): readonly PolicyLocation[] {
  if (locations === undefined) {
    locations = new Map(Object.entries(EXTRA_LOCATIONS).map(([t, list]) => [t, [...list]]));
    for (const property of schemaPolicyProperties()) {
      if (!property.policy || property.kind === undefined) continue;
      const resourceType = ACCESS_ANALYZER_RESOURCE_TYPES[`${property.type} ${property.path}`];
      const location: PolicyLocation = { path: property.path, kind: property.kind, ...(resourceType !== undefined ? { resourceType } : {}) };
      const list = locations.get(property.type);
      if (list === undefined) locations.set(property.type, [location]);
      else list.push(location);
    }
  }
  return locations.get(type) ?? NO_LOCATIONS;
}

const NO_LOCATIONS: readonly PolicyLocation[] = [];

/** Every policy document of a template, in source order of resources. */
export function templatePolicies(template: Template, resolver: IntrinsicResolver): PolicyDocument[] {
  const out: PolicyDocument[] = [];
  for (const resource of template.resources.values()) {
    for (const location of policyLocationsOf(resource.type)) {
      if (location.sam) {
        const value = getKey(resource.properties, location.path);
        if (value === undefined) continue;
        for (const entry of resolver.listItems(value)) {
          if (getKey(entry, 'Statement') !== undefined) out.push(documentFor(template, resolver, resource, location, entry, undefined));
        }
        continue;
      }
      const segments = location.path.split('.');
      const listed = segments.includes('[]');
      for (const { node, entry } of valuesAt(resolver, resource.properties, segments)) {
        for (const alternative of resolver.expand(node)) {
          const name = listed ? scalarString(getKey(entry, 'PolicyName')) : policyNameOf(resource);
          out.push(documentFor(template, resolver, resource, location, alternative, name));
        }
      }
    }
  }
  return out;
}

/**
 * The nodes at a property path, through Fn::If branches, `[]` walking a list's items. `entry` is the
 * list item the value was found in (its `PolicyName` names an inline policy), or undefined.
 */
function valuesAt(resolver: IntrinsicResolver, root: SourceNode | undefined, segments: readonly string[]): { node: SourceNode; entry: SourceNode | undefined }[] {
  let current: { node: SourceNode; entry: SourceNode | undefined }[] = root === undefined ? [] : [{ node: root, entry: undefined }];
  for (const segment of segments) {
    current = current.flatMap(({ node, entry }) => {
      if (segment === '[]') return resolver.listItems(node).map((item) => ({ node: item, entry: item }));
      // The value found last is expanded by the caller: each Fn::If branch is a document of its own.
      return resolver.expand(node).flatMap((alternative) => {
        const value = getKey(alternative, segment);
        return value === undefined ? [] : [{ node: value, entry }];
      });
    });
  }
  return current;
}

function documentFor(
  template: Template,
  resolver: IntrinsicResolver,
  resource: Resource,
  location: PolicyLocation,
  node: SourceNode,
  name: string | undefined,
): PolicyDocument {
  return buildPolicyDocument({
    kind: location.kind,
    file: template.file,
    node,
    owner: { resource, label: `${template.vocabulary.resource(resource)}${name !== undefined && location.path.includes('[]') ? ` (policy ${name})` : ''}` },
    ...(name !== undefined ? { name } : {}),
    ...(location.resourceType !== undefined ? { resourceType: location.resourceType } : {}),
    resolver,
  });
}

function policyNameOf(resource: Resource): string | undefined {
  return scalarString(getKey(resource.properties, 'PolicyName')) ?? scalarString(getKey(resource.properties, 'ManagedPolicyName'));
}

/** The one policy of a plain IAM policy JSON file. */
export function filePolicy(document: ParsedDocument, resolver: IntrinsicResolver, kind?: PolicyKind): PolicyDocument {
  return buildPolicyDocument({
    kind: kind ?? kindOfPolicyFile(document.root),
    file: document.file,
    node: document.root,
    owner: { label: document.file.path.split('/').pop() ?? document.file.path },
    resolver,
  });
}

