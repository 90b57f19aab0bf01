import { describe, expect, it } from 'vitest';
import { DocumentModel } from '../../src/model/document-model.js';
import { withDefaults } from '../../src/model/options.js';
import { identityGraph } from '../../src/model/identity-graph.js';
import { isBroadResource, principalAllows, resourceFitsAction } from '../../src/model/grants.js';
import { readInfrastructureFile } from '../../src/parse/parse-file.js';

function modelOf(path: string, text: string): DocumentModel {
  const outcome = readInfrastructureFile(path, text);
  if (outcome.status !== 'parsed') throw new Error(`fixture did not parse: ${outcome.status}`);
  return new DocumentModel(outcome.document, withDefaults({}));
}

function principal(model: DocumentModel, id: string) {
  const found = identityGraph(model).principals.get(id);
  if (found === undefined) throw new Error(`no principal ${id}`);
  return found;
}

const lineOf = (model: DocumentModel, offset: number) => model.file.positionAt(offset).line;

const template = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  BucketName:
    Type: String
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: ec2.amazonaws.com }
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
        - !Ref Shared
      Policies:
        - PolicyName: logs
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: logs:PutLogEvents
                Resource: !Sub arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:app:*
              - Effect: Allow
                Action: IAM:passrole
                Resource: arn:aws:iam::*:role/*
                Condition:
                  StringEquals:
                    iam:PassedToService: lambda.amazonaws.com
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: lambda:Create*
            Resource: '*'
          - Effect: Deny
            Action: lambda:CreateFunctionUrlConfig
            Resource: '*'
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref AppRole]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:PutObject
            Resource: !Sub arn:aws:s3:::\${BucketName}/*
`;

describe('principalAllows', () => {
  const model = modelOf('t.yaml', template);
  const role = principal(model, 'AppRole');

  it('finds a grant inside an AWS managed policy, pointing at the ManagedPolicyArns item', () => {
    const [match, ...rest] = principalAllows(model, role, 's3:GetObject');
    expect(rest).toEqual([]);
    expect(match?.attachment.origin).toBe('aws-managed');
    expect(match?.attachment.via).toBe('AWS managed policy AmazonS3ReadOnlyAccess');
    expect(lineOf(model, match!.actionNode.start)).toBe(15);
  });

  it('expands wildcards of a customer managed policy attached by Ref', () => {
    const matches = principalAllows(model, role, 'lambda:CreateFunction');
    expect(matches.map((m) => [m.actionPattern, lineOf(model, m.actionNode.start)])).toEqual([['lambda:Create*', 36]]);
  });

  it('honours an unconditioned Deny in another policy', () => {
    expect(principalAllows(model, role, 'lambda:CreateFunctionUrlConfig')).toEqual([]);
  });

  it('matches actions case-insensitively and reports a scoping condition', () => {
    const [match] = principalAllows(model, role, 'iam:PassRole');
    expect(match?.actionPattern).toBe('IAM:passrole');
    expect(match?.restrictedByCondition).toBe(true);
    expect(lineOf(model, match!.resourceNode!.start)).toBe(26);
  });

  it('does not count a specific ARN built with Fn::Sub as broad, but matches it for a concrete resource', () => {
    expect(principalAllows(model, role, 's3:PutObject')).toEqual([]);
    const [match] = principalAllows(model, role, 's3:PutObject', 'arn:aws:s3:::data-bucket/key');
    expect(match?.attachment.via).toBe('Policy Extra');
    expect(principalAllows(model, role, 'logs:PutLogEvents')).toEqual([]);
  });

  it('returns nothing for an action that is not granted', () => {
    expect(principalAllows(model, role, 'iam:CreateAccessKey')).toEqual([]);
  });
});

describe('isBroadResource', () => {
  it.each([
    ['*', 's3', true],
    ['arn:aws:s3:::*', 's3', true],
    ['arn:aws:s3:::*/*', 's3', true],
    ['arn:aws:s3:::my-bucket/*', 's3', false],
    ['arn:aws:iam::${AWS::AccountId}:role/*', 'iam', true],
    ['arn:aws:iam::123456789012:role/app-*', 'iam', false],
    ['arn:aws:lambda:*:*:function:*', 'lambda', true],
    ['arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}', 'dynamodb', false],
    // An empty substitution names no resource: `arn:aws:s3:::${LogsBucket}/*` with LogsBucket "".
    ['arn:aws:s3:::/*', 's3', false],
    ['arn:aws:s3:::${LogsBucket}/*', 's3', false],
    ['arn:aws:iam::123456789012:role//*', 'iam', false],
    ['arn:aws:logs:*:*:*', 'logs', true],
  ])('%s is broad for %s: %s', (text, service, broad) => {
    expect(isBroadResource(text, service)).toBe(broad);
  });
});

describe('resourceFitsAction', () => {
  it.each([
    // iam:PassRole accepts only roles (AWS's service data): a bucket or a function is no role.
    ['arn:aws:s3:::*', 'iam:PassRole', false],
    ['arn:aws:lambda:*:*:function:*', 'iam:PassRole', false],
    ['arn:aws:iam::*:role/*', 'iam:PassRole', true],
    ['arn:aws:iam::123456789012:user/alice', 'iam:PassRole', false],
    ['*', 'iam:PassRole', true],
    ['${DeployRole.Arn}', 'iam:PassRole', true],
    ['arn:aws:*:*:*:*', 'iam:PassRole', true],
    // s3:ListBucket takes a bucket, s3:GetObject an object.
    ['arn:aws:s3:::my-bucket', 's3:ListBucket', true],
    ['arn:aws:s3:::my-bucket/*', 's3:ListBucket', false],
    ['arn:aws:s3:::*', 's3:GetObject', true],
    // No resource types: AWS wants "*"; an ARN of the action's own service is given the benefit of the doubt.
    ['arn:aws:ec2:*:*:*', 'ec2:DescribeInstances', true],
    ['arn:aws:s3:::*', 'ec2:DescribeInstances', false],
    ['arn:aws:s3:::*', 'nosuch:Action', true],
  ])('%s can name a resource of %s: %s', (text, action, fits) => {
    expect(resourceFitsAction(text, action)).toBe(fits);
  });
});
