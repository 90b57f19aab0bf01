import { describe, expect, it } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import { privilegeEscalation, ESCALATION_METHODS } from '../../src/rules/least-privilege/privilege-escalation.js';
import { leastPrivilegeRules } from '../../src/rules/least-privilege/index.js';
import { CREDENTIAL_ACTIONS, RESOURCE_EXPOSURE_ACTIONS, SENSITIVE_READ_ACTIONS } from '../../src/rules/least-privilege/_risk-actions.js';
import { unknownActions } from '../../src/rules/least-privilege/_grants.js';
import { controlPlaneHolders, serviceHolders, SERVICE_CONTROL_PLANE_ROLES } from '../../src/rules/least-privilege/_service-holders.js';
import { DocumentModel } from '../../src/model/document-model.js';
import { identityPrincipals } from '../../src/model/grants.js';
import { withDefaults } from '../../src/model/options.js';
import { readInfrastructureFile } from '../../src/parse/parse-file.js';

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

describe('roles only AWS services hold', () => {
  const trusts = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Trusted: { Type: String }
Resources:
  Emr:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: [elasticmapreduce.amazonaws.com] }, Action: sts:AssumeRole }
  Mixed:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: elasticmapreduce.amazonaws.com }, Action: sts:AssumeRole }
          - { Effect: Allow, Principal: { AWS: !Sub "arn:aws:iam::\${AWS::AccountId}:root" }, Action: sts:AssumeRole }
  Unknown:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: !Ref Trusted }, Action: sts:AssumeRole }
  Function:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: [lambda.amazonaws.com, edgelambda.amazonaws.com] }, Action: sts:AssumeRole }
  Person:
    Type: AWS::IAM::User
`;
  const outcome = readInfrastructureFile('t.yaml', trusts);
  if (outcome.status !== 'parsed') throw new Error('fixture did not parse');
  const model = new DocumentModel(outcome.document, withDefaults({}));
  const holders = Object.fromEntries(identityPrincipals(model).map((p) => [p.logicalId, [serviceHolders(p, model.template), controlPlaneHolders(p, model.template)]]));

  it('names the services when the trust policy admits only service principals', () => {
    expect(holders.Emr).toEqual([['elasticmapreduce.amazonaws.com'], ['elasticmapreduce.amazonaws.com']]);
    expect(holders.Function).toEqual([['lambda.amazonaws.com', 'edgelambda.amazonaws.com'], []]);
  });

  it('names none when an account, an unknown principal or no trust policy is involved', () => {
    expect(holders.Mixed).toEqual([[], []]);
    expect(holders.Unknown).toEqual([[], []]);
    expect(holders.Person).toEqual([[], []]);
  });

  it("lowers the EKS cluster role's Auto Mode path (AmazonEKSComputePolicy: PassRole to EC2 and RunInstances) two steps, and keeps a role EC2 holds critical", () => {
    const role = (name: string, service: string) => `  ${name}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: ${service} }, Action: [sts:AssumeRole, sts:TagSession] }
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonEKSComputePolicy]
`;
    const text = `AWSTemplateFormatVersion: "2010-09-09"\nResources:\n${role('Cluster', 'eks.amazonaws.com')}${role('Instance', 'ec2.amazonaws.com')}`;
    const escalations = scanFiles([{ path: 'eks.yaml', text }]).findings.filter((f) => f.ruleId === 'least-privilege/privilege-escalation');
    expect(escalations.map((f) => [f.resource, f.severity])).toEqual([
      ['Cluster', 'medium'],
      ['Instance', 'critical'],
    ]);
    expect(escalations[0]!.message).toContain('Only the AWS service eks.amazonaws.com can assume');
  });

  it('never counts a service that runs code a person writes as using the role for its own work only', () => {
    for (const service of ['ec2', 'lambda', 'edgelambda', 'ecs-tasks', 'codebuild', 'glue', 'sagemaker', 'states', 'cloudformation', 'ssm', 'events', 'scheduler', 'pods.eks']) {
      expect(SERVICE_CONTROL_PLANE_ROLES[`${service}.amazonaws.com`], service).toBeUndefined();
    }
    expect(Object.values(SERVICE_CONTROL_PLANE_ROLES).every((source) => /^https:\/\/docs\.aws\.amazon\.com\//.test(source))).toBe(true);
  });
});
