#!/usr/bin/env node
// Finds every CloudFormation resource property that may hold a policy document, from AWS's published
// resource schemas as the AWS CDK packages them (npm package @aws-cdk/aws-service-spec, Apache-2.0: its
// db.json.gz is the CloudFormation registry schemas of every resource type, SAM included), and writes
// data/cfn-policy-properties.json (committed). src/model/policy-locations.ts reads the policies from it;
// test/model/policy-locations.test.ts fails while any candidate is unclassified.
//
// A candidate is a property at any depth whose type is JSON and whose name says policy, statement or
// document, or a JSON or string property whose documentation says it is a policy document (resource-based, key, access, IAM, trust policy...).
// Each one is classified here, never by hand in the data: a policy (with its kind) or not a policy (with
// the reason). A property the rules below do not decide is written as "unclassified".
//
// Usage (no network: the schemas come from the pinned devDependency):
//   node scripts/generate-policy-properties.mjs node_modules/@aws-cdk/aws-service-spec/db.json.gz <version> [output]
// (output defaults to data/cfn-policy-properties.json; <version> is the devDependency's, recorded in the file).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [dbPath = 'node_modules/@aws-cdk/aws-service-spec/db.json.gz', version = 'unknown', output = join(root, 'data', 'cfn-policy-properties.json')] = process.argv.slice(2);
const db = JSON.parse(gunzipSync(readFileSync(dbPath)).toString('utf8'));
const resources = db.schema.resource.entities;
const typeDefinitions = new Map(db.schema.typeDefinition.entities.map((t) => [t.$id, t]));

const NAME = /polic|^statement$|document/i;
const DOC =
  /policy document|resource[- ]based polic|resource polic|key policy|access polic|IAM polic|permissions? polic|trust polic|bucket polic|JSON polic|policy text|policy in JSON/i;

/** Policies: kind by resource type and path; every other policy is a resource policy. */
const IDENTITY = new Set([
  'AWS::IAM::Group Policies.[].PolicyDocument',
  'AWS::IAM::GroupPolicy PolicyDocument',
  'AWS::IAM::ManagedPolicy PolicyDocument',
  'AWS::IAM::Policy PolicyDocument',
  'AWS::IAM::Role Policies.[].PolicyDocument',
  'AWS::IAM::RolePolicy PolicyDocument',
  'AWS::IAM::User Policies.[].PolicyDocument',
  'AWS::IAM::UserPolicy PolicyDocument',
  'AWS::SSO::PermissionSet InlinePolicy',
]);
const TRUST = new Set(['AWS::IAM::Role AssumeRolePolicyDocument', 'AWS::Serverless::Function AssumeRolePolicyDocument']);
const SCP = new Set(['AWS::Organizations::Policy Content']);

/** Candidates that are not IAM policy documents, each with why. */
const NOT_POLICY = {
  'AWS::EC2::VPCEndpoint PolicyDocument': 'a VPC endpoint policy filters what passes the endpoint and grants nothing by itself; Principal "*" is its normal form',
  'AWS::EC2::VerifiedAccessEndpoint PolicyDocument': 'a Verified Access policy, written in Cedar, not IAM',
  'AWS::EC2::VerifiedAccessGroup PolicyDocument': 'a Verified Access policy, written in Cedar, not IAM',
  'AWS::ECR::Repository LifecyclePolicy.LifecyclePolicyText': 'image lifecycle rules, not access',
  'AWS::Events::EventBusPolicy Statement': 'one statement with its own Principal/Action properties: read with them by src/rules/resource-exposure/_grants.ts',
  'AWS::IoT::Policy PolicyDocument': 'an AWS IoT Core policy for device certificates: only iot: actions, judged by other means',
  'AWS::IoTSiteWise::AccessPolicy AccessPolicyPermission': 'a permission level (ADMINISTRATOR or VIEWER), not a document',
  'AWS::Logs::LogGroup DataProtectionPolicy': 'a data protection (masking) policy, not access',
  'AWS::Logs::LogGroup FieldIndexPolicies.[]': 'field indexing settings, not access',
  'AWS::NetworkManager::CoreNetwork PolicyDocument': 'a Cloud WAN core network policy (routing and segments), not access',
  'AWS::OpenSearchServerless::AccessPolicy Policy': 'an OpenSearch Serverless data access policy (its own rule grammar), not IAM',
  'AWS::OpenSearchServerless::LifecyclePolicy Policy': 'index retention rules, not access',
  'AWS::OpenSearchServerless::SecurityPolicy Policy': 'an encryption or network policy in OpenSearch Serverless grammar, not IAM',
  'AWS::RAM::Permission PolicyTemplate': 'a fragment (Effect, Action, Condition) that RAM completes per share, not a whole document',
  'AWS::Route53::TrafficPolicy Document': 'a DNS traffic policy (routing rules), not access',
  'AWS::Serverless::Function Policies.Statement': 'SAM Policies: read whole (policy templates, managed policy names, inline documents) by the SAM location',
  'AWS::Serverless::Function Policies.[].Statement': 'SAM Policies: read whole (policy templates, managed policy names, inline documents) by the SAM location',
  'AWS::Serverless::StateMachine Policies.Statement': 'SAM Policies: read whole (policy templates, managed policy names, inline documents) by the SAM location',
  'AWS::Serverless::StateMachine Policies.[].Statement': 'SAM Policies: read whole (policy templates, managed policy names, inline documents) by the SAM location',
  'AWS::SNS::Subscription DeliveryPolicy': 'delivery retry settings, not access',
  'AWS::SNS::Subscription FilterPolicy': 'a message filter, not access',
  'AWS::SNS::Subscription RedrivePolicy': 'a dead-letter queue setting, not access',
  'AWS::SNS::Subscription ReplayPolicy': 'replay settings, not access',
  'AWS::SNS::Topic ArchivePolicy': 'message retention settings, not access',
  'AWS::SNS::Topic DataProtectionPolicy': 'a data protection (masking) policy, not access',
  'AWS::SQS::Queue RedriveAllowPolicy': 'which queues may use this one as a dead-letter queue: an allow list of queue ARNs, not an IAM document',
  'AWS::SQS::Queue RedrivePolicy': 'a dead-letter queue setting, not access',
  'AWS::ODB::OdbNetwork KmsPolicyDocument': 'the policy an Oracle Database@AWS network applies to its KMS access: not a grant to principals of the account',
  'AWS::ODB::OdbNetwork StsPolicyDocument': 'the policy an Oracle Database@AWS network applies to its STS access: not a grant to principals of the account',
};
/** Candidates by name that hold names or ARNs of policies, not documents. */
const NOT_POLICY_NAME = [
  [/(^|\.)PolicyName$/, 'the name of a policy'],
  [/PolicyArns?(\.\[\])?$/, 'ARNs of managed policies (read as attachments)'],
  [/GuardrailPolicies\.\[\]$/, 'ARNs of managed policies used as guardrails'],
  [/^Tags(\.\{\})?$/, 'tags (the documentation mentions IAM policies that read them)'],
];

function valueKinds(type) {
  if (type.type === 'union') return new Set(type.types.flatMap((t) => [...valueKinds(t)]));
  return new Set([type.type]);
}

const candidates = [];
function walk(type, path, owner, seen, documentation) {
  const kinds = valueKinds(type);
  const name = path.filter((p) => p !== '[]').at(-1);
  const documented = DOC.test(documentation.slice(0, 600));
  if ((kinds.has('json') && (NAME.test(name) || documented)) || (kinds.has('string') && /polic|document/i.test(name) && documented)) {
    candidates.push({ type: owner, path: path.join('.'), valueTypes: [...kinds].filter((k) => k === 'json' || k === 'string').sort() });
  }
  const visit = (inner, innerPath) => walk(inner, innerPath, owner, seen, documentation);
  if (type.type === 'array') visit(type.element, [...path, '[]']);
  else if (type.type === 'map') visit(type.element, [...path, '{}']);
  else if (type.type === 'union') {
    for (const member of type.types) if (member.type === 'ref' || member.type === 'array') visit(member, path);
  } else if (type.type === 'ref') {
    const id = type.reference.$ref;
    if (seen.has(id)) return;
    const definition = typeDefinitions.get(id);
    for (const [property, spec] of Object.entries(definition?.properties ?? {})) {
      walk(spec.type, [...path, property], owner, new Set([...seen, id]), spec.documentation ?? '');
    }
  }
}
for (const resource of resources) {
  for (const [property, spec] of Object.entries(resource.properties ?? {})) {
    walk(spec.type, [property], resource.cloudFormationType, new Set(), spec.documentation ?? '');
  }
}

const properties = candidates
  .map((candidate) => {
    const key = `${candidate.type} ${candidate.path}`;
    const byName = NOT_POLICY_NAME.find(([pattern]) => pattern.test(candidate.path));
    if (NOT_POLICY[key] !== undefined) return { ...candidate, policy: false, reason: NOT_POLICY[key] };
    if (byName !== undefined) return { ...candidate, policy: false, reason: byName[1] };
    const kind = IDENTITY.has(key) ? 'identity' : TRUST.has(key) ? 'trust' : SCP.has(key) ? 'scp' : 'resource';
    return { ...candidate, policy: true, kind };
  })
  .sort((a, b) => (a.type === b.type ? (a.path < b.path ? -1 : 1) : a.type < b.type ? -1 : 1));

const unknownRules = [...Object.keys(NOT_POLICY), ...IDENTITY, ...TRUST, ...SCP].filter((key) => !candidates.some((c) => `${c.type} ${c.path}` === key));
if (unknownRules.length > 0) console.warn(`generate-policy-properties: no longer in the schemas: ${unknownRules.join(', ')}`);

writeFileSync(
  output,
  JSON.stringify(
    {
      source: `@aws-cdk/aws-service-spec@${version} db.json.gz (the CloudFormation registry resource schemas), Apache-2.0`,
      regenerate: 'node scripts/generate-policy-properties.mjs path/to/db.json.gz <version>',
      properties,
    },
    null,
    1,
  ) + '\n',
);
console.log(`generate-policy-properties: ${properties.filter((p) => p.policy).length} policy properties, ${properties.filter((p) => !p.policy).length} others, of ${resources.length} resource types`);
