import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { FakeGitHub } from '../support/fake-github.js';
import { startAppProcess, type AppProcess, until } from '../support/app-process.js';
import { fixture } from './helpers.js';

/**
 * Documentation links go somewhere: the app serves the packaged docs/ pages at /docs/ and links them at
 * TRUSTGATE_PUBLIC_URL (the real server process, as `npm start` runs it); the CLI links the packaged files.
 */
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Record<string, any>[] }[];
const opened = examples.find((e) => e.name === 'pull_request')!.examples.find((e) => e['action'] === 'opened' && e['installation'] !== undefined)!;
const root = join(import.meta.dirname, '..', '..');

let fake: FakeGitHub;
const apps: AppProcess[] = [];
let nextPull = 300;

beforeAll(async () => {
  fake = new FakeGitHub({ latencyMs: 1 });
  await fake.start();
});

afterAll(async () => {
  for (const app of apps) await app.kill('SIGKILL');
  await fake.stop();
});

/** Runs a check of the admin-role fixture and returns the annotations the app wrote. */
async function annotationsOf(app: AppProcess): Promise<{ message: string }[]> {
  const number = nextPull++;
  const headSha = randomBytes(20).toString('hex');
  fake.addPullRequest({
    owner: opened['repository'].owner.login,
    repo: opened['repository'].name,
    number,
    headSha,
    baseSha: randomBytes(20).toString('hex'),
    files: [{ path: 'stacks/admin.yaml', text: fixture('admin-role.yaml'), status: 'modified' }],
  });
  const written: { message: string }[] = [];
  const stop = fake.onRequest((recorded, phase) => {
    const body = recorded.body as { head_sha?: string; output?: { annotations?: { message: string }[] } } | undefined;
    if (phase === 'arrived' && recorded.path.includes('/check-runs')) written.push(...(body?.output?.annotations ?? []));
  });
  const payload = structuredClone(opened);
  payload['number'] = number;
  payload['pull_request'].number = number;
  payload['pull_request'].head.sha = headSha;
  payload['installation'].id = number;
  expect(await app.deliver('pull_request', payload, randomBytes(8).toString('hex'))).toBeLessThan(300);
  await until(() => [...fake.checkRuns.values()].some((run) => run.headSha === headSha && run.status === 'completed'));
  stop();
  return written;
}

function rawGet(base: string, path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('rule pages served by the app', () => {
  it('links each annotation to a page at TRUSTGATE_PUBLIC_URL that the server renders', async () => {
    const app = await startAppProcess(fake, { TRUSTGATE_PUBLIC_URL: 'https://trustgate.example.test' });
    apps.push(app);
    const annotations = await annotationsOf(app);
    expect(annotations.length).toBeGreaterThan(0);
    const links = annotations.map((a) => /Docs: (\S+)/.exec(a.message)?.[1]);
    expect(links.every((link) => link !== undefined && link.startsWith('https://trustgate.example.test/docs/rules/'))).toBe(true);

    // The same path on the server answers with the rendered rule page.
    const path = new URL(links[0]!).pathname;
    const page = await rawGet(app.base, path);
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toContain('text/html');
    const source = readFileSync(join(root, decodeURIComponent(path.slice(1))), 'utf8');
    const heading = /^#\s+(.+)$/m.exec(source)![1]!.replace(/`/g, '');
    expect(page.body).toContain('<h1>');
    expect(page.body.replace(/<[^>]+>/g, '')).toContain(heading);
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'none'");
    // Guides the rule pages link to are served too, and the configuration's schema for editors.
    expect((await rawGet(app.base, '/docs/imdsv2.md')).status).toBe(200);
    const schema = await rawGet(app.base, '/schema/trustgate.schema.json');
    expect(schema.status).toBe(200);
    expect(JSON.parse(schema.body)).toEqual(JSON.parse(readFileSync(join(root, 'schema', 'trustgate.schema.json'), 'utf8')));
  }, 30_000);

  it('serves nothing outside docs/ and nothing but pages', async () => {
    const app = apps[0] ?? (await startAppProcess(fake, { TRUSTGATE_PUBLIC_URL: 'https://trustgate.example.test' }));
    for (const path of ['/docs/%2e%2e/package.json', '/docs/..%2f..%2f.env', '/docs/rules/%2e%2e/%2e%2e/README.md', '/docs/rules/README', '/docs/%00.md', '/docs/nothing-here.md']) {
      const answer = await rawGet(app.base, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toContain('"name": "trustgate"');
    }
  }, 30_000);

  it('links no page, and says what to set, when TRUSTGATE_PUBLIC_URL is not set', async () => {
    const app = await startAppProcess(fake, {});
    apps.push(app);
    expect(app.logs.join('\n')).toContain('TRUSTGATE_PUBLIC_URL is not set');
    const annotations = await annotationsOf(app);
    expect(annotations.length).toBeGreaterThan(0);
    for (const annotation of annotations) {
      expect(annotation.message).not.toMatch(/Docs: /);
      expect(annotation.message).not.toContain('file://');
      expect(annotation.message).not.toContain('trustgate-dev');
    }
  }, 30_000);
});

describe('rule pages from the CLI', () => {
  it('links the packaged files, which exist', async () => {
    let output = '';
    const saved = process.env['TRUSTGATE_DOCS_BASE'];
    delete process.env['TRUSTGATE_DOCS_BASE'];
    try {
      await main(['scan', join(root, 'test', 'fixtures', 'app', 'admin-role.yaml'), '--format', 'json'], { stdout: (text) => (output += text), stderr: () => undefined });
    } finally {
      if (saved !== undefined) process.env['TRUSTGATE_DOCS_BASE'] = saved;
    }
    const report = JSON.parse(output) as { findings: { docs: string | null }[] };
    expect(report.findings.length).toBeGreaterThan(0);
    for (const finding of report.findings) {
      expect(finding.docs).toMatch(/^file:\/\//);
      expect(existsSync(fileURLToPath(finding.docs!))).toBe(true);
    }
  }, 30_000);
});
