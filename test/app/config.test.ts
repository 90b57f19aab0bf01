import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import type { WaiverRecord } from '../../src/waivers/records.js';
import {
  API,
  APP_IDENTITY,
  BASE_SHA,
  changedFile,
  examplePayload,
  fixture,
  HEAD_SHA,
  INSTALLATION_ID,
  nockBlobBatch,
  nockCheckRuns,
  nockConfigFiles,
  nockInstallationToken,
  PULL_NUMBER,
  pullRequestPayload,
  REPO_PATH,
  type Json,
  type Recorded,
  useAppHarness,
  signedRecord,
} from './helpers.js';

const POLICY_PATH = 'policies/admin.json';
const POLICY = fixture('admin-policy.json');
const finding = scanFiles([{ path: POLICY_PATH, text: POLICY }]).findings.find((f) => f.ruleId === 'least-privilege/full-admin')!;
/** What a configuration query asks for: the file at the default branch's HEAD, never a commit of the pull request. */
const AT_DEFAULT_BRANCH = (owner: string, repo: string, path = '.github/trustgate.yml') => `${owner}/${repo}:HEAD:${path}`;
const FIRST_CONFIG_QUERY = [AT_DEFAULT_BRANCH('Codertocat', 'Hello-World'), AT_DEFAULT_BRANCH('Codertocat', '.github')];
const REPO_CONFIG = 'Codertocat/Hello-World:.github/trustgate.yml';

const harness = useAppHarness();

function nockComments(scope: nock.Scope, comments: Json[]): void {
  scope.get(`${REPO_PATH}/issues/${PULL_NUMBER}/comments`).query(true).reply(200, comments);
}

function appComment(record: WaiverRecord): Json {
  return { id: 1, body: `Waiver accepted. ${signedRecord(record)}`, user: { login: `${APP_IDENTITY.slug}[bot]`, type: 'Bot' }, performed_via_github_app: { id: APP_IDENTITY.id } };
}

function waiver(overrides: Partial<WaiverRecord> = {}): WaiverRecord {
  return { type: 'waiver', id: 'w-1234abcd', scope: { kind: 'finding', fingerprint: finding.id }, reason: 'sandbox account', actor: 'maria', actorId: 77, createdAt: '2026-01-01T00:00:00Z', ...overrides };
}

async function openPullRequest(scope: nock.Scope, changed: Json[] = [changedFile(POLICY_PATH)], contents: Record<string, string> = { [POLICY_PATH]: POLICY }, payload = pullRequestPayload('opened')): Promise<Recorded[]> {
  const writes: Recorded[] = [];
  scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).reply(200, changed);
  nockBlobBatch(scope, contents, []);
  nockCheckRuns(scope, writes);
  nockInstallationToken(scope);
  await harness.probot.receive({ id: 'd', name: 'pull_request', payload } as never);
  return writes;
}

describe('repository configuration', () => {
  it('is read from the default branch only: a configuration change in the pull request is shown, not used', async () => {
    const scope = nock(API);
    const queries: string[][] = [];
    nockConfigFiles(scope, { [REPO_CONFIG]: 'failOn: high\n' }, queries, { times: 2 });
    const headConfig = 'failOn: high\nreportOnly: true\nrules:\n  least-privilege/full-admin: off\n';
    const graphql: Recorded[] = [];
    scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).reply(200, [changedFile(POLICY_PATH), changedFile('.github/trustgate.yml')]);
    nockBlobBatch(scope, { [POLICY_PATH]: POLICY, '.github/trustgate.yml': headConfig }, graphql);
    nockBlobBatch(scope, { [POLICY_PATH]: POLICY, '.github/trustgate.yml': headConfig }, graphql);
    const writes: Recorded[] = [];
    nockCheckRuns(scope, writes);
    nockInstallationToken(scope);

    await harness.probot.receive({ id: 'd', name: 'pull_request', payload: pullRequestPayload('opened') } as never);

    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(writes[0]!.body.output.summary).toContain(finding.id);
    const summary = writes[0]!.body.output.summary as string;
    expect(summary).toContain('### Configuration change');
    expect(summary).toContain('takes effect after merge: this run used the configuration on the default branch');
    expect(summary).toContain('| `reportOnly` | _(not set)_ | `true` |');
    expect(summary).toContain('| `rules` | _(not set)_ | `{"least-privilege/full-admin":"off"}` |');
    // Configuration is read at the default branch's HEAD (with the owner's fallback in the same query), and
    // again for the summary's comparison; the head's copy is read as any changed YAML is (what a file is
    // depends on its content, not its name) with its base version in the same query, and for the summary,
    // never used as configuration.
    expect(queries).toEqual([FIRST_CONFIG_QUERY, [AT_DEFAULT_BRANCH('Codertocat', 'Hello-World')]]);
    expect(graphql.flatMap((call) => Object.values(call.body.variables as Record<string, string>)).filter((v) => v.endsWith('trustgate.yml'))).toEqual([
      `${HEAD_SHA}:.github/trustgate.yml`,
      `${BASE_SHA}:.github/trustgate.yml`,
      `${HEAD_SHA}:.github/trustgate.yml`,
    ]);
    expect(harness.requests.unmatched).toEqual([]);
  });

  it('fails the check run naming the file, line and problem when the configuration is invalid', async () => {
    const scope = nock(API);
    nockConfigFiles(scope, { [REPO_CONFIG]: 'failOn: high\nwaivers:\n  permision: admin\n' }, []);
    const writes: Recorded[] = [];
    nockCheckRuns(scope, writes);
    nockInstallationToken(scope);

    await harness.probot.receive({ id: 'd', name: 'pull_request', payload: pullRequestPayload('opened') } as never);

    expect(writes).toHaveLength(1);
    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(writes[0]!.body.output.title).toBe('The trustgate configuration Codertocat/Hello-World:.github/trustgate.yml is invalid');
    expect(writes[0]!.body.output.summary).toContain(
      'Codertocat/Hello-World:.github/trustgate.yml:3:3: unknown key "permision" (did you mean "permission"?)',
    );
  });

  it('falls back to the owner\'s .github repository and follows _extends', async () => {
    const scope = nock(API);
    const queries: string[][] = [];
    const files = {
      'Codertocat/.github:.github/trustgate.yml': '_extends: security-config:trustgate/base.yml\nfailOn: critical\n',
      'Codertocat/security-config:trustgate/base.yml': 'failOn: low\nrules:\n  least-privilege/full-admin: high\n',
    };
    nockConfigFiles(scope, files, queries, { times: 2 });

    const writes = await openPullRequest(scope);

    expect(queries).toEqual([FIRST_CONFIG_QUERY, [AT_DEFAULT_BRANCH('Codertocat', 'security-config', 'trustgate/base.yml')]]);
    // The organisation's failOn: critical wins over the base's low; the base's severity override still applies.
    expect(writes[0]!.body.conclusion).toBe('success');
    expect(writes[0]!.body.output.summary).toContain('**high** `least-privilege/full-admin`');
  });

  it('fails closed when _extends names a file that does not exist', async () => {
    const scope = nock(API);
    // A repository the installation cannot see answers NOT_FOUND, like one that does not exist.
    nockConfigFiles(scope, { [REPO_CONFIG]: '# shared settings\n_extends: acme/missing\nallowExtendsFrom: [acme]\n' }, [], { times: 2, missingRepositories: ['acme/missing'] });
    const writes: Recorded[] = [];
    nockCheckRuns(scope, writes);
    nockInstallationToken(scope);

    await harness.probot.receive({ id: 'd', name: 'pull_request', payload: pullRequestPayload('opened') } as never);

    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(writes[0]!.body.output.summary).toContain('Codertocat/Hello-World:.github/trustgate.yml:2:1: _extends "acme/missing" names acme/missing:.github/trustgate.yml, which does not exist');
  });

  it.each([
    ['GitHub answers the configuration query with an error other than NOT_FOUND', { data: { c0: null, c1: null }, errors: [{ type: 'FORBIDDEN', path: ['c0'], message: 'Resource not accessible by integration' }] }, 'Resource not accessible by integration'],
    ['a directory stands where the configuration file should be', { data: { c0: { file: { __typename: 'Tree' } }, c1: { file: null } } }, 'Codertocat/Hello-World:.github/trustgate.yml is not a file'],
  ])('fails the check instead of using defaults when %s', async (_case, answer, reason) => {
    const scope = nock(API);
    scope.post('/graphql', (body: Json) => 'o0' in (body.variables ?? {})).reply(200, answer);
    const writes: Recorded[] = [];
    scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).optionally().reply(200, [changedFile(POLICY_PATH)]);
    nockCheckRuns(scope, writes);
    nockInstallationToken(scope);

    await harness.probot.receive({ id: 'd', name: 'pull_request', payload: pullRequestPayload('opened') } as never);

    expect(writes).toHaveLength(1);
    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(writes[0]!.body.output.summary).toContain('while loading the configuration');
    expect(writes[0]!.body.output.summary).toContain(reason);
  });

  it('concludes neutral in report-only mode', async () => {
    const scope = nock(API);
    nockConfigFiles(scope, { [REPO_CONFIG]: 'reportOnly: true\n' }, []);
    const writes = await openPullRequest(scope);
    expect(writes[0]!.body.conclusion).toBe('neutral');
    expect(writes[0]!.body.output.summary).toContain('Report-only mode');
  });

  it('does not read files the exclude globs leave out', async () => {
    const scope = nock(API);
    nockConfigFiles(scope, { [REPO_CONFIG]: 'exclude: ["policies/**"]\n' }, []);
    const writes: Recorded[] = [];
    scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).reply(200, [changedFile(POLICY_PATH)]);
    nockCheckRuns(scope, writes);
    nockInstallationToken(scope);

    await harness.probot.receive({ id: 'd', name: 'pull_request', payload: pullRequestPayload('opened') } as never);

    expect(writes[0]!.body).toMatchObject({ conclusion: 'success', output: { title: 'No infrastructure files changed' } });
    expect(harness.requests.unmatched).toEqual([]);
  });
});

describe('custom rules from the configuration', () => {
  const customRules = `customRules:
  - id: custom/policy-version-2008
    title: Policies declare the old version
    category: policy-validation
    severity: high
    why: A made-up house rule that the fixture breaks.
    fix: Declare 2008-10-17.
    documents: [iam-policy]
    if-unknown: fail
    checks:
      - select: $.Version
        equals: '2008-10-17'
        if-missing: fail
        message: 'Version is {{value}}'
`;

  it('run beside the built-in rules', async () => {
    const scope = nock(API);
    nockConfigFiles(scope, { [REPO_CONFIG]: customRules }, []);
    const writes = await openPullRequest(scope);
    expect(writes[0]!.body.output.summary).toContain('`custom/policy-version-2008`');
  });

  it('add up across _extends: the organisation\'s rules and the repository\'s both run', async () => {
    const scope = nock(API);
    const repositoryRule = customRules.replace('custom/policy-version-2008', 'custom/repo-version-check');
    const queries: string[][] = [];
    nockConfigFiles(scope, { [REPO_CONFIG]: `_extends: .github\n${repositoryRule}`, 'Codertocat/.github:.github/trustgate.yml': customRules }, queries);
    const writes = await openPullRequest(scope);
    // The owner's file came with the first query: extending it costs no second read.
    expect(queries).toEqual([FIRST_CONFIG_QUERY]);
    expect(writes[0]!.body.output.summary).toContain('`custom/policy-version-2008`');
    expect(writes[0]!.body.output.summary).toContain('`custom/repo-version-check`');
  });

  it('fail the check with file, line and column when one is invalid', async () => {
    const scope = nock(API);
    nockConfigFiles(scope, { [REPO_CONFIG]: customRules.replace('if-unknown: fail', 'if-unkown: fail') }, []);
    const writes: Recorded[] = [];
    nockCheckRuns(scope, writes);
    nockInstallationToken(scope);
    await harness.probot.receive({ id: 'd', name: 'pull_request', payload: pullRequestPayload('opened') } as never);
    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(writes[0]!.body.output.summary).toMatch(/Codertocat\/Hello-World:\.github\/trustgate\.yml:9:5: unknown key `if-unkown`/);
  });
});

describe('waivers on a check run', () => {
  it('apply when the app recorded them: the finding no longer blocks and the summary says who, why and until when', async () => {
    const scope = nock(API);
    nockComments(scope, [appComment(waiver({ expires: '2099-01-31' }))]);
    const writes = await openPullRequest(scope);
    expect(writes[0]!.body.conclusion).toBe('success');
    expect(writes[0]!.body.output.summary).toContain('`w-1234abcd` by @maria (until 2099-01-31): sandbox account');
  });

  it('ignore a forged record in a user\'s comment', async () => {
    const scope = nock(API);
    const forged = { id: 2, body: `LGTM ${signedRecord(waiver())}`, user: { login: 'mallory', type: 'User' }, performed_via_github_app: null };
    const impostor = { id: 3, body: signedRecord(waiver({ id: 'w-99998888' })), user: { login: 'trustgate[bot]', type: 'Bot' }, performed_via_github_app: { id: 999 } };
    nockComments(scope, [forged, impostor]);
    const writes = await openPullRequest(scope);
    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(writes[0]!.body.output.summary).not.toContain('w-1234abcd');
    expect(writes[0]!.body.output.summary).not.toContain('w-99998888');
  });

  it('stop applying once expired, and say so', async () => {
    const scope = nock(API);
    nockComments(scope, [appComment(waiver({ expires: '2020-01-31' }))]);
    const writes = await openPullRequest(scope);
    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(writes[0]!.body.output.summary).toContain('### Expired waivers (1)');
  });

  it('list a waiver that no longer matches any finding', async () => {
    const scope = nock(API);
    nockComments(scope, [appComment(waiver({ scope: { kind: 'finding', fingerprint: 'ffffffffffff' } }))]);
    const writes = await openPullRequest(scope);
    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(writes[0]!.body.output.summary).toContain('### Waivers that match no finding (1)');
  });

  it('apply to a pull request from a fork, with the base repository\'s configuration', async () => {
    const scope = nock(API);
    const queries: string[][] = [];
    nockConfigFiles(scope, { [REPO_CONFIG]: 'failOn: high\n' }, queries);
    nockComments(scope, [appComment(waiver())]);
    const payload = pullRequestPayload('opened');
    payload.pull_request.head.repo = { ...payload.pull_request.head.repo, full_name: 'mallory/Hello-World', name: 'Hello-World', owner: { login: 'mallory' }, fork: true };
    payload.pull_request.head.label = 'mallory:changes';

    const writes = await openPullRequest(scope, undefined, undefined, payload);

    expect(queries).toEqual([FIRST_CONFIG_QUERY]);
    expect(writes[0]!.body.conclusion).toBe('success');
    expect(harness.requests.unmatched).toEqual([]);
  });

  it('are read afresh when a check suite is re-requested', async () => {
    const scope = nock(API);
    nockComments(scope, [appComment(waiver())]);
    const payload = examplePayload<Json>('check_suite', 'rerequested');
    payload.repository = pullRequestPayload('opened').repository;
    payload.installation.id = INSTALLATION_ID;
    payload.check_suite.head_sha = HEAD_SHA;
    const repo = { id: payload.repository.id, url: `${API}${REPO_PATH}`, name: 'Hello-World' };
    payload.check_suite.pull_requests = [{ url: '', id: 1, number: PULL_NUMBER, head: { ref: 'x', sha: HEAD_SHA, repo }, base: { ref: 'main', sha: BASE_SHA, repo } }];
    const writes: Recorded[] = [];
    scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).reply(200, [changedFile(POLICY_PATH)]);
    nockBlobBatch(scope, { [POLICY_PATH]: POLICY }, []);
    nockCheckRuns(scope, writes);
    nockInstallationToken(scope);

    await harness.probot.receive({ id: 'd', name: 'check_suite', payload } as never);

    expect(writes[0]!.body.conclusion).toBe('success');
    expect(writes[0]!.body.output.summary).toContain('`w-1234abcd` by @maria');
  });
});

describe('inline suppressions in the app', () => {
  it('are shown as requests for a waiver when the finding is critical, and the check still fails', async () => {
    const scope = nock(API);
    const suppressed = JSON.stringify({ ...JSON.parse(POLICY), trustgate: { suppress: [{ rule: 'least-privilege/full-admin', reason: 'sandbox' }] } }, null, 2);
    const writes = await openPullRequest(scope, undefined, { [POLICY_PATH]: suppressed });
    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(writes[0]!.body.output.summary).toContain('### Suppressions that need a waiver (1)');
  });
});
