import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DocumentModel } from '../../src/model/document-model.js';
import { withDefaults } from '../../src/model/options.js';
import { policyLocationsOf, schemaPolicyProperties } from '../../src/model/policy-locations.js';
import { nodePath } from '../../src/parse/nodes.js';
import { readInfrastructureFile } from '../../src/parse/parse-file.js';

const root = join(import.meta.dirname, '..', '..');

/** A template with one resource of `type` holding a policy document at `path` (`[]`: a one-item list). */
function templateWithPolicyAt(type: string, path: string): object {
  const document = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:GetCallerIdentity', Resource: '*' }] };
  const segments = path.split('.');
  const build = (index: number): unknown => {
    if (index === segments.length) return document;
    const segment = segments[index]!;
    if (segment === '[]') return [{ PolicyName: 'named', ...(build(index + 1) as object) }];
    return { [segment]: build(index + 1) };
  };
  return { Resources: { Holder: { Type: type, Properties: build(0) } } };
}

describe('policy locations generated from the CloudFormation resource schemas', () => {
  const properties = schemaPolicyProperties();

  it('come from the schemas and include the inline SQS and SNS policies and Kinesis resource policies', () => {
    const policies = properties.filter((p) => p.policy).map((p) => `${p.type} ${p.path} ${p.kind}`);
    expect(policies).toEqual(expect.arrayContaining([
      'AWS::SQS::QueueInlinePolicy PolicyDocument resource',
      'AWS::SNS::TopicInlinePolicy PolicyDocument resource',
      'AWS::Kinesis::ResourcePolicy ResourcePolicy resource',
      'AWS::IAM::Role AssumeRolePolicyDocument trust',
      'AWS::IAM::Role Policies.[].PolicyDocument identity',
      'AWS::Organizations::Policy Content scp',
      'AWS::DynamoDB::GlobalTable Replicas.[].ResourcePolicy.PolicyDocument resource',
    ]));
    expect(policies.length).toBeGreaterThan(80);
    // Every candidate that is not a policy says why.
    for (const property of properties.filter((p) => !p.policy)) expect(property.reason, `${property.type} ${property.path}`).toMatch(/\w{3}/);
  });

  // The test the issue asks for: a schema property that holds a policy document and is not read fails here.
  for (const property of properties.filter((p) => p.policy)) {
    it(`reads ${property.type} ${property.path} as a ${property.kind} policy`, () => {
      const outcome = readInfrastructureFile('t.json', JSON.stringify(templateWithPolicyAt(property.type, property.path), null, 1));
      expect(outcome.status).toBe('parsed');
      if (outcome.status !== 'parsed') return;
      const found = new DocumentModel(outcome.document, withDefaults({})).policies;
      const want = `Resources.Holder.Properties.${property.path.replaceAll('.[]', '[0]')}`;
      expect(found.map((p) => `${p.kind} ${nodePath(p.node)}`)).toEqual([`${property.kind} ${want}`]);
      expect(found[0]!.statements).toHaveLength(1);
    });
  }

  it('keeps the locations the registry schemas do not describe (SAM Policies)', () => {
    expect(policyLocationsOf('AWS::Serverless::Function').map((l) => `${l.path} ${l.kind} ${l.sam === true}`)).toEqual(
      expect.arrayContaining(['Policies identity true', 'AssumeRolePolicyDocument trust false']),
    );
    expect(policyLocationsOf('AWS::EC2::VPCEndpoint')).toEqual([]);
  });

  // With the schema package at hand (npm pack @aws-cdk/aws-service-spec), the committed file must be what the script writes.
  const db = [join(root, 'node_modules', '@aws-cdk', 'aws-service-spec', 'db.json.gz'), process.env.TRUSTGATE_SERVICE_SPEC_DB ?? ''].find((p) => p !== '' && existsSync(p));
  it.skipIf(db === undefined)('data/cfn-policy-properties.json is what scripts/generate-policy-properties.mjs writes', () => {
    const committed = readFileSync(join(root, 'data', 'cfn-policy-properties.json'), 'utf8');
    const version = (JSON.parse(committed) as { source: string }).source.match(/@([\d.]+) /)?.[1] ?? 'unknown';
    const output = join(mkdtempSync(join(tmpdir(), 'trustgate-')), 'cfn-policy-properties.json');
    execFileSync(process.execPath, [join(root, 'scripts', 'generate-policy-properties.mjs'), db!, version, output], { cwd: root });
    expect(readFileSync(output, 'utf8')).toBe(committed);
  });
});
