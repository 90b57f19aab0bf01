import { describe, expect, it } from 'vitest';
import { actionInfo } from '../../src/aws-data/iam-data.js';
import { scanFiles } from '../../src/engine/scan.js';
import { BROAD_READ_ACTIONS, credentialExfiltrationPath } from '../../src/rules/imdsv2/credential-exfiltration-path.js';
import { imdsv2Rules } from '../../src/rules/imdsv2/index.js';

const role = (policy: string) => `
  Proxy:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-12345678
      IamInstanceProfile: !Ref Profile
      MetadataOptions:
        HttpTokens: optional
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      Roles: [!Ref Role]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: data
          PolicyDocument:
            Statement:
${policy}`;

const scan = (text: string) => scanFiles([{ path: 't.yaml', text }], {}, [credentialExfiltrationPath]).findings;

describe('imdsv2/credential-exfiltration-path', () => {
  it('only names actions AWS has', () => {
    for (const action of BROAD_READ_ACTIONS) expect(actionInfo(action)?.name.toLowerCase(), action).toBe(action.toLowerCase());
  });

  it('names every link of the chain with its line', () => {
    const findings = scan(`Resources:${role('              - { Effect: Allow, Action: "s3:Get*", Resource: "*" }\n')}`);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'imdsv2/credential-exfiltration-path', severity: 'critical', line: 8, resource: 'Proxy' });
    expect(findings[0]!.related!.map((r) => [r.line, r.message])).toEqual([
      [2, 'Instance Proxy allows IMDSv1'],
      [6, 'Instance Proxy launches with instance profile Profile'],
      [9, 'Instance profile Profile holds role Role'],
      [13, 'Role Role is the role whose credentials IMDS hands out'],
      [23, 'inline policy "data" (statement 1) allows s3:GetObject on every resource'],
    ]);
  });

  it('is broken by a static Deny, a scoping condition or a specific resource', () => {
    const broad = '              - { Effect: Allow, Action: "s3:GetObject", Resource: "*" }\n';
    expect(scan(`Resources:${role(broad + '              - { Effect: Deny, Action: "s3:*", Resource: "*" }\n')}`)).toEqual([]);
    expect(scan(`Resources:${role('              - { Effect: Allow, Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { aws:ResourceTag/team: web } } }\n')}`)).toEqual([]);
    expect(scan(`Resources:${role('              - { Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::reports/*" }\n')}`)).toEqual([]);
  });

  it('counts NotAction and bucket-wide ARNs as broad reads', () => {
    expect(scan(`Resources:${role('              - { Effect: Allow, NotAction: "iam:*", Resource: "*" }\n')}`)[0]?.message).toContain('s3:GetObject, s3:ListBucket, secretsmanager:GetSecretValue');
    expect(scan(`Resources:${role('              - { Effect: Allow, Action: "s3:ListBucket", Resource: "arn:aws:s3:::*" }\n')}`)).toHaveLength(1);
  });

  it('names a guard written in the same template, without lowering the finding', () => {
    const guard = `
  Guard:
    Type: AWS::Organizations::Policy
    Properties:
      Type: SERVICE_CONTROL_POLICY
      Content:
        Statement:
          - Effect: Deny
            Action: ec2:RunInstances
            Resource: arn:aws:ec2:*:*:instance/*
            Condition: { StringNotEquals: { ec2:MetadataHttpTokens: required } }
`;
    const findings = scan(`Resources:${role('              - { Effect: Allow, Action: "kms:Decrypt", Resource: "*" }\n')}${guard}`);
    expect(findings[0]?.severity).toBe('critical');
    expect(findings[0]?.related?.at(-1)?.message).toMatch(/^Organizations Policy Guard denies ec2:RunInstances unless ec2:MetadataHttpTokens is required/);
  });

  it('runs every IMDS rule on a template without resources of interest and finds nothing', () => {
    const { findings } = scanFiles([{ path: 't.yaml', text: 'Resources:\n  B: { Type: AWS::S3::Bucket }\n' }], {}, imdsv2Rules);
    expect(findings).toEqual([]);
  });
});

describe('the Capital One example (examples/bad/capital-one-chain.yaml)', () => {
  it('yields one critical chain finding that names every link', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const path = 'examples/bad/capital-one-chain.yaml';
    const text = readFileSync(join(import.meta.dirname, '..', '..', path), 'utf8');
    const chains = scanFiles([{ path, text }]).findings.filter((f) => f.ruleId === credentialExfiltrationPath.meta.id);
    expect(chains.map((f) => f.severity)).toEqual(['critical']);
    expect(chains[0]!.related?.map((r) => r.message)).toEqual([
      'Instance WebServer allows IMDSv1',
      'Instance WebServer launches with instance profile WebServerProfile',
      'Instance profile WebServerProfile holds role WebServerRole',
      'Role WebServerRole is the role whose credentials IMDS hands out',
      'inline policy "read-data" (statement 1) allows s3:GetObject, s3:ListBucket on every resource',
    ]);
  });
});
