import { describe, expect, it } from 'vitest';
import { DocumentModel } from '../../src/model/document-model.js';
import { withDefaults } from '../../src/model/options.js';
import { identityGraph } from '../../src/model/identity-graph.js';
import { principalAllows } from '../../src/model/grants.js';
import { managedPolicyByArn, managedPolicyByName } from '../../src/aws-data/managed-policies.js';
import { samPolicyTemplate } from '../../src/aws-data/sam-policy-templates.js';
import { readInfrastructureFile } from '../../src/parse/parse-file.js';

function modelOf(path: string, text: string): DocumentModel {
  const outcome = readInfrastructureFile(path, text);
  if (outcome.status !== 'parsed') throw new Error(`fixture did not parse: ${outcome.status}`);
  return new DocumentModel(outcome.document, withDefaults({}));
}

describe('AWS managed policy data', () => {
  it('has the published documents, found by ARN in any partition or by name', () => {
    expect(managedPolicyByArn('arn:aws:iam::aws:policy/AdministratorAccess')?.document).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    });
    expect(managedPolicyByArn('arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')?.name).toBe('AWSLambdaBasicExecutionRole');
    expect(managedPolicyByArn('arn:${AWS::Partition}:iam::aws:policy/PowerUserAccess')?.name).toBe('PowerUserAccess');
    expect(managedPolicyByName('amazons3readonlyaccess')?.arn).toBe('arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess');
    expect(managedPolicyByArn('arn:aws:iam::123456789012:policy/AdministratorAccess')).toBeUndefined();
  });
});

describe('SAM policy template data', () => {
  it('comes from the SAM translator with parameters and a definition', () => {
    const template = samPolicyTemplate('S3ReadPolicy');
    expect(template?.parameters).toEqual(['BucketName']);
    expect(JSON.stringify(template?.definition)).toContain('s3:GetObject');
    expect(samPolicyTemplate('s3readpolicy')).toBeUndefined();
  });
});

const sam = `Transform: AWS::Serverless-2016-10-31
Parameters:
  Env:
    Type: String
    Default: dev
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      Policies:
        - SQSSendMessagePolicy:
            QueueName: !GetAtt Queue.QueueName
        - S3CrudPolicy:
            BucketName: !Sub data-\${Env}
        - Statement:
            - Effect: Allow
              Action: iam:PassRole
              Resource: "*"
        - AmazonDynamoDBReadOnlyAccess
        - !Ref Local
  WithRole:
    Type: AWS::Serverless::Function
    Properties:
      Role: !GetAtt SomeRole.Arn
      Policies: [AdministratorAccess]
  Local:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - { Effect: Allow, Action: ec2:RunInstances, Resource: "*" }
  Queue:
    Type: AWS::SQS::Queue
`;

describe('SAM functions', () => {
  const model = modelOf('sam.yaml', sam);
  const graph = identityGraph(model);
  const api = graph.principals.get('Api')!;
  const line = (offset: number) => model.file.positionAt(offset).line;

  it('hold inline statements, SAM policy templates, managed policies by name, local ones and the basic execution role', () => {
    expect(api.kind).toBe('function');
    expect(api.attachments.map((a) => [a.via, a.origin])).toEqual([
      ['AWS managed policy AWSLambdaBasicExecutionRole', 'implicit'],
      ['SAM policy template SQSSendMessagePolicy', 'sam-policy-template'],
      ['SAM policy template S3CrudPolicy', 'sam-policy-template'],
      ['inline SAM policy', 'template'],
      ['AWS managed policy AmazonDynamoDBReadOnlyAccess', 'aws-managed'],
      ['ManagedPolicy Local', 'template'],
    ]);
    expect(graph.principals.has('WithRole')).toBe(false);
  });

  it('expand SAM templates with the written parameters, scoped to the named resource', () => {
    expect(principalAllows(model, api, 's3:GetObject')).toEqual([]);
    const [object] = principalAllows(model, api, 's3:GetObject', 'arn:aws:s3:::data-dev/report.csv');
    expect(object?.attachment.via).toBe('SAM policy template S3CrudPolicy');
    expect(line(object!.actionNode.start)).toBe(15);
    const [send] = principalAllows(model, api, 'sqs:SendMessage', 'arn:aws:sqs:eu-west-1:123456789012:anything');
    expect(send?.actionPattern).toBe('sqs:SendMessage*');
  });

  it('combine with the other attachments for the effective grant', () => {
    expect(principalAllows(model, api, 'iam:PassRole').map((m) => line(m.actionNode.start))).toEqual([19]);
    expect(principalAllows(model, api, 'ec2:RunInstances').map((m) => m.attachment.via)).toEqual(['ManagedPolicy Local']);
    expect(principalAllows(model, api, 'dynamodb:Scan').map((m) => line(m.actionNode.start))).toEqual([21]);
  });
});

describe('users, groups and policy files', () => {
  it('gives users the policies of their groups, including UserToGroupAddition', () => {
    const model = modelOf(
      'u.yaml',
      `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Ops:
    Type: AWS::IAM::Group
    Properties:
      Policies:
        - PolicyName: ops
          PolicyDocument: { Statement: [{ Effect: Allow, Action: ssm:SendCommand, Resource: "*" }] }
  Bob:
    Type: AWS::IAM::User
  Add:
    Type: AWS::IAM::UserToGroupAddition
    Properties:
      GroupName: !Ref Ops
      Users: [!Ref Bob]
`,
    );
    const bob = identityGraph(model).principals.get('Bob')!;
    expect(principalAllows(model, bob, 'ssm:SendCommand').map((m) => m.attachment.via)).toEqual(['inline policy "ops" (group Ops)']);
  });

  it('treats a plain policy file as one principal', () => {
    const model = modelOf('p.json', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}');
    const [file] = identityGraph(model).principals.values();
    expect(file?.kind).toBe('policy-file');
    expect(principalAllows(model, file!, 'KMS:decrypt')).toHaveLength(1);
  });
});
