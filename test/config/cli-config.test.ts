import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const ADMIN_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, null, 2);

function workspace(config: string): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'trustgate-cli-config-'));
  mkdirSync(join(dir, 'policies'));
  mkdirSync(join(dir, 'fixtures'));
  writeFileSync(join(dir, 'policies', 'admin.json'), ADMIN_POLICY);
  writeFileSync(join(dir, 'fixtures', 'admin.json'), ADMIN_POLICY);
  const configPath = join(dir, 'trustgate.yml');
  writeFileSync(configPath, config);
  return { dir, config: configPath };
}

const ids = (stdout: string) => (JSON.parse(stdout) as { findings: { ruleId: string; file: string; severity: string }[] }).findings.filter((f) => f.ruleId === 'least-privilege/full-admin');

describe('trustgate scan --config', () => {
  it('applies exclude globs and rule severity overrides from the file', async () => {
    const ws = workspace('exclude: ["fixtures/**"]\nrules:\n  least-privilege/full-admin: low\n');
    const result = await run('scan', ws.dir, '--format', 'json', '--config', ws.config);
    expect(ids(result.stdout).map((f) => [f.file, f.severity])).toEqual([['policies/admin.json', 'low']]);
  });

  it('turns a rule off, and takes the fail threshold from the file unless --fail-on is given', async () => {
    const off = workspace('rules: { least-privilege/full-admin: off }\n');
    expect(ids((await run('scan', off.dir, '--format', 'json', '--config', off.config)).stdout)).toEqual([]);
    const threshold = workspace('failOn: critical\nrules: { least-privilege/full-admin: high }\n');
    expect((await run('scan', join(threshold.dir, 'policies'), '--format', 'json', '--config', threshold.config)).code).toBe(0);
    expect((await run('scan', join(threshold.dir, 'policies'), '--format', 'json', '--config', threshold.config, '--fail-on', 'high')).code).toBe(1);
  });

  it('exits 0 in report-only mode while still listing the findings', async () => {
    const ws = workspace('reportOnly: true\n');
    const result = await run('scan', ws.dir, '--format', 'json', '--config', ws.config);
    expect(ids(result.stdout)).toHaveLength(2);
    expect(result.code).toBe(0);
  });

  it('exits 2 naming the file, line and problem when the configuration is invalid', async () => {
    const ws = workspace('failOn: high\nwaivers:\n  permission: owner\n');
    const result = await run('scan', ws.dir, '--config', ws.config);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${ws.config}:3:15: "owner" is not one of read, triage, write, maintain, admin (at \`waivers.permission\`)`);
    expect((await run('scan', ws.dir, '--config', join(ws.dir, 'missing.yml'))).stderr).toContain('cannot read the configuration');
  });
});
