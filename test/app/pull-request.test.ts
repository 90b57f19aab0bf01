import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import {
  API,
  changedFile,
  fixture,
  BASE_SHA,
  HEAD_SHA,
  nockBlobBatch,
  nockCheckRuns,
  nockInstallationToken,
  PULL_NUMBER,
  pullRequestPayload,
  REPO_PATH,
  type Json,
  type Recorded,
  useAppHarness,
} from './helpers.js';

const FILES_PATH = `${REPO_PATH}/pulls/${PULL_NUMBER}/files`;

const harness = useAppHarness();

async function receive(action = 'opened'): Promise<void> {
  await harness.probot.receive({ id: 'delivery-1', name: 'pull_request', payload: pullRequestPayload(action) } as never);
}

/** The pull request file list as GitHub pages it: `pages[i]` is page i+1, linked with rel="next". */
function nockFilePages(scope: nock.Scope, pages: Json[][]): void {
  pages.forEach((files, index) => {
    const query = index === 0 ? { per_page: '100' } : { per_page: '100', page: String(index + 1) };
    const headers: Record<string, string> = {};
    if (index < pages.length - 1) headers['link'] = `<${API}${FILES_PATH}?per_page=100&page=${index + 2}>; rel="next", <${API}${FILES_PATH}?per_page=100&page=${pages.length}>; rel="last"`;
    scope.get(FILES_PATH).query(query).reply(200, files, headers);
  });
}

function expressionsOf(call: Recorded): string[] {
  return Object.entries(call.body.variables as Record<string, string>)
    .filter(([name]) => /^e\d+$/.test(name))
    .map(([, expression]) => expression);
}

describe('pull_request events', () => {
  it('lists files over two pages, reads removed files at the base only, follows renames, reads contents in one GraphQL batch and completes in one write', async () => {
    const graphql: Recorded[] = [];
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    nockFilePages(scope, [
      [changedFile('templates/admin-role.yaml'), changedFile('README.md'), changedFile('old/gone.yaml', 'removed')],
      [changedFile('policies/admin.json', 'added'), changedFile('infra/scoped.yaml', 'renamed', 'infra/old-scoped.yaml'), changedFile('k8s/deployment.yaml')],
    ]);
    nockBlobBatch(
      scope,
      {
        'templates/admin-role.yaml': fixture('admin-role.yaml'),
        'policies/admin.json': fixture('admin-policy.json'),
        'infra/scoped.yaml': fixture('scoped-role.yaml'),
        'k8s/deployment.yaml': fixture('deployment.yaml'),
      },
      graphql,
    );
    nockCheckRuns(scope, writes);

    await receive('opened');

    expect(scope.isDone()).toBe(true);
    expect(harness.requests.unmatched).toEqual([]);
    expect(graphql).toHaveLength(1);
    // The base versions in the same query: not for the added file, a renamed file under its old name, a removed one (its findings are fixed).
    expect(expressionsOf(graphql[0]!)).toEqual([
      `${HEAD_SHA}:templates/admin-role.yaml`,
      `${HEAD_SHA}:policies/admin.json`,
      `${HEAD_SHA}:infra/scoped.yaml`,
      `${HEAD_SHA}:k8s/deployment.yaml`,
      `${BASE_SHA}:templates/admin-role.yaml`,
      `${BASE_SHA}:infra/old-scoped.yaml`,
      `${BASE_SHA}:k8s/deployment.yaml`,
      `${BASE_SHA}:old/gone.yaml`,
    ]);
    expect(writes).toHaveLength(1);
    const body = writes[0]!.body;
    expect(body).toMatchObject({ name: 'trustgate', head_sha: HEAD_SHA, status: 'completed', conclusion: 'failure' });
    expect(body.output.title).toMatch(/^\d+ findings block this merge: (\d+ critical|.*\d+ critical)/);
    const annotations = body.output.annotations as Json[];
    expect(annotations).toContainEqual(
      expect.objectContaining({ path: 'templates/admin-role.yaml', start_line: 19, end_line: 19, start_column: 25, end_column: 28, annotation_level: 'failure' }),
    );
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'policies/admin.json', start_line: 6, annotation_level: 'failure' }));
    expect(annotations.filter((a) => String(a.title).startsWith('least-privilege/full-admin'))).toHaveLength(2);
    expect(annotations.map((a) => a.path)).not.toContain('old/gone.yaml');
    expect(annotations.map((a) => a.path)).not.toContain('infra/old-scoped.yaml');
    expect(body.output.summary).toContain(`https://github.com/Codertocat/Hello-World/blob/${HEAD_SHA}/templates/admin-role.yaml#L19`);
    expect(body.output.summary).toContain('least-privilege/full-admin');
  });

  it('reports findings under the new name of a renamed file', async () => {
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    nockFilePages(scope, [[changedFile('prod/admin.yaml', 'renamed', 'dev/admin.yaml')]]);
    nockBlobBatch(scope, { 'prod/admin.yaml': fixture('admin-role.yaml') }, []);
    nockCheckRuns(scope, writes);

    await receive('synchronize');

    expect(scope.isDone()).toBe(true);
    expect(writes[0]!.body.output.annotations).toContainEqual(expect.objectContaining({ path: 'prod/admin.yaml', start_line: 19, annotation_level: 'failure' }));
  });

  it('sends more than 50 annotations in batches of 50: one create, then one update per further batch', async () => {
    const roles = Array.from({ length: 120 }, (_, i) => adminRole(`Role${i}`)).join('');
    const template = `AWSTemplateFormatVersion: "2010-09-09"\nResources:\n${roles}`;
    const expected = scanFiles([{ path: 'big.yaml', text: template }]).findings;
    expect(expected.length).toBeGreaterThan(100);
    const updates = Math.ceil(expected.length / 50) - 1;
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    nockFilePages(scope, [[changedFile('big.yaml')]]);
    nockBlobBatch(scope, { 'big.yaml': template }, []);
    nockCheckRuns(scope, writes, updates);

    await receive('reopened');

    expect(scope.isDone()).toBe(true);
    expect(harness.requests.unmatched).toEqual([]);
    expect(writes.map((w) => w.method)).toEqual(['POST', ...Array<string>(updates).fill('PATCH')]);
    expect(writes[0]!.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const batches = writes.map((w) => (w.body.output.annotations as Json[]).length);
    expect(batches.slice(0, -1).every((n) => n === 50)).toBe(true);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(expected.length);
    for (const update of writes.slice(1)) {
      expect(update.body.output.title).toBe(writes[0]!.body.output.title);
      expect(update.body.output.summary).toBe(writes[0]!.body.output.summary);
      expect(update.body.conclusion).toBeUndefined();
    }
    const fullAdminLines = writes
      .flatMap((w) => w.body.output.annotations as Json[])
      .filter((a) => String(a.title).startsWith('least-privilege/full-admin'))
      .map((a) => a.start_line as number)
      .sort((a, b) => a - b);
    expect(fullAdminLines).toEqual(Array.from({ length: 120 }, (_, i) => 3 + i * 17 + 15));
  });

  it('passes with "No infrastructure files changed" when no changed file is a candidate, reading only the removed YAML at the base', async () => {
    const writes: Recorded[] = [];
    const graphql: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    nockFilePages(scope, [[changedFile('README.md'), changedFile('src/index.ts'), changedFile('docs/setup.txt'), changedFile('gone.yaml', 'removed')]]);
    // A removed file's findings at the base would be fixed: it is read there (here it is not infrastructure).
    nockBlobBatch(scope, {}, graphql, { base: { 'gone.yaml': fixture('deployment.yaml') } });
    nockCheckRuns(scope, writes);

    await receive('ready_for_review');

    expect(scope.isDone()).toBe(true);
    expect(graphql.map(expressionsOf)).toEqual([[`${BASE_SHA}:gone.yaml`]]);
    expect(harness.requests.unmatched).toEqual([]);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.body).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'No infrastructure files changed' } });
  });

  it('passes with "No infrastructure files changed" when the YAML that changed is not infrastructure', async () => {
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    nockFilePages(scope, [[changedFile('k8s/deployment.yaml')]]);
    nockBlobBatch(scope, { 'k8s/deployment.yaml': fixture('deployment.yaml') }, []);
    nockCheckRuns(scope, writes);

    await receive('opened');

    expect(scope.isDone()).toBe(true);
    expect(writes[0]!.body).toMatchObject({ conclusion: 'success', output: { title: 'No infrastructure files changed' } });
  });

  it('passes with "No blocking findings" when the templates are clean', async () => {
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    nockFilePages(scope, [[changedFile('infra/scoped.yaml')]]);
    nockBlobBatch(scope, { 'infra/scoped.yaml': fixture('scoped-role.yaml') }, []);
    nockCheckRuns(scope, writes);

    await receive('opened');

    expect(writes[0]!.body).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(writes[0]!.body.output.title).toMatch(/^No blocking findings/);
  });

  it('annotates a file that does not parse and still checks the others', async () => {
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    nockFilePages(scope, [[changedFile('a/broken.yaml'), changedFile('b/admin-role.yaml')]]);
    nockBlobBatch(scope, { 'a/broken.yaml': fixture('broken.yaml'), 'b/admin-role.yaml': fixture('admin-role.yaml') }, []);
    nockCheckRuns(scope, writes);

    await receive('opened');

    const annotations = writes[0]!.body.output.annotations as Json[];
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'a/broken.yaml', start_line: 6, annotation_level: 'failure', title: expect.stringMatching(/^parse-error \(high\)/) }));
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'b/admin-role.yaml', start_line: 19, title: expect.stringMatching(/^least-privilege\/full-admin \(critical\)/) }));
    expect(writes[0]!.body.conclusion).toBe('failure');
  });

  it('reads a blob GitHub truncated in GraphQL through the REST blob API', async () => {
    const writes: Recorded[] = [];
    const text = fixture('admin-role.yaml');
    const scope = nock(API);
    nockInstallationToken(scope);
    nockFilePages(scope, [[changedFile('big/admin.yaml')]]);
    nockBlobBatch(scope, { 'big/admin.yaml': text }, [], { truncated: ['big/admin.yaml'] });
    // Asked for raw bytes: base64 inside JSON is larger, and octokit does not parse JSON bodies of many megabytes.
    scope
      .get(new RegExp(`${REPO_PATH}/git/blobs/[0-9a-f]{40}$`))
      .matchHeader('accept', /application\/vnd\.github\.(v3\.)?raw/)
      .reply(200, text, { 'content-type': 'application/vnd.github.raw' });
    nockCheckRuns(scope, writes);

    await receive('opened');

    expect(scope.isDone()).toBe(true);
    expect(writes[0]!.body.output.annotations).toContainEqual(expect.objectContaining({ path: 'big/admin.yaml', start_line: 19 }));
  });

  it('reports a file whose blob GitHub returns without content, and still checks the others', async () => {
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    nockFilePages(scope, [[changedFile('big/huge.yaml'), changedFile('b/admin-role.yaml')]]);
    nockBlobBatch(scope, { 'big/huge.yaml': 'x', 'b/admin-role.yaml': fixture('admin-role.yaml') }, [], { truncated: ['big/huge.yaml'] });
    scope.get(new RegExp(`${REPO_PATH}/git/blobs/[0-9a-f]{40}$`)).reply(200, { encoding: 'none', content: '' });
    nockCheckRuns(scope, writes);

    await receive('opened');

    expect(scope.isDone()).toBe(true);
    const annotations = writes[0]!.body.output.annotations as Json[];
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'big/huge.yaml', start_line: 1, annotation_level: 'failure', message: expect.stringContaining('could not be read from GitHub') }));
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'b/admin-role.yaml', start_line: 19 }));
    expect(writes[0]!.body.conclusion).toBe('failure');
  });

  it('completes the check run as failed, saying what happened, when GitHub answers 500 while contents are read', async () => {
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    nockFilePages(scope, [[changedFile('templates/admin-role.yaml')]]);
    scope.post('/graphql').reply(500, { message: 'Server Error' });
    nockCheckRuns(scope, writes);

    await receive('opened');

    expect(scope.isDone()).toBe(true);
    expect(harness.requests.unmatched).toEqual([]);
    expect(writes).toHaveLength(1);
    const body = writes[0]!.body;
    expect(body).toMatchObject({ name: 'trustgate', head_sha: HEAD_SHA, status: 'completed', conclusion: 'failure' });
    expect(body.output.title).toBe('trustgate could not finish: GitHub answered 500 to POST /graphql while reading the changed files');
    expect(body.output.summary).toContain('not known to be safe');
    expect(body.output.summary).toContain('Re-run');
  });

  it('fails closed when GitHub stops listing files at its 3,000-file limit', async () => {
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    nockFilePages(
      scope,
      Array.from({ length: 30 }, (_, page) => Array.from({ length: 100 }, (_, i) => changedFile(`docs/page-${page}-${i}.md`))),
    );
    nockCheckRuns(scope, writes);

    await receive('opened');

    expect(scope.isDone()).toBe(true);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.body).toMatchObject({ conclusion: 'failure', output: { title: 'The check is incomplete, so it cannot pass' } });
    expect(writes[0]!.body.output.summary).toContain('at most 3000 files');
  });
});

describe('GitHub reads per check', () => {
  /** Reads are GETs and GraphQL queries; the token exchange and GET /app (JWT) are the app's, not the check's. */
  function countReads(scope: nock.Scope): string[] {
    const reads: string[] = [];
    scope.on('request', (request: { method: string; path: string }) => {
      const path = request.path.split('?')[0]!;
      if (path === '/app' || path.startsWith('/app/')) return;
      if (request.method === 'GET' || path === '/graphql') reads.push(`${request.method} ${path}`);
    });
    return reads;
  }

  it.each([1, 20, 200])('stays within five reads for a pull request changing %i templates', async (count) => {
    const scope = nock(API);
    const reads = countReads(scope);
    const graphql: Recorded[] = [];
    const writes: Recorded[] = [];
    const paths = Array.from({ length: count }, (_, index) => `stacks/stack-${index}.yaml`);
    const contents = Object.fromEntries(paths.map((path) => [path, `AWSTemplateFormatVersion: "2010-09-09"\nResources:\n${adminRole('Role')}`]));
    const pages: Json[][] = [];
    for (let start = 0; start < count; start += 100) pages.push(paths.slice(start, start + 100).map((path) => changedFile(path)));
    nockFilePages(scope, pages);
    nockBlobBatch(scope, contents, graphql);
    nockCheckRuns(scope, writes, 10);
    nockInstallationToken(scope);

    await receive('opened');

    expect(harness.requests.unmatched).toEqual([]);
    expect(writes[0]!.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
    // Every template was read at the head and at the base, all in one GraphQL query.
    expect(graphql).toHaveLength(1);
    expect(expressionsOf(graphql[0]!)).toHaveLength(count * 2);
    // File pages, one configuration query (repository and owner fallback together), one blob query, the waiver comments.
    expect(reads.sort()).toEqual([
      ...pages.map(() => `GET ${FILES_PATH}`),
      'POST /graphql',
      'POST /graphql',
      `GET ${REPO_PATH}/issues/${PULL_NUMBER}/comments`,
    ].sort());
    expect(reads.length).toBeLessThanOrEqual(5);
  });
});

function adminRole(name: string): string {
  return [
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
    '        - PolicyName: all',
    '          PolicyDocument:',
    '            Version: "2012-10-17"',
    '            Statement:',
    '              - Effect: Allow',
    '                Action: "*"',
    '                Resource: "*"',
    '',
  ].join('\n');
}
