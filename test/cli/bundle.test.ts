import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

// The published executable runs a bundle of the CLI (scripts/bundle-cli.mjs). The bundle is built here from
// the current sources into a scratch folder inside the repository (so node_modules resolves), and must
// behave exactly as the modules it is made of.
const root = join(import.meta.dirname, '..', '..');
let outdir: string;

beforeAll(() => {
  mkdirSync(join(root, 'dist'), { recursive: true });
  outdir = mkdtempSync(join(root, 'dist', '.bundle-test-'));
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle-cli.mjs'), '--outdir', outdir]);
}, 60_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function runBundle(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const script = `const { main } = await import(${JSON.stringify(join(outdir, 'trustgate.js'))}); process.exitCode = await main(process.argv.slice(1));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function runModules(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: () => undefined });
  return { code, stdout };
}

describe('the bundled CLI', () => {
  it('keeps the AWS SDK path in a chunk of its own, loaded only with --access-analyzer', () => {
    const files = readdirSync(outdir);
    expect(files).toContain('trustgate.js');
    expect(files.some((file) => file.startsWith('access-analyzer-service-'))).toBe(true);
  });

  it.each([['examples/bad'], ['examples/good'], ['test/fixtures/rules/least-privilege/full-admin'], ['test/fixtures/rules/imdsv2']])(
    'finds exactly what the modules find in %s (built-in rules, rule packs, AWS data)',
    async (folder) => {
      const args = ['scan', join(root, folder), '--format', 'json'];
      const bundled = runBundle(args);
      const modules = await runModules(args);
      expect(bundled.stderr).toBe('');
      expect(bundled.status).toBe(modules.code);
      expect(JSON.parse(bundled.stdout)).toEqual(JSON.parse(modules.stdout));
      if (!folder.endsWith('good')) expect((JSON.parse(bundled.stdout) as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
    },
    60_000,
  );

  it('loads the Access Analyzer path on demand and reports an unreachable endpoint as a finding', () => {
    const result = runBundle(['scan', join(root, 'test/fixtures/rules/least-privilege/full-admin'), '--access-analyzer', '--format', 'json'], {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(result.stderr).not.toMatch(/Cannot find|ERR_MODULE/);
    expect(result.stdout).toContain('Access Analyzer unavailable');
  }, 60_000);
});
