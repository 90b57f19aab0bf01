import { describe, expect, it } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import { privilegeEscalation, ESCALATION_METHODS } from '../../src/rules/least-privilege/privilege-escalation.js';
import { leastPrivilegeRules } from '../../src/rules/least-privilege/index.js';
import { CREDENTIAL_ACTIONS, RESOURCE_EXPOSURE_ACTIONS, SENSITIVE_READ_ACTIONS } from '../../src/rules/least-privilege/_risk-actions.js';
import { unknownActions } from '../../src/rules/least-privilege/_grants.js';

describe('least-privilege risk lists', () => {
  it('name only actions that exist in AWS service authorization data', () => {
    const all = [...CREDENTIAL_ACTIONS, ...SENSITIVE_READ_ACTIONS, ...RESOURCE_EXPOSURE_ACTIONS, ...ESCALATION_METHODS.flatMap((m) => m.actions)];
    expect(unknownActions(all)).toEqual([]);
  });

  it('cite a source URL for every escalation method, covering Rhino Security Labs\' 21', () => {
    expect(ESCALATION_METHODS.every((m) => /^https:\/\//.test(m.source))).toBe(true);
    expect(ESCALATION_METHODS.filter((m) => m.source.includes('rhinosecuritylabs.com'))).toHaveLength(21);
  });
});

describe('least-privilege/privilege-escalation', () => {
  const template = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: a
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: iam:PassRole
                Resource: "*"
  Second:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: b
      Roles: [!Ref Role]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: ec2:Run*
            Resource: "*"
`;

  it('reports a path split across policies once, with the other half as a related location', () => {
    const { findings } = scanFiles([{ path: 't.yaml', text: template }], {}, [privilegeEscalation]);
    expect(findings.map((f) => [f.ruleId, f.line, f.severity, f.resource])).toEqual([['least-privilege/privilege-escalation', 14, 'critical', 'Role']]);
    expect(findings[0]!.message).toContain('launch an EC2 instance with a privileged role (iam:PassRole, ec2:RunInstances)');
    expect(findings[0]!.message).toContain('https://rhinosecuritylabs.com/');
    expect(findings[0]!.related?.map((r) => [r.line, r.message])).toEqual([[24, 'also part of the escalation: ec2:Run* in Policy Second']]);
  });

  it('stops reporting when a Deny in any attached policy removes one link', () => {
    const denied = template.replace(
      'Action: ec2:Run*\n            Resource: "*"\n',
      'Action: ec2:Run*\n            Resource: "*"\n          - Effect: Deny\n            Action: ec2:RunInstances\n            Resource: "*"\n',
    );
    expect(denied).not.toBe(template);
    expect(scanFiles([{ path: 't.yaml', text: denied }], {}, [privilegeEscalation]).findings).toEqual([]);
  });
});

describe('least-privilege family', () => {
  it('does not report Deny statements or actions that only support "*"', () => {
    const text = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Action: '*', Resource: '*' },
        { Effect: 'Deny', NotAction: 's3:GetObject', NotResource: 'arn:aws:s3:::x/*' },
        { Effect: 'Allow', Action: ['s3:ListAllMyBuckets', 'ec2:DescribeInstances', 'EC2:describeregions'], Resource: '*' },
      ],
    });
    const { findings } = scanFiles([{ path: 'policy.json', text }], {}, leastPrivilegeRules);
    expect(findings).toEqual([]);
  });

  it('reports a customer managed policy shared by two roles once, naming both', () => {
    const text = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  A:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }] }
      ManagedPolicyArns: [!Ref Shared]
  B:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }] }
      ManagedPolicyArns: [!Ref Shared]
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - { Effect: Allow, Action: s3:GetObject, Resource: "*" }
`;
    const { findings } = scanFiles([{ path: 't.yaml', text }], {}, leastPrivilegeRules);
    expect(findings.map((f) => [f.ruleId, f.line])).toEqual([['least-privilege/sensitive-data-read', 18]]);
    expect(findings[0]!.message).toMatch(/^Role A and Role B \(ManagedPolicy Shared\) can read data on every resource: s3:GetObject\./);
  });
});
