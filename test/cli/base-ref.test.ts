import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { scanFiles } from '../../src/engine/scan.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const role = (description: string, statements: string) => `AWSTemplateFormatVersion: "2010-09-09"
Description: ${description}
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: ec2.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: main
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
${statements}`;
const ADMIN = '              - Effect: Allow\n                Action: "*"\n                Resource: "*"\n';
const READ = '              - Effect: Allow\n                Action: s3:GetObject\n                Resource: arn:aws:s3:::reports/*\n';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
}

/** A repository whose first commit holds `files`; returns its folder. */
function repository(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'trustgate-git-'));
  git(dir, 'init', '-q');
  write(dir, files);
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

const PATH = 'stacks/prod/template.yaml';

describe('trustgate scan --base <git-ref> (issue 15)', () => {
  it('passes a description-only edit of a template whose admin policy is at the base, listing the finding as existing', async () => {
    const dir = repository({ [PATH]: role('old', ADMIN) });
    write(dir, { [PATH]: role('now described', ADMIN) });

    const all = await run('scan', dir);
    expect(all.code).toBe(1);
    const judged = await run('scan', dir, '--base', 'HEAD');
    expect(judged.code).toBe(0);
    expect(judged.stdout).toContain('Compared with HEAD:');
    expect(judged.stdout).toMatch(/\d+ finding\(s\) already there, not judged/);
    expect(judged.stdout).toContain('least-privilege/full-admin');
    expect(judged.stdout).toContain('What this change grants: no access added or removed.');
    expect((await run('scan', dir, '--base', 'HEAD', '--gate', 'all')).code).toBe(1);
  });

  it('fails on a new admin policy, and the JSON names it new, lists the access it adds and counts what it fixes', async () => {
    const dir = repository({ [PATH]: role('old', READ) });
    write(dir, { [PATH]: role('old', ADMIN) });

    const result = await run('scan', dir, '--base', 'HEAD', '--format', 'json');
    expect(result.code).toBe(1);
    const output = JSON.parse(result.stdout) as { findings: { ruleId: string; change: string; file: string }[]; base: string; access: { subject: string; added: { what: string }[]; removed: { what: string }[] }[] };
    expect(output.base).toBe('HEAD');
    const admin = output.findings.find((f) => f.ruleId === 'least-privilege/full-admin')!;
    expect(admin).toMatchObject({ change: 'new', file: PATH });
    expect(output.access).toContainEqual(expect.objectContaining({ subject: 'Role DeployRole', added: [expect.objectContaining({ what: expect.stringMatching(/^\* \(\d+ actions\) on \*$/) })], removed: [{ kind: 'action', what: 's3:GetObject on arn:aws:s3:::reports/*' }] }));
  });

  it('gives the ids the app gives, from the repository root, wherever the scan starts', async () => {
    const dir = repository({ [PATH]: role('old', ADMIN), 'stacks/dev/template.yaml': role('old', ADMIN) });
    const fromRoot = JSON.parse((await run('scan', dir, '--format', 'json')).stdout) as { findings: { id: string; file: string; ruleId: string }[] };
    const fromFolder = JSON.parse((await run('scan', join(dir, 'stacks', 'prod'), '--format', 'json')).stdout) as { findings: { id: string; file: string; ruleId: string }[] };
    const appIds = scanFiles([{ path: PATH, text: role('old', ADMIN) }]).findings.map((f) => f.id).sort();
    expect(fromFolder.findings.map((f) => f.file)).toContain('template.yaml');
    expect(fromFolder.findings.map((f) => f.id).sort()).toEqual(appIds);
    expect(fromRoot.findings.filter((f) => f.file === PATH).map((f) => f.id).sort()).toEqual(appIds);
    // Two template.yaml in different folders never share an id.
    const dev = fromRoot.findings.filter((f) => f.file === 'stacks/dev/template.yaml').map((f) => f.id);
    expect(dev.length).toBeGreaterThan(0);
    expect(dev.some((id) => appIds.includes(id))).toBe(false);
  });

  it('judges a file whole when its base does not parse, and treats a file new since the base as new', async () => {
    const dir = repository({ [PATH]: 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  DeployRole: [unclosed\n' });
    write(dir, { [PATH]: role('fixed syntax', ADMIN), 'stacks/new.yaml': role('new', ADMIN) });
    const result = await run('scan', dir, '--base', 'HEAD');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`judged whole: the version of ${PATH} at HEAD does not parse`);
  });

  it('refuses a ref git does not know and one that would be read as an option, running nothing else', async () => {
    const dir = repository({ [PATH]: role('old', ADMIN) });
    const unknown = await run('scan', dir, '--base', 'no-such-branch');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"no-such-branch" is neither a folder nor a commit git knows');
    const option = await run('scan', dir, '--base=--output=/tmp/x');
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('is not a git ref');
  });
});

describe('trustgate scan --base <git-ref> and renames', () => {
  it('compares a file renamed since the ref with its previous path', async () => {
    const dir = repository({ [PATH]: role('old', ADMIN) });
    git(dir, 'mv', PATH, 'stacks/prod/renamed.yaml');
    const result = await run('scan', dir, '--base', 'HEAD', '--format', 'json');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { existing: { file: string; ruleId: string }[]; fixed: unknown[] };
    expect(output.existing.map((f) => f.file)).toContain('stacks/prod/renamed.yaml');
    expect(output.fixed).toEqual([]);
  });
});

describe('trustgate scan --base <git-ref> and deleted files', () => {
  it('counts the findings of a template deleted since the ref as fixed, under the scanned folder, with the app\'s ids', async () => {
    const gone = 'stacks/prod/legacy.yaml';
    const dir = repository({ [PATH]: role('old', READ), [gone]: role('old', ADMIN), 'stacks/dev/other.yaml': role('old', ADMIN) });
    git(dir, 'rm', '-q', gone, 'stacks/dev/other.yaml');

    const result = await run('scan', join(dir, 'stacks', 'prod'), '--base', 'HEAD', '--format', 'json');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { findings: unknown[]; fixed: { file: string; id: string; change: string }[]; judgedWhole: string[] };
    const appIds = scanFiles([{ path: gone, text: role('old', ADMIN) }]).findings.map((f) => f.id).sort();
    expect(appIds.length).toBeGreaterThan(0);
    // Only the deleted file under the scanned folder, shown as the folder's files are; stacks/dev is not scanned.
    expect(output.fixed.map((f) => f.id).sort()).toEqual(appIds);
    expect(new Set(output.fixed.map((f) => f.file))).toEqual(new Set(['legacy.yaml']));
    expect(output.judgedWhole).toEqual([]);

    const text = await run('scan', dir, '--base', 'HEAD');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/this change fixes \d+ finding\(s\):/);
    expect(text.stdout).toContain(`    ${gone}  critical least-privilege/full-admin`);
    expect(text.stdout).toContain('    stacks/dev/other.yaml  critical least-privilege/full-admin');
  });

  it('does not count a renamed file as deleted, nor a deleted file the configuration leaves out', async () => {
    const dir = repository({ [PATH]: role('old', ADMIN), 'stacks/skipped/gone.yaml': role('old', ADMIN), '.trustgate.yml': 'exclude:\n  - stacks/skipped/**\n' });
    git(dir, 'mv', PATH, 'stacks/prod/renamed.yaml');
    git(dir, 'rm', '-q', 'stacks/skipped/gone.yaml');
    const result = await run('scan', dir, '--base', 'HEAD', '--format', 'json', '--config', join(dir, '.trustgate.yml'));
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { fixed: unknown[]; existing: { file: string }[] };
    expect(output.existing.map((f) => f.file)).toContain('stacks/prod/renamed.yaml');
    expect(output.fixed).toEqual([]);
  });
});

describe('trustgate scan --base <git-ref> --format sarif', () => {
  it('marks each result new or unchanged (SARIF baselineState) and gives each fixed finding as an absent result at its base location', async () => {
    const gone = 'stacks/legacy.yaml';
    // At the base, PATH also grants a third role admin, two lines further down: the head drops it.
    const withLegacyRole = (text: string) => `${text}  LegacyRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: "2012-10-17"\n        Statement:\n          - Effect: Allow\n            Principal: { Service: ec2.amazonaws.com }\n            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: legacy\n          PolicyDocument:\n            Version: "2012-10-17"\n            Statement:\n${ADMIN}`;
    const baseText = withLegacyRole(role('old', ADMIN));
    const dir = repository({ [PATH]: baseText, [gone]: role('old', ADMIN) });
    const second = role('old', ADMIN).replace('Resources:\n', `Resources:\n  BuildRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: "2012-10-17"\n        Statement:\n          - Effect: Allow\n            Principal: { Service: ec2.amazonaws.com }\n            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: build\n          PolicyDocument:\n            Version: "2012-10-17"\n            Statement:\n${ADMIN}`);
    write(dir, { [PATH]: second });
    git(dir, 'rm', '-q', gone);

    type Region = { startLine: number; startColumn: number };
    type Result = { ruleId: string; ruleIndex: number; baselineState?: string; partialFingerprints: { trustgateFingerprint: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: Region }; logicalLocations?: { name: string }[] }[] };
    type Sarif = { runs: { tool: { driver: { rules: { id: string }[] } }; results: Result[]; properties?: { trustgate: { base: string; fixed?: unknown; fixedOmitted?: number } } }[] };
    const result = await run('scan', dir, '--base', 'HEAD', '--format', 'sarif');
    expect(result.code).toBe(1);
    const sarif = JSON.parse(result.stdout) as Sarif;
    const results = sarif.runs[0]!.results;
    const admin = results.filter((r) => r.ruleId === 'least-privilege/full-admin');
    const stateOf = (name: string, uri = PATH) => admin.filter((r) => r.locations[0]!.physicalLocation.artifactLocation.uri === uri && r.locations[0]!.logicalLocations?.[0]?.name === name).map((r) => r.baselineState);
    expect(stateOf('BuildRole')).toEqual(['new']);
    expect(stateOf('DeployRole')).toEqual(['unchanged']);
    // Fixed: the role the head dropped (at its line in the base version) and everything of the deleted template, after the head's results.
    expect(stateOf('LegacyRole')).toEqual(['absent']);
    expect(stateOf('DeployRole', gone)).toEqual(['absent']);
    const states = results.map((r) => r.baselineState);
    expect(states.indexOf('absent')).toBeGreaterThan(states.lastIndexOf('unchanged'));
    expect(states.slice(states.indexOf('absent')).every((state) => state === 'absent')).toBe(true);
    const expectedAbsent = [...scanFiles([{ path: gone, text: role('old', ADMIN) }]).findings, ...scanFiles([{ path: PATH, text: baseText }]).findings.filter((f) => f.resource === 'LegacyRole')];
    const absent = results.filter((r) => r.baselineState === 'absent');
    expect(absent.map((r) => r.partialFingerprints.trustgateFingerprint).sort()).toEqual(expectedAbsent.map((f) => f.fingerprint).sort());
    for (const finding of expectedAbsent) {
      const found = absent.find((r) => r.partialFingerprints.trustgateFingerprint === finding.fingerprint)!;
      expect(found.locations[0]!.physicalLocation.artifactLocation.uri).toBe(finding.file);
      expect(found.locations[0]!.physicalLocation.region).toMatchObject({ startLine: finding.line, startColumn: finding.column });
    }
    // Every result's rule is described (GitHub requires it), and the base is named.
    for (const r of results) expect(sarif.runs[0]!.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
    expect(sarif.runs[0]!.properties!.trustgate).toEqual({ base: 'HEAD' });

    // For GitHub code scanning (which reads no baselineState): fixed findings left out, only counted.
    const omitted = JSON.parse((await run('scan', dir, '--base', 'HEAD', '--format', 'sarif', '--sarif-fixed', 'omit')).stdout) as Sarif;
    expect(omitted.runs[0]!.results.map((r) => r.baselineState)).toEqual(states.filter((state) => state !== 'absent'));
    expect(omitted.runs[0]!.properties!.trustgate).toEqual({ base: 'HEAD', fixedOmitted: expectedAbsent.length });
    const bad = await run('scan', dir, '--base', 'HEAD', '--format', 'sarif', '--sarif-fixed', 'properties');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--sarif-fixed must be absent or omit');

    // Judging everything, the old role's result is still marked unchanged; without --base nothing is marked.
    const all = JSON.parse((await run('scan', dir, '--base', 'HEAD', '--format', 'sarif', '--gate', 'all')).stdout) as Sarif;
    expect(all.runs[0]!.results.find((r) => r.ruleId === 'least-privilege/full-admin' && r.locations[0]!.logicalLocations?.[0]?.name === 'DeployRole')?.baselineState).toBe('unchanged');
    const plain = JSON.parse((await run('scan', dir, '--format', 'sarif')).stdout) as Sarif;
    expect(plain.runs[0]!.results.some((r) => 'baselineState' in r)).toBe(false);
    expect(plain.runs[0]!.properties).toBeUndefined();
  });
});

describe('trustgate scan --base <git-ref> --format sarif and renames', () => {
  it('gives a fixed finding of a file renamed since the ref at the path and line it had there', async () => {
    const legacy = `  LegacyRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: "2012-10-17"\n        Statement:\n          - Effect: Allow\n            Principal: { Service: ec2.amazonaws.com }\n            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: legacy\n          PolicyDocument:\n            Version: "2012-10-17"\n            Statement:\n${ADMIN}`;
    const baseText = role('old', ADMIN).replace('Resources:\n', `Resources:\n${legacy}`);
    const dir = repository({ [PATH]: baseText });
    const renamed = 'stacks/prod/renamed.yaml';
    git(dir, 'mv', PATH, renamed);
    write(dir, { [renamed]: role('old', ADMIN) });
    git(dir, 'add', renamed);

    type Result = { baselineState?: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } }; logicalLocations?: { name: string }[] }[] };
    const sarif = JSON.parse((await run('scan', join(dir, 'stacks', 'prod'), '--base', 'HEAD', '--format', 'sarif')).stdout) as { runs: { results: Result[] }[] };
    const where = (r: Result) => [r.baselineState, r.locations[0]!.logicalLocations?.[0]?.name, r.locations[0]!.physicalLocation.artifactLocation.uri];
    const results = sarif.runs[0]!.results;
    expect(results.map(where)).toContainEqual(['unchanged', 'DeployRole', 'renamed.yaml']);
    // Shown as the scanned folder shows its files: the old name without the folder's prefix.
    expect(results.map(where)).toContainEqual(['absent', 'LegacyRole', 'template.yaml']);
    const line = scanFiles([{ path: PATH, text: baseText }]).findings.find((f) => f.resource === 'LegacyRole' && f.ruleId === 'least-privilege/full-admin')!.line;
    expect(results.find((r) => r.baselineState === 'absent' && r.locations[0]!.logicalLocations?.[0]?.name === 'LegacyRole')!.locations[0]!.physicalLocation.region.startLine).toBe(line);
  });
});

describe('trustgate scan --base <git-ref>: the access a Terraform change grants', () => {
  const module = (principal: string) => `resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = ${principal}, Action = "sts:AssumeRole" }]
  })
}
`;
  const policy = (action: string) => `resource "aws_iam_role_policy" "read" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "${action}", Resource = "arn:aws:s3:::reports/*" }]
  })
}
`;

  it('compares the module as a whole with its files at the ref: s3:* with its count and a trust for an external account, per role', async () => {
    const dir = repository({ 'infra/main.tf': module('{ Service = "ec2.amazonaws.com" }'), 'infra/policy.tf': policy('s3:GetObject') });
    write(dir, { 'infra/main.tf': module('{ AWS = "arn:aws:iam::444455556666:root" }'), 'infra/policy.tf': policy('s3:*') });

    const result = await run('scan', dir, '--base', 'HEAD', '--format', 'json');
    const output = JSON.parse(result.stdout) as { access: { file: string; subject: string; added: { what: string }[]; removed: { what: string }[] }[] };
    // The subject names the role by its address (with or without a kind label in front).
    const role = output.access.find((change) => /(^|\s)aws_iam_role\.app$/.test(change.subject))!;
    expect(role.file).toBe('infra/');
    expect(role.added.map((fact) => fact.what)).toEqual(expect.arrayContaining([expect.stringMatching(/^s3:\* \(\d{2,} actions\) on arn:aws:s3:::reports\/\*$/), 'every principal of account 444455556666 may assume it']));
    expect(role.removed.map((fact) => fact.what)).toEqual(expect.arrayContaining(['s3:GetObject on arn:aws:s3:::reports/*', 'the AWS service ec2.amazonaws.com may assume it']));

    // A policy in a file the change deletes is access removed from the module's role.
    git(dir, 'checkout', '-q', '--', '.');
    git(dir, 'rm', '-q', 'infra/policy.tf');
    const removed = JSON.parse((await run('scan', dir, '--base', 'HEAD', '--format', 'json')).stdout) as typeof output;
    expect(removed.access).toEqual([expect.objectContaining({ subject: expect.stringMatching(/(^|\s)aws_iam_role\.app$/), added: [], removed: [expect.objectContaining({ what: 's3:GetObject on arn:aws:s3:::reports/*' })] })]);
  });
});

describe('trustgate scan --base <git-ref>: a Terraform directory the change removes whole', () => {
  const ADMIN_TF = `resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}
`;
  const POLICY_TF = `resource "aws_iam_role_policy" "admin" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
`;
  type Output = { findings: unknown[]; fixed: { id: string; file: string; ruleId: string; change: string }[]; judgedWhole: string[]; access: { file: string; subject: string; added: unknown[]; removed: { what: string }[] }[] };
  const base = { 'infra/iam/main.tf': ADMIN_TF, 'infra/iam/policy.tf': POLICY_TF, 'infra/iam/terraform.tfvars': 'region = "eu-west-1"\n', 'infra/keep/main.tf': 'locals {}\n' };
  /** The app's ids for the module's findings: the same files under their paths from the repository root. */
  const appIds = () => scanFiles(['infra/iam/main.tf', 'infra/iam/policy.tf'].map((path) => ({ path, text: base[path as keyof typeof base] }))).findings.map((f) => f.id).sort();

  function expectRemovedModule(output: Output, shownAs: string): void {
    expect(output.findings).toEqual([]);
    expect(output.judgedWhole).toEqual([]);
    expect(appIds().length).toBeGreaterThan(0);
    expect(output.fixed.map((f) => f.id).sort()).toEqual(appIds());
    expect(output.fixed.map((f) => f.ruleId)).toContain('least-privilege/full-admin');
    expect(output.fixed.every((f) => f.change === 'fixed' && f.file === shownAs)).toBe(true);
    // What the module granted is removed, named by its directory; nothing is added.
    expect(output.access).toEqual([expect.objectContaining({ file: 'infra/iam/', subject: expect.stringMatching(/aws_iam_role\.app$/), added: [] })]);
    expect(output.access[0]!.removed.map((fact) => fact.what)).toEqual(expect.arrayContaining([expect.stringMatching(/^\* \(\d+ actions\) on \*$/), 'the AWS service ec2.amazonaws.com may assume it']));
  }

  it('counts its findings as fixed and its access as removed when a parent folder is scanned, staged or only deleted from the working tree', async () => {
    const dir = repository(base);
    git(dir, 'rm', '-r', '-q', 'infra/iam');
    const staged = await run('scan', join(dir, 'infra'), '--base', 'HEAD', '--format', 'json');
    expect(staged.code).toBe(0);
    expectRemovedModule(JSON.parse(staged.stdout) as Output, 'iam/policy.tf');

    git(dir, 'reset', '-q', '--hard');
    rmSync(join(dir, 'infra', 'iam'), { recursive: true });
    const unstaged = await run('scan', join(dir, 'infra'), '--base', 'HEAD', '--format', 'json');
    expect(unstaged.code).toBe(0);
    expectRemovedModule(JSON.parse(unstaged.stdout) as Output, 'iam/policy.tf');
    const text = await run('scan', join(dir, 'infra'), '--base', 'HEAD');
    expect(text.stdout).toMatch(/this change fixes \d+ finding\(s\):\n {4}iam\/policy\.tf {2}critical least-privilege\/full-admin/);
  });

  it('reads the removed directory itself when it is the path given, and still refuses a path that is neither on disk nor at the ref', async () => {
    const dir = repository(base);
    git(dir, 'rm', '-r', '-q', 'infra/iam');
    const given = await run('scan', join(dir, 'infra', 'iam'), '--base', 'HEAD', '--format', 'json');
    expect(given.stderr).toBe('');
    expect(given.code).toBe(0);
    expectRemovedModule(JSON.parse(given.stdout) as Output, 'policy.tf');

    const typo = await run('scan', join(dir, 'infra', 'iam-typo'), '--base', 'HEAD');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('no such file or folder');
    // Without --base a removed path is no path at all.
    expect((await run('scan', join(dir, 'infra', 'iam'))).code).toBe(2);
  });
});
