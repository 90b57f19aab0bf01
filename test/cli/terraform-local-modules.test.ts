import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

// `trustgate scan root/` reads the local modules root/'s Terraform calls from disk, inside the repository
// (the git top-level; the scanned folder outside git), as the app does; a call it cannot read is a low
// not-checked finding on its source line, never silence.

interface Finding {
  ruleId: string;
  file: string;
  line: number;
  resource?: string;
  message: string;
}

async function scan(...argv: string[]): Promise<Finding[]> {
  let stdout = '';
  await main(['scan', ...argv, '--format', 'json'], { stdout: (t) => (stdout += t), stderr: () => {} });
  return (JSON.parse(stdout) as { findings: Finding[] }).findings;
}

const ADMIN = `resource "aws_iam_policy" "admin" {
  name   = "admin"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
`;

const dirs: string[] = [];
function tree(files: Record<string, string>, { git = true } = {}): string {
  const base = mkdtempSync(join(tmpdir(), 'tg-local-modules-'));
  dirs.push(base);
  const repo = join(base, 'repo');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(base, path, '..'), { recursive: true });
    writeFileSync(join(base, path), text);
  }
  mkdirSync(repo, { recursive: true });
  if (git) execFileSync('git', ['-C', repo, 'init', '-q', '.']);
  return base;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const call = (name: string, source: string) => `module "${name}" {\n  source = "${source}"\n}\n`;

describe('trustgate scan: local modules outside the scanned folder', () => {
  it('reads a local module inside the repository and reports what it creates at its own file and line', async () => {
    const base = tree({ 'repo/root/main.tf': call('m', '../mod'), 'repo/mod/main.tf': ADMIN });
    const findings = await scan(join(base, 'repo', 'root'));
    const admin = findings.filter((f) => f.ruleId === 'least-privilege/full-admin');
    expect(admin.map((f) => [f.file, f.line])).toContainEqual(['../mod/main.tf', 3]);
    expect(findings.filter((f) => f.ruleId === 'not-checked')).toEqual([]);
  });

  it('reports a call that leaves the repository, or names no module, as not checked at its source line', async () => {
    const base = tree({
      'repo/root/main.tf': `${call('far', '../../outside')}\n${call('gone', './nothere')}`,
      'outside/main.tf': ADMIN,
    });
    const findings = await scan(join(base, 'repo', 'root'));
    const notChecked = findings.filter((f) => f.ruleId === 'not-checked');
    expect(notChecked.map((f) => [f.file, f.line, f.resource])).toEqual([
      ['main.tf', 2, 'module.far'],
      ['main.tf', 6, 'module.gone'],
    ]);
    expect(notChecked[0]!.message).toContain('outside the repository');
    expect(findings.some((f) => f.ruleId === 'least-privilege/full-admin')).toBe(false);
  });

  it('refuses a module directory, or a file in one, that is a symbolic link out of the repository', async () => {
    const base = tree({ 'repo/root/main.tf': `${call('linked', '../linked')}\n${call('mixed', '../mixed')}`, 'outside/main.tf': ADMIN, 'repo/mixed/vars.tf': 'variable "x" {}\n' });
    symlinkSync(join(base, 'outside'), join(base, 'repo', 'linked'));
    symlinkSync(join(base, 'outside', 'main.tf'), join(base, 'repo', 'mixed', 'main.tf'));
    const findings = await scan(join(base, 'repo', 'root'));
    expect(findings.filter((f) => f.ruleId === 'not-checked').map((f) => [f.line, f.resource, /symbolic link/.test(f.message)])).toEqual([
      [2, 'module.linked', true],
      [6, 'module.mixed', true],
    ]);
    expect(findings.some((f) => f.ruleId === 'least-privilege/full-admin')).toBe(false);
  });

  it('outside git, the scanned folder is the repository: a call above it is not checked', async () => {
    const base = tree({ 'repo/root/main.tf': call('m', '../mod'), 'repo/mod/main.tf': ADMIN }, { git: false });
    const findings = await scan(join(base, 'repo', 'root'));
    expect(findings.filter((f) => f.ruleId === 'not-checked').map((f) => [f.file, f.line, f.resource])).toEqual([['main.tf', 2, 'module.m']]);
    expect(findings.some((f) => f.ruleId === 'least-privilege/full-admin')).toBe(false);
  });

  it("keeps the app's depth bound: a module more than 3 levels down is not read, and its call says so", async () => {
    const base = tree({
      'repo/root/main.tf': call('a', '../a'),
      'repo/a/main.tf': call('b', '../b'),
      'repo/b/main.tf': call('c', '../c'),
      'repo/c/main.tf': call('d', '../d'),
      'repo/d/main.tf': ADMIN,
    });
    const findings = await scan(join(base, 'repo', 'root'));
    const notChecked = findings.filter((f) => f.ruleId === 'not-checked');
    expect(notChecked.map((f) => [f.file, f.resource])).toEqual([['../c/main.tf', 'module.d']]);
    expect(notChecked[0]!.message).toContain('more than 3 levels');
    expect(findings.some((f) => f.ruleId === 'least-privilege/full-admin')).toBe(false);
  });

  it('a Terraform file given by name reads the modules of its directory too', async () => {
    const base = tree({ 'repo/root/main.tf': call('m', '../mod'), 'repo/mod/main.tf': ADMIN });
    const findings = await scan(join(base, 'repo', 'root', 'main.tf'));
    expect(findings.filter((f) => f.ruleId === 'least-privilege/full-admin').map((f) => f.file)).toContain(join(base, 'repo', 'mod', 'main.tf'));
  });
});
