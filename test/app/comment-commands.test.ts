import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import { atLeast } from '../../src/findings/severity.js';
import { parseRecords, type WaiverRecord } from '../../src/waivers/records.js';
import {
  API,
  APP_IDENTITY,
  changedFile,
  examplePayload,
  fixture,
  HEAD_SHA,
  INSTALLATION_ID,
  nockBlobBatch,
  nockConfigFiles,
  nockCheckRuns,
  nockInstallationToken,
  PULL_NUMBER,
  REPO_PATH,
  type Json,
  type Recorded,
  useAppHarness,
  signedRecord,
} from './helpers.js';

const COMMENT_ID = 9001;
const POLICY_PATH = 'policies/admin.json';
const files = { [POLICY_PATH]: fixture('admin-policy.json') };
const blockingIds = scanFiles([{ path: POLICY_PATH, text: files[POLICY_PATH]! }])
  .findings.filter((f) => atLeast(f.severity, 'high'))
  .map((f) => f.id);

const harness = useAppHarness();

function commentPayload(body: string, options: { login?: string; type?: string; action?: 'created' | 'edited'; onIssue?: boolean } = {}): Json {
  const payload = examplePayload<Json>('issue_comment', 'created');
  if (options.action === 'edited') {
    payload.action = 'edited';
    payload.changes = { body: { from: 'looks good' } };
  }
  payload.installation.id = INSTALLATION_ID;
  payload.issue.number = PULL_NUMBER;
  if (options.onIssue !== true) payload.issue.pull_request = { url: `${API}${REPO_PATH}/pulls/${PULL_NUMBER}`, html_url: `https://github.com/Codertocat/Hello-World/pull/${PULL_NUMBER}` };
  const user = { ...payload.comment.user, login: options.login ?? 'maria', id: 77, type: options.type ?? 'User' };
  payload.comment = { ...payload.comment, id: COMMENT_ID, body, user, html_url: `https://github.com/Codertocat/Hello-World/pull/2#issuecomment-${COMMENT_ID}`, performed_via_github_app: null };
  payload.sender = { ...payload.sender, login: user.login, id: user.id, type: user.type };
  return payload;
}

async function receive(payload: Json): Promise<void> {
  await harness.probot.receive({ id: 'delivery-c', name: 'issue_comment', payload } as never);
}

/** The pull request's conversation: GitHub lists what the app posts, so a re-run reads its own records. */
function nockThread(scope: nock.Scope, thread: Json[], posted: Recorded[]): void {
  scope
    .get(`${REPO_PATH}/issues/${PULL_NUMBER}/comments`)
    .query(true)
    .reply(200, () => thread)
    .persist();
  scope
    .post(`${REPO_PATH}/issues/${PULL_NUMBER}/comments`)
    .reply(201, (_uri, body) => {
      const comment = { id: 5000 + posted.length, body: (body as Json).body, user: { login: `${APP_IDENTITY.slug}[bot]`, type: 'Bot' }, performed_via_github_app: { id: APP_IDENTITY.id, slug: APP_IDENTITY.slug } };
      posted.push({ method: 'POST', path: 'comment', body: body as Json });
      thread.push(comment);
      return comment;
    })
    .persist();
}

function nockReaction(scope: nock.Scope, reactions: string[]): void {
  scope.post(`${REPO_PATH}/issues/comments/${COMMENT_ID}/reactions`).reply(201, (_uri, body) => {
    reactions.push((body as Json).content);
    return { id: 1, content: (body as Json).content };
  });
}

function nockPull(scope: nock.Scope, author = 'Codertocat', committers: string[] = ['Codertocat']): void {
  scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}`).reply(200, { number: PULL_NUMBER, user: { login: author }, head: { sha: HEAD_SHA } }).persist();
  scope
    .get(`${REPO_PATH}/pulls/${PULL_NUMBER}/commits`)
    .query(true)
    .reply(200, committers.map((login, index) => ({ sha: `c${index}`, author: { login }, committer: { login: 'web-flow' } })))
    .persist();
}

function nockPermission(scope: nock.Scope, login: string, permission: string | 404): void {
  const path = `${REPO_PATH}/collaborators/${login}/permission`;
  if (permission === 404) scope.get(path).reply(404, { message: 'Not Found' });
  else scope.get(path).reply(200, { permission: permission === 'maintain' ? 'write' : permission, role_name: permission, user: { login } });
}

/** The re-run a waiver triggers: the same pipeline as a pull_request event. */
function nockCheck(scope: nock.Scope, writes: Recorded[]): void {
  scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).reply(200, [changedFile(POLICY_PATH)]);
  nockBlobBatch(scope, files, []);
  nockCheckRuns(scope, writes);
}

function repliesOf(posted: Recorded[]): string[] {
  return posted.map((p) => p.body.body as string);
}

describe('/trustgate waive', () => {
  it('records a maintainer\'s waivers in the app\'s reply, reacts, and re-runs the check at once so it passes', async () => {
    const scope = nock(API);
    const thread: Json[] = [];
    const posted: Recorded[] = [];
    const reactions: string[] = [];
    const writes: Recorded[] = [];
    nockThread(scope, thread, posted);
    nockReaction(scope, reactions);
    nockPull(scope);
    nockPermission(scope, 'maria', 'maintain');
    nockCheck(scope, writes);
    nockInstallationToken(scope);

    const body = ['Reviewed with security:', ...blockingIds.map((id) => `/trustgate waive ${id} --reason "sandbox account, SEC-42" --expires 2099-12-31`)].join('\n');
    await receive(commentPayload(body));

    expect(reactions).toEqual(['+1']);
    expect(posted).toHaveLength(1);
    const reply = repliesOf(posted)[0]!;
    expect(reply).toContain('@maria');
    expect(reply).toContain('accepted for finding');
    const records = parseRecords(reply) as WaiverRecord[];
    expect(records.map((r) => [r.type, r.scope, r.actor, r.reason, r.expires])).toEqual(
      blockingIds.map((id) => ['waiver', { kind: 'finding', fingerprint: id }, 'maria', 'sandbox account, SEC-42', '2099-12-31']),
    );
    expect(writes).toHaveLength(1);
    expect(writes[0]!.body.conclusion).toBe('success');
    expect(writes[0]!.body.output.summary).toContain(`${records[0]!.id}\` by @maria (until 2099-12-31): sandbox account, SEC-42`);
    expect(harness.requests.unmatched).toEqual([]);
  });

  it('denies a non-collaborator, says why, and changes nothing', async () => {
    const scope = nock(API);
    const posted: Recorded[] = [];
    const reactions: string[] = [];
    nockThread(scope, [], posted);
    nockReaction(scope, reactions);
    nockPull(scope);
    nockPermission(scope, 'stranger', 404);
    nockInstallationToken(scope);

    await receive(commentPayload(`/trustgate waive ${blockingIds[0]} --reason "trust me"`, { login: 'stranger' }));

    expect(reactions).toEqual(['-1']);
    expect(repliesOf(posted)).toEqual([expect.stringContaining('denied.** Waiving needs maintain permission on this repository, and @stranger is not a collaborator on this repository. Nothing was changed.')]);
    expect(parseRecords(repliesOf(posted)[0]!)).toEqual([]);
    expect(harness.requests.unmatched).toEqual([]);
  });

  it('denies a read-only user', async () => {
    const scope = nock(API);
    const posted: Recorded[] = [];
    const reactions: string[] = [];
    nockThread(scope, [], posted);
    nockReaction(scope, reactions);
    nockPull(scope);
    nockPermission(scope, 'reader', 'read');
    nockInstallationToken(scope);

    await receive(commentPayload(`/trustgate waive least-privilege/full-admin --reason "fine"`, { login: 'reader' }));

    expect(reactions).toEqual(['-1']);
    expect(repliesOf(posted)[0]).toContain('@reader has read permission');
    expect(parseRecords(repliesOf(posted)[0]!)).toEqual([]);
  });

  it('denies the author waiving their own finding, even as an admin, without asking for permissions', async () => {
    const scope = nock(API);
    const posted: Recorded[] = [];
    const reactions: string[] = [];
    nockThread(scope, [], posted);
    nockReaction(scope, reactions);
    nockPull(scope, 'Codertocat');
    const permission = scope.get(`${REPO_PATH}/collaborators/Codertocat/permission`).optionally().reply(200, { permission: 'admin', role_name: 'admin' });
    nockInstallationToken(scope);

    await receive(commentPayload(`/trustgate waive ${blockingIds[0]} --reason "my own change is fine"`, { login: 'Codertocat' }));

    expect(reactions).toEqual(['-1']);
    expect(repliesOf(posted)[0]).toContain('@Codertocat opened this pull request, and its findings must be waived by someone else');
    expect(permission.isDone()).toBe(false);
  });

  it('denies a maintainer who committed to the pull request', async () => {
    const scope = nock(API);
    const posted: Recorded[] = [];
    const reactions: string[] = [];
    nockThread(scope, [], posted);
    nockReaction(scope, reactions);
    nockPull(scope, 'Codertocat', ['Codertocat', 'maria']);
    nockPermission(scope, 'maria', 'admin');
    nockInstallationToken(scope);

    await receive(commentPayload(`/trustgate waive ${blockingIds[0]} --reason "ok"`));

    expect(reactions).toEqual(['-1']);
    expect(repliesOf(posted)[0]).toContain('@maria authored or committed changes in this pull request');
  });

  it('checks team membership when the waiver policy names teams', async () => {
    const scope = nock(API);
    const posted: Recorded[] = [];
    const reactions: string[] = [];
    nockConfigFiles(scope, { 'Codertocat/Hello-World:.github/trustgate.yml': 'waivers:\n  permission: write\n  teams: [security]\n' }, []);
    nockThread(scope, [], posted);
    nockReaction(scope, reactions);
    nockPull(scope);
    nockPermission(scope, 'maria', 'write');
    scope.get('/orgs/Codertocat/teams/security/memberships/maria').reply(200, { state: 'pending', role: 'member' });
    nockInstallationToken(scope);

    await receive(commentPayload(`/trustgate waive ${blockingIds[0]} --reason "ok"`));

    expect(reactions).toEqual(['-1']);
    expect(repliesOf(posted)[0]).toContain('Waiving is limited to members of `security`, and @maria is not an active member of any');
  });
});

describe('/trustgate unwaive, rerun, explain, help', () => {
  it('withdraws a waiver with a revocation record, and the re-run fails again', async () => {
    const scope = nock(API);
    const existing: WaiverRecord = { type: 'waiver', id: 'w-0000abcd', scope: { kind: 'rule', ruleId: 'least-privilege/full-admin' }, reason: 'old', actor: 'sam', actorId: 5, createdAt: '2026-01-01T00:00:00Z' };
    const thread: Json[] = [{ id: 1, body: `ok ${signedRecord(existing)}`, user: { login: 'trustgate[bot]', type: 'Bot' }, performed_via_github_app: { id: APP_IDENTITY.id } }];
    const posted: Recorded[] = [];
    const reactions: string[] = [];
    const writes: Recorded[] = [];
    nockThread(scope, thread, posted);
    nockReaction(scope, reactions);
    nockPull(scope);
    nockPermission(scope, 'maria', 'maintain');
    nockCheck(scope, writes);
    nockInstallationToken(scope);

    await receive(commentPayload('/trustgate unwaive w-0000abcd'));

    expect(reactions).toEqual(['+1']);
    expect(parseRecords(repliesOf(posted)[0]!)).toEqual([{ type: 'revocation', waiverId: 'w-0000abcd', actor: 'maria', actorId: 77, createdAt: expect.any(String), binding: { repository: 'codertocat/hello-world', pullNumber: PULL_NUMBER, commentId: COMMENT_ID } }]);
    expect(writes[0]!.body.conclusion).toBe('failure');
  });

  it('re-runs on /trustgate rerun with a reaction and no reply', async () => {
    const scope = nock(API);
    const posted: Recorded[] = [];
    const reactions: string[] = [];
    const writes: Recorded[] = [];
    nockThread(scope, [], posted);
    nockReaction(scope, reactions);
    nockPull(scope);
    nockCheck(scope, writes);
    nockInstallationToken(scope);

    await receive(commentPayload('/trustgate rerun', { login: 'anyone' }));

    expect(reactions).toEqual(['+1']);
    expect(posted).toEqual([]);
    expect(writes.map((w) => w.body.conclusion)).toEqual(['failure']);
  });

  it('answers several commands in one reply, and unknown commands with the help text', async () => {
    const scope = nock(API);
    const posted: Recorded[] = [];
    const reactions: string[] = [];
    nockThread(scope, [], posted);
    nockReaction(scope, reactions);
    nockInstallationToken(scope);

    await receive(commentPayload('/trustgate explain least-privilege/full-admin\n/trustgate approve all'));

    expect(reactions).toEqual(['confused']);
    expect(posted).toHaveLength(1);
    const reply = repliesOf(posted)[0]!;
    expect(reply).toContain('**`least-privilege/full-admin`');
    expect(reply).toContain('“/trustgate approve all” is not a trustgate command.');
    expect(reply).toContain('**trustgate commands**');
    expect(reply.split('\n').some((line) => line.startsWith('/trustgate'))).toBe(false);
  });
});

describe('comments that are not commands', () => {
  for (const [name, payload] of [
    ['a command inside a quote', () => commentPayload(`> /trustgate waive ${blockingIds[0]} --reason "quoted"`)],
    ['a command inside a code block', () => commentPayload(`\`\`\`\n/trustgate waive ${blockingIds[0]} --reason "code"\n\`\`\``)],
    ['a command inside an indented code block', () => commentPayload(`Example:\n\n    /trustgate waive ${blockingIds[0]} --reason "code"`)],
    ['an edited comment', () => commentPayload(`/trustgate waive ${blockingIds[0]} --reason "edited in later"`, { action: 'edited' })],
    ['a comment by a bot', () => commentPayload('/trustgate rerun', { login: 'renovate[bot]', type: 'Bot' })],
    ['a comment on an issue', () => commentPayload('/trustgate rerun', { onIssue: true })],
  ] as const) {
    it(`ignores ${name}: no API call at all`, async () => {
      const scope = nock(API);
      const hit: string[] = [];
      scope.post(/.*/).optionally().reply(500, (uri) => (hit.push(uri), {}));
      scope.get(/.*/).optionally().reply(500, (uri) => (hit.push(uri), {}));
      const event = payload();
      await harness.probot.receive({ id: 'delivery-x', name: 'issue_comment', payload: event } as never);
      expect(hit).toEqual([]);
      expect(harness.requests.unmatched).toEqual([]);
    });
  }
});
