import { describe, expect, it } from 'vitest';
import { diffAccess } from '../../src/model/access-diff.js';
import { accessAnalyzerAgreement } from '../../src/reporters/access-diff.js';

const base = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      PermissionsBoundary: !Ref Boundary
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: ec2.amazonaws.com }
            Action: sts:AssumeRole
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - { Effect: Allow, Action: "s3:*", Resource: "*" }
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      Roles: [!Ref AppRole]
  Web:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-12345678
      MetadataOptions: { HttpTokens: required }
  Reports:
    Type: AWS::S3::Bucket
  ReportsPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Reports
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - { Effect: Allow, Principal: { Service: logging.s3.amazonaws.com }, Action: s3:PutObject, Resource: !Sub "arn:aws:s3:::\${Reports}/*" }
`;

function changes(head: string) {
  return diffAccess([{ path: 'stack.yaml', head, base }]).changes;
}

describe('the access a change adds and removes', () => {
  it('is nothing for an unchanged template', () => {
    expect(changes(base)).toEqual([]);
  });

  it('names an IMDS downgrade, a boundary removed, an instance given a role and a bucket opened to the public', () => {
    const head = base
      .replace('HttpTokens: required', 'HttpTokens: optional')
      .replace('      PermissionsBoundary: !Ref Boundary\n', '')
      .replace('      ImageId: ami-12345678\n', '      ImageId: ami-12345678\n      IamInstanceProfile: !Ref Profile\n')
      .replace('Principal: { Service: logging.s3.amazonaws.com }', 'Principal: "*"');
    const found = changes(head);
    const added = found.flatMap((change) => change.added.map((fact) => `${change.subject}: ${fact.kind}: ${fact.what}`));
    const removed = found.flatMap((change) => change.removed.map((fact) => `${change.subject}: ${fact.kind}: ${fact.what}`));
    expect(added).toContain('Instance Web: imds: instances answer IMDSv1 requests (tokens not required)');
    expect(removed).toContain('Instance Web: imds: IMDSv2 required (HttpTokens: required)');
    expect(added).toContain('Role AppRole: boundary: no permissions boundary');
    expect(removed).toContain('Role AppRole: boundary: permissions boundary set');
    expect(added).toContain('Instance Web: instance-role: runs as AppRole (instance profile Profile)');
    expect(added.some((line) => line.includes('resource-policy: open to the public'))).toBe(true);
  });

  it('counts what a wildcard action expands to', () => {
    const policy = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
    const [change] = diffAccess([{ path: 'p.json', head: policy('iam:*'), base: policy('iam:GetRole') }]).changes;
    expect(change!.added.map((fact) => fact.what)).toEqual([expect.stringMatching(/^iam:\* \(\d{2,} actions\) on \*$/)]);
    expect(change!.removed.map((fact) => fact.what)).toEqual(['iam:GetRole on *']);
  });
});

describe('beside IAM Access Analyzer (issue 15)', () => {
  const head = base.replace('Resources:\n', 'Resources:\n  Extra:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: extra\n      Roles: [!Ref AppRole]\n      PolicyDocument:\n        Version: "2012-10-17"\n        Statement:\n          - { Effect: Allow, Action: "iam:PassRole", Resource: "*" }\n');
  const diff = diffAccess([{ path: 'stack.yaml', head, base }]);

  it('agree when CheckNoNewAccess flags the policy that the offline diff shows gaining access', () => {
    const lines = accessAnalyzerAgreement(diff, [{ file: 'stack.yaml', resource: 'Extra' }], new Set(['stack.yaml']));
    expect(lines).toEqual(["- IAM Access Analyzer's CheckNoNewAccess agrees: new access in `stack.yaml` Extra."]);
  });

  it('show the difference both ways', () => {
    const missed = accessAnalyzerAgreement(diff, [], new Set(['stack.yaml']));
    expect(missed).toEqual([expect.stringContaining("gaining iam&#58;PassRole on \\*; Access Analyzer's CheckNoNewAccess did not flag it.")]);
    const extra = accessAnalyzerAgreement(diffAccess([{ path: 'stack.yaml', head: base, base }]), [{ file: 'stack.yaml', resource: 'AppRole' }], new Set(['stack.yaml']));
    expect(extra).toEqual(['- Access Analyzer reports new access for `stack.yaml` AppRole; the offline diff shows none added there.']);
  });
});
