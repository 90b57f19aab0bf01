import { getKey, scalarString, type SourceNode } from '../parse/nodes.js';
import type { IntrinsicResolver } from './intrinsics.js';
import { buildPolicyDocument, kindOfPolicyFile, type PolicyDocument, type PolicyKind } from './policy.js';
import type { Resource, Template } from './template.js';
import type { ParsedDocument } from '../parse/parse-file.js';

/**
 * Where CloudFormation keeps policy documents, per resource type. One table, so every rule family and
 * the validator see the same set of policies. `list` marks a property holding a list of
 * `{PolicyName, PolicyDocument}` (inline policies of roles, users and groups).
 */
interface PolicyLocation {
  property: string;
  kind: PolicyKind;
  list?: boolean;
  /** SAM `Policies`: a string, a map or a list of them; only the inline documents (maps with `Statement`) are policies. */
  sam?: boolean;
  /** The resource type Access Analyzer's ValidatePolicy expects for a resource policy. */
  resourceType?: string;
}

export const POLICY_LOCATIONS: Record<string, PolicyLocation[]> = {
  'AWS::IAM::Role': [
    { property: 'AssumeRolePolicyDocument', kind: 'trust', resourceType: 'AWS::IAM::AssumeRolePolicyDocument' },
    { property: 'Policies', kind: 'identity', list: true },
  ],
  'AWS::IAM::User': [{ property: 'Policies', kind: 'identity', list: true }],
  'AWS::IAM::Group': [{ property: 'Policies', kind: 'identity', list: true }],
  'AWS::IAM::Policy': [{ property: 'PolicyDocument', kind: 'identity' }],
  'AWS::IAM::ManagedPolicy': [{ property: 'PolicyDocument', kind: 'identity' }],
  'AWS::IAM::RolePolicy': [{ property: 'PolicyDocument', kind: 'identity' }],
  'AWS::IAM::UserPolicy': [{ property: 'PolicyDocument', kind: 'identity' }],
  'AWS::IAM::GroupPolicy': [{ property: 'PolicyDocument', kind: 'identity' }],
  'AWS::SSO::PermissionSet': [{ property: 'InlinePolicy', kind: 'identity' }],
  'AWS::Organizations::Policy': [{ property: 'Content', kind: 'scp' }],
  'AWS::S3::BucketPolicy': [{ property: 'PolicyDocument', kind: 'resource', resourceType: 'AWS::S3::Bucket' }],
  'AWS::S3::AccessPoint': [{ property: 'Policy', kind: 'resource', resourceType: 'AWS::S3::AccessPoint' }],
  'AWS::S3::MultiRegionAccessPointPolicy': [{ property: 'Policy', kind: 'resource', resourceType: 'AWS::S3::MultiRegionAccessPoint' }],
  'AWS::S3Express::BucketPolicy': [{ property: 'PolicyDocument', kind: 'resource', resourceType: 'AWS::S3Express::DirectoryBucket' }],
  'AWS::SQS::QueuePolicy': [{ property: 'PolicyDocument', kind: 'resource', resourceType: 'AWS::SQS::Queue' }],
  'AWS::SNS::TopicPolicy': [{ property: 'PolicyDocument', kind: 'resource', resourceType: 'AWS::SNS::Topic' }],
  'AWS::KMS::Key': [{ property: 'KeyPolicy', kind: 'resource', resourceType: 'AWS::KMS::Key' }],
  'AWS::KMS::ReplicaKey': [{ property: 'KeyPolicy', kind: 'resource', resourceType: 'AWS::KMS::Key' }],
  'AWS::ECR::Repository': [{ property: 'RepositoryPolicyText', kind: 'resource', resourceType: 'AWS::ECR::Repository' }],
  'AWS::ECR::RegistryPolicy': [{ property: 'PolicyText', kind: 'resource' }],
  'AWS::SecretsManager::ResourcePolicy': [{ property: 'ResourcePolicy', kind: 'resource', resourceType: 'AWS::SecretsManager::Secret' }],
  'AWS::OpenSearchService::Domain': [{ property: 'AccessPolicies', kind: 'resource', resourceType: 'AWS::OpenSearchService::Domain' }],
  'AWS::Elasticsearch::Domain': [{ property: 'AccessPolicies', kind: 'resource', resourceType: 'AWS::OpenSearchService::Domain' }],
  'AWS::ApiGateway::RestApi': [{ property: 'Policy', kind: 'resource', resourceType: 'AWS::ApiGateway::RestApi' }],
  'AWS::EFS::FileSystem': [{ property: 'FileSystemPolicy', kind: 'resource', resourceType: 'AWS::EFS::FileSystem' }],
  'AWS::Backup::BackupVault': [{ property: 'AccessPolicy', kind: 'resource', resourceType: 'AWS::Backup::BackupVault' }],
  'AWS::Glacier::Vault': [{ property: 'AccessPolicy', kind: 'resource' }],
  'AWS::Events::EventBus': [{ property: 'Policy', kind: 'resource' }],
  'AWS::Logs::ResourcePolicy': [{ property: 'PolicyDocument', kind: 'resource', resourceType: 'AWS::Logs::ResourcePolicy' }],
  'AWS::Logs::Destination': [{ property: 'DestinationPolicy', kind: 'resource' }],
  'AWS::CodeArtifact::Repository': [{ property: 'PermissionsPolicyDocument', kind: 'resource', resourceType: 'AWS::CodeArtifact::Repository' }],
  'AWS::CodeArtifact::Domain': [{ property: 'PermissionsPolicyDocument', kind: 'resource', resourceType: 'AWS::CodeArtifact::Domain' }],
  'AWS::DynamoDB::Table': [{ property: 'ResourcePolicy.PolicyDocument', kind: 'resource', resourceType: 'AWS::DynamoDB::Table' }],
  'AWS::Lambda::Function': [],
  'AWS::Serverless::Function': [{ property: 'Policies', kind: 'identity', sam: true }],
  'AWS::Serverless::StateMachine': [{ property: 'Policies', kind: 'identity', sam: true }],
};

/** Every policy document of a template, in source order of resources. */
export function templatePolicies(template: Template, resolver: IntrinsicResolver): PolicyDocument[] {
  const out: PolicyDocument[] = [];
  for (const resource of template.resources.values()) {
    for (const location of POLICY_LOCATIONS[resource.type] ?? []) {
      const value = location.property.split('.').reduce<SourceNode | undefined>((node, key) => getKey(node, key), resource.properties);
      if (value === undefined) continue;
      if (location.sam) {
        for (const entry of resolver.listItems(value)) {
          if (getKey(entry, 'Statement') !== undefined) out.push(documentFor(template, resolver, resource, location, entry, undefined));
        }
      } else if (location.list) {
        for (const entry of resolver.listItems(value)) {
          const policyDocument = getKey(entry, 'PolicyDocument');
          if (policyDocument === undefined) continue;
          for (const alternative of resolver.expand(policyDocument)) {
            const name = scalarString(getKey(entry, 'PolicyName'));
            out.push(documentFor(template, resolver, resource, location, alternative, name));
          }
        }
      } else {
        for (const alternative of resolver.expand(value)) {
          out.push(documentFor(template, resolver, resource, location, alternative, policyNameOf(resource)));
        }
      }
    }
  }
  return out;
}

function documentFor(
  template: Template,
  resolver: IntrinsicResolver,
  resource: Resource,
  location: PolicyLocation,
  node: SourceNode,
  name: string | undefined,
): PolicyDocument {
  const shortType = resource.type.split('::').slice(1).join(' ');
  return buildPolicyDocument({
    kind: location.kind,
    file: template.file,
    node,
    owner: { resource, label: `${shortType} ${resource.logicalId}${name !== undefined && location.list ? ` (policy ${name})` : ''}` },
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

