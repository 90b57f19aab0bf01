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

  const COMPARE_PATH = `${REPO_PATH}/compare/${BASE_SHA}...${HEAD_SHA}`;
  const TOPIC = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n';
  const ADMIN = `AWSTemplateFormatVersion: "2010-09-09"\nResources:\n${adminRole('Role')}`;

  /**
   * A pull request of exactly 250 changed files (three pages): 247 templates that gain an admin role, one
   * renamed from `old/renamed.yaml` (admin at both ends: existing), one added, one removed (admin at the
   * base: fixed). `comparison` is what GitHub's three-dot comparison answers, or `undefined` for none asked.
   */
  async function twoHundredFiftyFiles(comparison: (files: Json[]) => Json | undefined) {
    const scope = nock(API);
    const reads = countReads(scope);
    const graphql: Recorded[] = [];
    const writes: Recorded[] = [];
    const changed: Json[] = [];
    const head: Record<string, string> = {};
    const base: Record<string, string> = { 'old/renamed.yaml': ADMIN, 'gone/removed.yaml': ADMIN };
    for (let index = 0; index < 247; index++) {
      const path = `stacks/stack-${index}.yaml`;
      changed.push(changedFile(path));
      head[path] = ADMIN;
      base[path] = TOPIC;
    }
    changed.splice(10, 0, changedFile('stacks/renamed.yaml', 'renamed', 'old/renamed.yaml'));
    changed.splice(150, 0, changedFile('gone/removed.yaml', 'removed'));
    changed.push(changedFile('stacks/added.yaml', 'added'));
    head['stacks/renamed.yaml'] = ADMIN;
    head['stacks/added.yaml'] = ADMIN;
    expect(changed).toHaveLength(250);
    nockFilePages(scope, [changed.slice(0, 100), changed.slice(100, 200), changed.slice(200)]);
    const answer = comparison(changed);
    if (answer !== undefined) scope.get(COMPARE_PATH).query({ per_page: '1' }).reply(200, answer);
    nockBlobBatch(scope, head, graphql, { base });
    nockCheckRuns(scope, writes, 20);
    nockInstallationToken(scope);

    await receive('opened');

    expect(harness.requests.unmatched).toEqual([]);
    return { reads, graphql, writes };
  }

  /** GitHub's comparison of the pull request's base and head, as GitHub answers it (a commit a page, every file). */
  const comparisonOf = (files: Json[]) => ({ status: 'ahead', ahead_by: 3, total_commits: 3, commits: [{ sha: HEAD_SHA }], files });

  /** What a 250-file check must read and write, whichever way its files were listed. */
  function expectTheSameCheck({ graphql, writes }: { graphql: Recorded[]; writes: Recorded[] }): void {
    expect(graphql).toHaveLength(1);
    const expressions = expressionsOf(graphql[0]!);
    // 249 head versions (not the removed file) and 249 base versions: the renamed file under its old path, the removed one, not the added one.
    expect(expressions.filter((e) => e.startsWith(`${HEAD_SHA}:`))).toHaveLength(249);
    expect(expressions.filter((e) => e.startsWith(`${BASE_SHA}:`))).toHaveLength(249);
    expect(expressions).toContain(`${BASE_SHA}:old/renamed.yaml`);
    expect(expressions).toContain(`${BASE_SHA}:gone/removed.yaml`);
    expect(expressions).not.toContain(`${HEAD_SHA}:gone/removed.yaml`);
    expect(expressions).not.toContain(`${BASE_SHA}:stacks/added.yaml`);
    // The writes do not depend on how the files were listed: one create, then one update per further 50 annotations.
    const perFile = scanFiles([{ path: 'x.yaml', text: ADMIN }]).findings.length;
    const annotated = Math.min(perFile * 248, 500);
    expect(writes.map((w) => w.method)).toEqual(['POST', ...Array<string>(Math.ceil(annotated / 50) - 1).fill('PATCH')]);
    const body = writes[0]!.body;
    expect(body).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(body.output.title).toMatch(new RegExp(`^${perFile * 248} findings block this merge`));
    const annotations = writes.flatMap((w) => w.body.output.annotations as Json[]);
    expect(annotations).toHaveLength(annotated);
    // The renamed file's admin role was on the base under its old name: existing, not annotated; the removed file's is fixed.
    expect(annotations.map((a) => a.path)).not.toContain('stacks/renamed.yaml');
    expect(body.output.summary).toContain(`this pull request fixes ${perFile === 1 ? '1 finding' : `${perFile} findings`}`);
  }

  it('stays within five reads for a pull request of exactly 250 files: the first page, then their comparison instead of two more pages', async () => {
    const check = await twoHundredFiftyFiles(comparisonOf);
    // Page 1 of the files, the comparison, the configuration, one blob query (head and base), the waiver comments.
    expect(check.reads.sort()).toEqual([`GET ${FILES_PATH}`, `GET ${REPO_PATH}/compare/${BASE_SHA}...${HEAD_SHA}`, 'POST /graphql', 'POST /graphql', `GET ${REPO_PATH}/issues/${PULL_NUMBER}/comments`].sort());
    expect(check.reads.length).toBeLessThanOrEqual(5);
    expectTheSameCheck(check);
  });

  it.each([
    ['lists a file of the first page under another status', (files: Json[]) => comparisonOf(files.map((file) => (file.filename === 'stacks/stack-3.yaml' ? { ...file, status: 'added' } : file)))],
    ['does not list a renamed file of the first page with its previous path', (files: Json[]) => comparisonOf(files.map((file) => (file.status === 'renamed' ? { ...file, previous_filename: 'elsewhere.yaml' } : file)))],
    ['leaves out a file of the first page', (files: Json[]) => comparisonOf(files.filter((file) => file.filename !== 'stacks/stack-0.yaml'))],
    ['stops at its 300-file limit', (files: Json[]) => comparisonOf([...files, ...Array.from({ length: 50 }, (_, i) => changedFile(`extra/${i}.yaml`))])],
    ['gives no file list', () => ({ status: 'ahead', ahead_by: 3, total_commits: 3, commits: [] })],
  ])('reads the pages when the comparison %s', async (_, comparison) => {
    const check = await twoHundredFiftyFiles(comparison);
    expect(check.reads.filter((read) => read === `GET ${FILES_PATH}`)).toHaveLength(3);
    expectTheSameCheck(check);
  });

  it('reads the pages when the comparison fails', async () => {
    const scope = nock(API);
    scope.get(`${REPO_PATH}/compare/${BASE_SHA}...${HEAD_SHA}`).query({ per_page: '1' }).reply(500, { message: 'Server Error' });
    const check = await twoHundredFiftyFiles(() => undefined);
    expect(check.reads.filter((read) => read === `GET ${FILES_PATH}`)).toHaveLength(3);
    expectTheSameCheck(check);
  });

  it('does not ask for the comparison when the list has two pages or more than three', async () => {
    for (const count of [200, 301]) {
      nock.cleanAll();
      const scope = nock(API);
      const reads = countReads(scope);
      const paths = Array.from({ length: count }, (_, index) => `docs/page-${index}.md`);
      const pages: Json[][] = [];
      for (let start = 0; start < count; start += 100) pages.push(paths.slice(start, start + 100).map((path) => changedFile(path)));
      nockFilePages(scope, pages);
      const writes: Recorded[] = [];
      nockCheckRuns(scope, writes);
      nockInstallationToken(scope);
      await harness.probot.receive({ id: `delivery-${count}`, name: 'pull_request', payload: { ...pullRequestPayload('opened'), number: count } } as never);
      expect(harness.requests.unmatched).toEqual([]);
      expect(reads.filter((read) => read.includes('/compare/'))).toEqual([]);
      expect(reads.filter((read) => read === `GET ${FILES_PATH}`)).toHaveLength(pages.length);
      expect(writes).toHaveLength(1);
    }
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
