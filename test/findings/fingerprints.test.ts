import { describe, expect, it } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import type { Finding } from '../../src/findings/finding.js';

const role = (name: string, statements: string[], description = 'A role') => [
  'AWSTemplateFormatVersion: "2010-09-09"',
  `Description: ${description}`,
  'Resources:',
  `  ${name}:`,
  '    Type: AWS::IAM::Role',
  '    Properties:',
  '      AssumeRolePolicyDocument:',
  '        Version: "2012-10-17"',
  '        Statement:',
  '          - Effect: Allow',
  '            Principal: { Service: ec2.amazonaws.com }',
  '            Action: sts:AssumeRole',
  '      Policies:',
  '        - PolicyName: main',
  '          PolicyDocument:',
  '            Version: "2012-10-17"',
  '            Statement:',
  ...statements,
  '',
].join('\n');

const admin = ['              - Effect: Allow', '                Action: "*"', '                Resource: "*"'];
const logs = ['              - Effect: Allow', '                Action: logs:PutLogEvents', '                Resource: arn:aws:logs:us-east-1:111122223333:log-group:/app:*'];
const sidAdmin = ['              - Sid: Admin', '                Effect: Allow', '                Action: "*"', '                Resource: "*"'];

function fullAdmin(text: string, path = 'template.yaml'): Finding {
  const found = scanFiles([{ path, text }]).findings.filter((f) => f.ruleId === 'least-privilege/full-admin');
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('fingerprints', () => {
  const before = fullAdmin(role('Deploy', admin));

  it('survive lines shifting (a longer description)', () => {
    const after = fullAdmin(role('Deploy', admin, 'A role\n  with a description over two lines'));
    expect(after.line).not.toBe(before.line);
    expect(after.fingerprint).toBe(before.fingerprint);
  });

  it('survive a statement inserted above (the index moves, the content does not)', () => {
    const after = fullAdmin(role('Deploy', [...logs, ...admin]));
    expect(after.path).toContain('Statement[1]');
    expect(before.path).toContain('Statement[0]');
    expect(after.fingerprint).toBe(before.fingerprint);
  });

  it('key on the Sid where there is one, so editing a statement with a Sid keeps it', () => {
    const withSid = fullAdmin(role('Deploy', sidAdmin));
    const reordered = fullAdmin(role('Deploy', [...logs, ...sidAdmin.slice(0, 1), '                Condition: { Bool: { aws:MultiFactorAuthPresent: "true" } }', ...sidAdmin.slice(1)]));
    expect(reordered.fingerprint).toBe(withSid.fingerprint);
  });

  it('survive resources reordered', () => {
    const two = role('Deploy', admin).replace('Resources:\n', 'Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n');
    expect(fullAdmin(two).fingerprint).toBe(before.fingerprint);
  });

  it('differ between files, resources and statements that are different', () => {
    expect(fullAdmin(role('Deploy', admin), 'other/template.yaml').fingerprint).not.toBe(before.fingerprint);
    expect(fullAdmin(role('Build', admin)).fingerprint).not.toBe(before.fingerprint);
  });

  it('tell two identical statements apart', () => {
    const found = scanFiles([{ path: 'template.yaml', text: role('Deploy', [...admin, ...admin]) }]).findings.filter((f) => f.ruleId === 'least-privilege/full-admin');
    expect(found).toHaveLength(2);
    expect(new Set(found.map((f) => f.fingerprint)).size).toBe(2);
  });
});
