import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function scan(dir: string, ...flags: string[]): Promise<{ code: number; findings: { ruleId: string; line: number; severity: string }[] }> {
  let stdout = '';
  const code = await main(['scan', dir, '--format', 'json', ...flags], { stdout: (t) => (stdout += t), stderr: () => {} });
  return { code, findings: (JSON.parse(stdout) as { findings: { ruleId: string; line: number; severity: string }[] }).findings };
}

function folderWith(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'trustgate-trust-'));
  writeFileSync(join(dir, name), text);
  return dir;
}

const crossAccountRole = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { AWS: arn:aws:iam::111122223333:root }
            Action: sts:AssumeRole
          - Effect: Allow
            Principal: { AWS: arn:aws:iam::444455556666:role/ci }
            Action: sts:AssumeRole
            Condition:
              StringEquals: { aws:PrincipalOrgID: o-abc123def4 }
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
`;

const githubRole = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com }
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: { token.actions.githubusercontent.com:aud: sts.amazonaws.com }
              StringLike: { token.actions.githubusercontent.com:sub: "repo:my-org/*" }
`;

const RULE = 'cross-account-trust/external-account-without-external-id';

describe('trust flags of trustgate scan', () => {
  it('reports an external account, and --trusted-account removes the finding', async () => {
    const dir = folderWith('role.yaml', crossAccountRole);
    const before = await scan(dir);
    expect(before.findings.filter((f) => f.ruleId === RULE).map((f) => [f.line, f.severity])).toEqual([[9, 'high']]);
    expect(before.code).toBe(1);
    const after = await scan(dir, '--trusted-account', '111122223333');
    expect(after.findings.filter((f) => f.ruleId === RULE)).toEqual([]);
  });

  it('--org-id keeps only aws:PrincipalOrgID restrictions to that organisation', async () => {
    const dir = folderWith('role.yaml', crossAccountRole);
    const same = await scan(dir, '--trusted-account', '111122223333', '--org-id', 'o-abc123def4');
    expect(same.findings.filter((f) => f.ruleId === RULE)).toEqual([]);
    const other = await scan(dir, '--trusted-account', '111122223333', '--org-id', 'o-zzz999zzz9');
    expect(other.findings.filter((f) => f.ruleId === RULE).map((f) => f.line)).toEqual([12]);
  });

  it('--allowed-oidc-subject accepts a GitHub sub pattern the organisation allows', async () => {
    const dir = folderWith('github.yaml', githubRole);
    const before = await scan(dir);
    expect(before.findings.filter((f) => f.ruleId === 'cross-account-trust/github-oidc-trust').map((f) => [f.line, f.severity])).toEqual([[13, 'high']]);
    const after = await scan(dir, '--allowed-oidc-subject', 'repo:my-org/*');
    expect(after.findings.filter((f) => f.ruleId === 'cross-account-trust/github-oidc-trust')).toEqual([]);
  });
});
