import nock from 'nock';
import { describe, expect, it } from 'vitest';
import {
  API,
  BASE_SHA,
  changedFile,
  CHECK_RUN_ID,
  examplePayload,
  fixture,
  HEAD_SHA,
  INSTALLATION_ID,
  nockBlobBatch,
  nockCheckRuns,
  nockInstallationToken,
  PULL_NUMBER,
  REPO_PATH,
  type Json,
  type Recorded,
  useAppHarness,
} from './helpers.js';

const harness = useAppHarness();

/** The Codertocat/Hello-World repository of the pull_request examples, so every event shares one nock setup. */
function helloWorld(): Json {
  return examplePayload<Json>('pull_request', 'opened').repository;
}

function checkRunPayload(name: string, pullRequests: Json[]): Json {
  const payload = examplePayload<Json>('check_run', 'rerequested');
  payload.repository = helloWorld();
  payload.installation.id = INSTALLATION_ID;
  payload.check_run.name = name;
  payload.check_run.head_sha = HEAD_SHA;
  payload.check_run.pull_requests = pullRequests;
  payload.check_run.id = CHECK_RUN_ID;
  return payload;
}

/** A re-run updates the run it was asked on (the payload's id) instead of adding a second run. */
function nockRerunUpdate(scope: nock.Scope, recorded: Recorded[]): nock.Scope {
  return scope.patch(`${REPO_PATH}/check-runs/${CHECK_RUN_ID}`).reply(200, (_uri, body) => {
    recorded.push({ method: 'PATCH', path: `${REPO_PATH}/check-runs/${CHECK_RUN_ID}`, body: body as Json });
    return { id: CHECK_RUN_ID };
  });
}

function payloadPull(headSha: string): Json {
  const repo = { id: helloWorld().id, url: `${API}${REPO_PATH}`, name: 'Hello-World' };
  return { url: `${API}${REPO_PATH}/pulls/${PULL_NUMBER}`, id: 1, number: PULL_NUMBER, head: { ref: 'changes', sha: headSha, repo }, base: { ref: 'main', sha: BASE_SHA, repo } };
}

function nockPullFiles(scope: nock.Scope): void {
  scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query({ per_page: '100' }).reply(200, [changedFile('iam/admin.json')]);
  nockBlobBatch(scope, { 'iam/admin.json': fixture('admin-policy.json') }, []);
}

describe('check_run rerequested', () => {
  it('re-runs the check of the pull request the run belongs to', async () => {
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    nockPullFiles(scope);
    nockRerunUpdate(scope, writes);

    await harness.probot.receive({ id: '1', name: 'check_run', payload: checkRunPayload('trustgate', [payloadPull(HEAD_SHA)]) } as never);

    expect(scope.isDone()).toBe(true);
    expect(harness.requests.unmatched).toEqual([]);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.method).toBe('PATCH');
    expect(writes[0]!.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(writes[0]!.body.output.annotations).toContainEqual(expect.objectContaining({ path: 'iam/admin.json', start_line: 6, annotation_level: 'failure' }));
  });

  it('finds the pull request through GitHub when the payload lists none (pull requests from forks)', async () => {
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    scope
      .get(`${REPO_PATH}/commits/${HEAD_SHA}/pulls`)
      .query({ per_page: '100' })
      .reply(200, [
        { number: 99, state: 'closed', head: { sha: HEAD_SHA }, base: { sha: BASE_SHA } },
        { number: PULL_NUMBER, state: 'open', head: { sha: HEAD_SHA }, base: { sha: BASE_SHA } },
      ]);
    nockPullFiles(scope);
    nockRerunUpdate(scope, writes);

    await harness.probot.receive({ id: '1', name: 'check_run', payload: checkRunPayload('trustgate', []) } as never);

    expect(scope.isDone()).toBe(true);
    expect(writes[0]!.body).toMatchObject({ conclusion: 'failure' });
  });

  it('completes as neutral when the commit heads no open pull request', async () => {
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    scope.get(`${REPO_PATH}/commits/${HEAD_SHA}/pulls`).query({ per_page: '100' }).reply(200, []);
    nockRerunUpdate(scope, writes);

    await harness.probot.receive({ id: '1', name: 'check_run', payload: checkRunPayload('trustgate', []) } as never);

    expect(scope.isDone()).toBe(true);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.body).toMatchObject({ status: 'completed', conclusion: 'neutral', output: { title: 'No open pull request for this commit' } });
  });

  it('ignores re-run requests for check runs of another name', async () => {
    await harness.probot.receive({ id: '1', name: 'check_run', payload: checkRunPayload('lint', [payloadPull(HEAD_SHA)]) } as never);

    expect(harness.requests.unmatched).toEqual([]);
  });
});

describe('check_suite rerequested', () => {
  it('checks the pull request at the head of the suite', async () => {
    const payload = examplePayload<Json>('check_suite', 'rerequested');
    payload.installation.id = INSTALLATION_ID;
    payload.check_suite.head_sha = HEAD_SHA;
    payload.check_suite.pull_requests = [payloadPull(HEAD_SHA)];
    payload.repository = helloWorld();
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    nockPullFiles(scope);
    nockCheckRuns(scope, writes);

    await harness.probot.receive({ id: '1', name: 'check_suite', payload } as never);

    expect(scope.isDone()).toBe(true);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.body).toMatchObject({ name: 'trustgate', head_sha: HEAD_SHA, conclusion: 'failure' });
  });

  it('compares from the pull request base when the pull request has moved past the suite commit', async () => {
    const payload = examplePayload<Json>('check_suite', 'rerequested');
    payload.installation.id = INSTALLATION_ID;
    payload.check_suite.head_sha = HEAD_SHA;
    payload.check_suite.pull_requests = [payloadPull('1111111111111111111111111111111111111111')];
    payload.repository = helloWorld();
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    scope.get(`${REPO_PATH}/compare/${BASE_SHA}...${HEAD_SHA}`).reply(200, { files: [changedFile('iam/admin.json')] });
    nockBlobBatch(scope, { 'iam/admin.json': fixture('admin-policy.json') }, []);
    nockCheckRuns(scope, writes);

    await harness.probot.receive({ id: '1', name: 'check_suite', payload } as never);

    expect(scope.isDone()).toBe(true);
    expect(writes[0]!.body).toMatchObject({ head_sha: HEAD_SHA, conclusion: 'failure' });
  });
});

describe('merge_group checks_requested', () => {
  it('checks the files between the queue base and the group head and reports on the group head', async () => {
    const payload = examplePayload<Json>('merge_group', 'checks_requested');
    const { base_sha: base, head_sha: head } = payload.merge_group as { base_sha: string; head_sha: string };
    const repoPath = `/repos/${payload.repository.owner.login}/${payload.repository.name}`;
    const graphql: Recorded[] = [];
    const writes: Json[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    scope.get(`${repoPath}/compare/${base}...${head}`).reply(200, {
      files: [changedFile('stacks/admin.yaml', 'added'), changedFile('stacks/gone.yaml', 'removed')],
    });
    nockBlobBatch(scope, { 'stacks/admin.yaml': fixture('admin-role.yaml') }, graphql);
    scope.post(`${repoPath}/check-runs`).reply(201, (_uri, body) => {
      writes.push(body as Json);
      return { id: 7 };
    });

    await harness.probot.receive({ id: '1', name: 'merge_group', payload } as never);

    expect(scope.isDone()).toBe(true);
    expect(harness.requests.unmatched).toEqual([]);
    expect(graphql[0]!.body.variables).toMatchObject({ e0: `${head}:stacks/admin.yaml` });
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ name: 'trustgate', head_sha: head, status: 'completed', conclusion: 'failure' });
    expect(writes[0]!.output.annotations).toContainEqual(expect.objectContaining({ path: 'stacks/admin.yaml', start_line: 19 }));
  });

  it('does not pass a group whose comparison GitHub answers without a file list: the check fails, saying so', async () => {
    const payload = examplePayload<Json>('merge_group', 'checks_requested');
    // A queue branch that names no pull request: there is no list to fall back to.
    payload.merge_group.head_ref = 'refs/heads/gh-readonly-queue/main/no-pull-number';
    const { base_sha: base, head_sha: head } = payload.merge_group as { base_sha: string; head_sha: string };
    const repoPath = `/repos/${payload.repository.owner.login}/${payload.repository.name}`;
    const writes: Json[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    scope.get(`${repoPath}/compare/${base}...${head}`).reply(200, { status: 'ahead', ahead_by: 2, total_commits: 2, commits: [] });
    scope.post(`${repoPath}/check-runs`).reply(201, (_uri, body) => {
      writes.push(body as Json);
      return { id: 7 };
    });

    await harness.probot.receive({ id: '1', name: 'merge_group', payload } as never);

    expect(scope.isDone()).toBe(true);
    expect(harness.requests.unmatched).toEqual([]);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ head_sha: head, status: 'completed', conclusion: 'failure' });
    expect(writes[0]!.output.summary).toContain('GitHub gave no list of the changed files of this comparison');
  });
});
