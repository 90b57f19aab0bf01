import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../../src/cli/main.js';

/**
 * The GitHub Action (action.yml) for organisations that cannot install the app: its scan step
 * (scripts/action-scan.sh) run for real on the examples, as the runner would run it.
 */
const root = join(import.meta.dirname, '..', '..');
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: { run?: string; uses?: string; env?: Record<string, string>; with?: Record<string, string> }[] };
};
const script = readFileSync(join(root, 'scripts', 'action-scan.sh'), 'utf8');

function runScanStep(env: Record<string, string>, cwd: string = root): { output: Record<string, string>; log: string } {
  const outputFile = join(mkdtempSync(join(tmpdir(), 'trustgate-action-')), 'output');
  const log = execFileSync('bash', [join(root, 'scripts', 'action-scan.sh')], {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      GITHUB_ACTION_PATH: root,
      GITHUB_OUTPUT: outputFile,
      // tsx by its file URL: the scan may run in a repository of its own, where `tsx` does not resolve.
      TRUSTGATE_CLI: `node --import ${import.meta.resolve('tsx')} ${join(root, 'test', 'support', 'cli-from-source.ts')}`,
      ...env,
    },
  });
  const output = Object.fromEntries(readFileSync(outputFile, 'utf8').trim().split('\n').map((line) => line.split('=', 2) as [string, string]));
  return { output, log };
}

describe('the GitHub Action', () => {
  it('is a composite action whose scripts take every input through the environment, never pasted into a script', () => {
    expect(action.runs.using).toBe('composite');
    for (const step of action.runs.steps) if (step.run !== undefined) expect(step.run).not.toContain('${{');
    expect(action.runs.steps.some((step) => step.uses?.startsWith('github/codeql-action/upload-sarif@') === true)).toBe(true);
  });

  it('passes only flags the CLI has', () => {
    const flags = [...new Set([...script.matchAll(/(?<![\w-])--[a-z][a-z-]+/g)].map((m) => m[0]))];
    expect(flags.length).toBeGreaterThan(2);
    for (const flag of flags) expect(USAGE, flag).toContain(flag);
  });

  it('judges the pull request against its base commit by default', () => {
    const scan = action.runs.steps.find((step) => step.run?.includes('action-scan.sh') === true)!;
    expect(scan.env!['TRUSTGATE_BASE']).toContain('github.event.pull_request.base.sha');
    expect(scan.env!['TRUSTGATE_BASE']).toContain('github.event.merge_group.base_sha');
  });

  it('scans, writes SARIF and reports the verdict as an output, so the upload runs whatever it is', () => {
    const sarifFile = join(mkdtempSync(join(tmpdir(), 'trustgate-action-')), 'out.sarif');
    const bad = runScanStep({ TRUSTGATE_PATHS: 'examples/bad', TRUSTGATE_SARIF_FILE: sarifFile, TRUSTGATE_CONFIG: '.github/trustgate.yml' });
    expect(bad.output['exit-code']).toBe('1');
    expect(bad.output['sarif-file']).toBe(sarifFile);
    expect(bad.log).toContain('least-privilege/');
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as { version: string; runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(0);
    // Paths relative to the repository, as code scanning needs them.
    for (const result of sarif.runs[0]!.results) expect(result.locations[0]!.physicalLocation.artifactLocation.uri.startsWith('/')).toBe(false);

    const good = runScanStep({ TRUSTGATE_PATHS: 'examples/good', TRUSTGATE_SARIF_FILE: sarifFile });
    expect(good.output['exit-code']).toBe('0');
  }, 60_000);

  it('with a base commit, blocks only what the change adds', () => {
    // A repository whose main already holds an admin role; the pull request only edits a Description.
    const repo = mkdtempSync(join(tmpdir(), 'trustgate-action-repo-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.test' } }).trim();
    git('init', '-q');
    mkdirSync(join(repo, 'stacks'));
    const template = readFileSync(join(root, 'test', 'fixtures', 'app', 'admin-role.yaml'), 'utf8');
    writeFileSync(join(repo, 'stacks', 'admin.yaml'), template);
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    const base = git('rev-parse', 'HEAD');
    writeFileSync(join(repo, 'stacks', 'admin.yaml'), template.replace(/^Description: .*$/m, 'Description: only the description changes'));
    git('commit', '-q', '-am', 'head');
    const sarifFile = join(repo, 'out.sarif');

    const judged = runScanStep({ TRUSTGATE_PATHS: '.', TRUSTGATE_BASE: base, TRUSTGATE_SARIF_FILE: sarifFile }, repo);
    expect(judged.output['exit-code']).toBe('0');
    const whole = runScanStep({ TRUSTGATE_PATHS: '.', TRUSTGATE_SARIF_FILE: sarifFile }, repo);
    expect(whole.output['exit-code']).toBe('1');
  }, 60_000);

  it('uploads no result for what the change fixed: code scanning would open an alert for an absent result, at a file the head no longer has', () => {
    const repo = mkdtempSync(join(tmpdir(), 'trustgate-action-repo-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.test' } }).trim();
    git('init', '-q');
    mkdirSync(join(repo, 'stacks'));
    writeFileSync(join(repo, 'stacks', 'admin.yaml'), readFileSync(join(root, 'test', 'fixtures', 'app', 'admin-role.yaml'), 'utf8'));
    writeFileSync(join(repo, 'stacks', 'keep.yaml'), readFileSync(join(root, 'test', 'fixtures', 'app', 'admin-role.yaml'), 'utf8'));
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    const base = git('rev-parse', 'HEAD');
    git('rm', '-q', 'stacks/admin.yaml');
    git('commit', '-q', '-m', 'head');
    const sarifFile = join(repo, 'out.sarif');

    const judged = runScanStep({ TRUSTGATE_PATHS: '.', TRUSTGATE_BASE: base, TRUSTGATE_SARIF_FILE: sarifFile }, repo);
    expect(judged.output['exit-code']).toBe('0');
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as { runs: { results: { baselineState?: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[]; properties?: { trustgate: { fixedOmitted?: number } } }[] };
    const results = sarif.runs[0]!.results;
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((result) => result.baselineState === 'unchanged')).toBe(true);
    expect(results.map((result) => result.locations[0]!.physicalLocation.artifactLocation.uri)).not.toContain('stacks/admin.yaml');
    expect(sarif.runs[0]!.properties!.trustgate.fixedOmitted).toBeGreaterThan(0);
  }, 60_000);
});
