import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { minimatch } from 'minimatch';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

describe('app manifest and container', () => {
  it('asks for merge_queues: read, without which GitHub never delivers the merge_group it subscribes to', () => {
    const manifest = parse(readFileSync('app.yml', 'utf8')) as { default_events: string[]; default_permissions: Record<string, string> };
    expect(manifest.default_events).toContain('merge_group');
    expect(manifest.default_permissions['merge_queues']).toBe('read');
  });

  it('.dockerignore keeps keys and .env files out of the build context at any depth', () => {
    const patterns = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    const ignored = (path: string) => patterns.some((p) => minimatch(path, p, { dot: true }));
    for (const secret of ['key.pem', 'deploy/app/private-key.pem', '.env', 'config/.env', 'config/.env.production', '.env.local']) {
      expect(ignored(secret), secret).toBe(true);
    }
    expect(ignored('src/app/server.ts')).toBe(false);
  });

  it('builds on the current Node LTS and stops with SIGTERM', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^node:24-/);
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
  });

  it('packs the CLI, the app, its data and docs, and no tests, fixtures or benchmarks', () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const [packed] = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { files: { path: string }[] }[];
    const paths = packed!.files.map((file) => file.path);
    expect(paths).toContain('bin/trustgate.js');
    expect(paths).toContain('app.yml');
    expect(paths).toContain('schema/trustgate.schema.json');
    expect(paths.some((path) => path.startsWith('docs/rules/'))).toBe(true);
    const unwanted = paths.filter((path) => /^(dist\/)?(test|bench|examples)\//.test(path) || path.includes('/fixtures/'));
    expect(unwanted).toEqual([]);
  }, 60_000);
});
