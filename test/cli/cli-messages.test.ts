import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { main, USAGE } from '../../src/cli/main.js';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('CLI messages', () => {
  it('an unknown flag names the nearest option and points at --help, without the whole usage', async () => {
    const { code, stderr } = await cli(['scan', '--frmat', 'json']);
    expect(code).toBe(2);
    expect(stderr).toBe('trustgate: unknown option --frmat (did you mean --format?)\nRun `trustgate --help` for the options.\n');
  });

  it('lists --version in the usage', () => {
    expect(USAGE).toMatch(/--version/);
  });

  it('validates --org-id like the configuration key', async () => {
    const { code, stderr } = await cli(['scan', '--org-id', 'org-123', mkdtempSync(`${tmpdir()}/tg-`)]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--org-id takes an AWS Organizations id/);
  });

  it('says clearly that nothing was checked in an empty folder', async () => {
    const { stdout } = await cli(['scan', mkdtempSync(`${tmpdir()}/tg-`)]);
    expect(stdout).toMatch(/Nothing was checked/);
    expect(stdout).not.toMatch(/0 infrastructure file/);
  });
});

describe('CLI: what was not checked, and what did not apply', () => {
  const adminRole = (metadata: string) => `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AdminRole:
    Type: AWS::IAM::Role
${metadata}    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: all
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - { Effect: Allow, Action: "*", Resource: "*" }
`;

  it('exits 2 when a file named on the command line is not one trustgate reads', async () => {
    const dir = mkdtempSync(`${tmpdir()}/tg-`);
    writeFileSync(join(dir, 'notes.yaml'), 'shopping:\n  - milk\n  - bread\n');
    writeFileSync(join(dir, 'role.yaml'), adminRole(''));
    const { code, stderr, stdout } = await cli(['scan', join(dir, 'role.yaml'), join(dir, 'notes.yaml')]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${join(dir, 'notes.yaml')} is not a file trustgate reads`);
    // The other file is still checked and reported.
    expect(stdout).toContain('least-privilege/full-admin');
  });

  it('a folder with nothing to read says so and exits 0: only a named file is an error', async () => {
    const dir = mkdtempSync(`${tmpdir()}/tg-`);
    writeFileSync(join(dir, 'notes.yaml'), 'shopping:\n  - milk\n');
    const { code, stdout } = await cli(['scan', dir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Nothing was checked/);
  });

  it('says report-only mode in the text output, and what would have failed', async () => {
    const dir = mkdtempSync(`${tmpdir()}/tg-`);
    writeFileSync(join(dir, 'role.yaml'), adminRole(''));
    writeFileSync(join(dir, 'trustgate.yml'), 'reportOnly: true\n');
    const { code, stdout } = await cli(['scan', join(dir, 'role.yaml'), '--config', join(dir, 'trustgate.yml')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Report-only mode \(reportOnly: true in the configuration\): the exit code is 0 whatever is found; without it, the \d+ finding\(s\) at or above high would fail\./);
    const plain = await cli(['scan', join(dir, 'role.yaml')]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).not.toContain('Report-only');
  });

  it('lists inline suppressions that did not apply, with why', async () => {
    const dir = mkdtempSync(`${tmpdir()}/tg-`);
    const metadata = `    Metadata:
      trustgate:
        suppress:
          - rule: least-privilege/full-admin
            reason: break-glass role
          - rule: least-privilege/full-admn
            reason: typo in the rule id
          - rule: imdsv2/instance-imds
`;
    writeFileSync(join(dir, 'role.yaml'), adminRole(metadata));
    const { stdout } = await cli(['scan', join(dir, 'role.yaml')]);
    const section = stdout.slice(stdout.indexOf('Inline suppressions not applied'));
    expect(section).toMatch(/^Inline suppressions not applied \(3\):/);
    // full-admin is critical: above what an inline suppression may silence by default.
    expect(section).toMatch(/role\.yaml:\d+: least-privilege\/full-admin \[\w+\] is critical, above what an inline suppression may silence here; it needs a waiver/);
    expect(section).toMatch(/role\.yaml:\d+: least-privilege\/full-admn has no finding on AdminRole \(stale, or a misspelt rule id\)/);
    expect(section).toMatch(/role\.yaml:\d+: .*reason/);
    const json = await cli(['scan', join(dir, 'role.yaml'), '--format', 'json']);
    expect(json.stderr).toContain('trustgate: inline suppression not applied: ');
  });
});
