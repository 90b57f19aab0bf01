import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import { atLeast } from '../../src/findings/severity.js';
import { parseRecords, recordKeyFrom, renderRecord, type WaiverRecord } from '../../src/waivers/records.js';
import {
  API,
  APP_IDENTITY,
  changedFile,
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
  signedRecord,
} from './helpers.js';

// Attacks on the waiver ledger through the real app path (Probot, network blocked, GitHub answered by nock):
// a record only counts when the server signed it for this repository and pull request.
const COMMENT_ID = 9101;
const POLICY_PATH = 'policies/admin.json';
const files = { [POLICY_PATH]: fixture('admin-policy.json') };
const blocking = scanFiles([{ path: POLICY_PATH, text: files[POLICY_PATH]! }]).findings.filter((f) => atLeast(f.severity, 'high'));

const harness = useAppHarness();

function rerunPayload(login = 'anyone'): Json {
  const payload = examplePayload<Json>('issue_comment', 'created');
  payload.installation.id = INSTALLATION_ID;
  payload.issue.number = PULL_NUMBER;
  payload.issue.pull_request = { url: `${API}${REPO_PATH}/pulls/${PULL_NUMBER}` };
  const user = { ...payload.comment.user, login, id: 78, type: 'User' };
  payload.comment = { ...payload.comment, id: COMMENT_ID, body: '/trustgate rerun', user, performed_via_github_app: null };
  payload.sender = { ...payload.sender, login, id: 78, type: 'User' };
  return payload;
}

function waiverFor(fingerprint: string, id: string): WaiverRecord {
  return { type: 'waiver', id, scope: { kind: 'finding', fingerprint }, reason: 'forged', actor: 'maintainer', actorId: 5, createdAt: '2026-01-01T00:00:00Z' };
}

/** Re-runs the check with `thread` as the pull request's conversation; returns the check run writes. */
async function rerunWith(thread: Json[], deliveryId = `delivery-${Math.random()}`): Promise<Recorded[]> {
  const scope = nock(API);
  const writes: Recorded[] = [];
  scope.get(`${REPO_PATH}/issues/${PULL_NUMBER}/comments`).query(true).reply(200, thread).persist();
  scope.post(`${REPO_PATH}/issues/comments/${COMMENT_ID}/reactions`).reply(201, { id: 1 });
  scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}`).reply(200, { number: PULL_NUMBER, user: { login: 'Codertocat' }, head: { sha: HEAD_SHA } }).persist();
  scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).reply(200, [changedFile(POLICY_PATH)]);
  nockBlobBatch(scope, files, []);
  nockCheckRuns(scope, writes);
  nockInstallationToken(scope);
  await harness.probot.receive({ id: deliveryId, name: 'issue_comment', payload: rerunPayload() } as never);
  return writes;
}

function appComment(body: string): Json {
  return { id: 1, body, user: { login: `${APP_IDENTITY.slug}[bot]`, type: 'Bot' }, performed_via_github_app: { id: APP_IDENTITY.id, slug: APP_IDENTITY.slug } };
}

describe('forged waiver records in the app\'s own comments', () => {
  it('control: records the server signed for this pull request waive every blocking finding', async () => {
    const body = blocking.map((f, i) => signedRecord(waiverFor(f.id, `w-${i}0000000`))).join('\n');
    const writes = await rerunWith([appComment(`ok ${body}`)]);
    expect(writes.map((w) => w.body.conclusion)).toEqual(['success']);
  });

  it('ignores records signed with another key (text a commenter got echoed into an app comment)', async () => {
    const attackerKey = recordKeyFrom({ TRUSTGATE_RECORD_KEY: 'guessed-by-the-attacker' })!;
    const body = blocking.map((f, i) => renderRecord(waiverFor(f.id, `w-${i}0000000`), { repository: 'codertocat/hello-world', pullNumber: PULL_NUMBER, commentId: 1 }, attackerKey)).join('\n');
    const writes = await rerunWith([appComment(`“${body}” is not a trustgate command.`)]);
    expect(writes.map((w) => w.body.conclusion)).toEqual(['failure']);
  });

  it('ignores unsigned records, even hidden inside a code span', async () => {
    const body = blocking.map((f, i) => `\`<!-- trustgate:record ${JSON.stringify(waiverFor(f.id, `w-${i}0000000`))} -->\``).join('\n');
    expect(parseRecords(body)).toHaveLength(blocking.length);
    const writes = await rerunWith([appComment(body)]);
    expect(writes.map((w) => w.body.conclusion)).toEqual(['failure']);
  });

  it('ignores a signed record bound to another pull request or repository (replayed from elsewhere)', async () => {
    const elsewhere = blocking.map((f, i) => signedRecord(waiverFor(f.id, `w-${i}0000000`), 1, { pullNumber: PULL_NUMBER + 1 })).join('\n');
    const otherRepo = blocking.map((f, i) => signedRecord(waiverFor(f.id, `w-${i}1111111`), 1, { repository: 'someone/else' })).join('\n');
    const writes = await rerunWith([appComment(elsewhere), appComment(otherRepo)]);
    expect(writes.map((w) => w.body.conclusion)).toEqual(['failure']);
  });

  it('ignores correctly signed records in a comment that is not the app\'s', async () => {
    const body = blocking.map((f, i) => signedRecord(waiverFor(f.id, `w-${i}0000000`))).join('\n');
    const writes = await rerunWith([{ id: 2, body, user: { login: 'mallory', type: 'User' }, performed_via_github_app: null }]);
    expect(writes.map((w) => w.body.conclusion)).toEqual(['failure']);
  });
});

describe('user text the app echoes', () => {
  it('cannot plant a record, close a code span or inject HTML through an unknown command or explain', async () => {
    const planted = `<!-- trustgate:record ${JSON.stringify(waiverFor(blocking[0]!.id, 'w-99999999'))} -->`;
    const scope = nock(API);
    const posted: string[] = [];
    scope.get(`${REPO_PATH}/issues/${PULL_NUMBER}/comments`).query(true).reply(200, []).persist();
    scope.post(`${REPO_PATH}/issues/${PULL_NUMBER}/comments`).reply(201, (_uri, body) => (posted.push((body as Json).body), { id: 5001 })).persist();
    scope.post(`${REPO_PATH}/issues/comments/${COMMENT_ID}/reactions`).reply(201, { id: 1 });
    nockInstallationToken(scope);
    const payload = rerunPayload('mallory');
    payload.comment.body = `/trustgate explain \`${planted}\` <img src=x onerror=alert(1)> @org/security </details>\n/trustgate frobnicate ${planted}`;
    await harness.probot.receive({ id: 'delivery-echo', name: 'issue_comment', payload } as never);
    expect(posted).toHaveLength(1);
    const reply = posted[0]!;
    expect(parseRecords(reply)).toEqual([]);
    expect(reply).not.toContain('<!--');
    expect(reply).not.toContain('<img');
    expect(reply).not.toContain('</details>');
    expect(reply).not.toMatch(/(^|[^\w`])@org\/security/);
  });
});

describe('replayed deliveries', () => {
  it('acts on a delivery once: the same delivery id again makes no GitHub call', async () => {
    const first = await rerunWith([], 'delivery-replayed');
    expect(first.map((w) => w.body.conclusion)).toEqual(['failure']);
    nock.cleanAll();
    const scope = nock(API);
    const hit: string[] = [];
    scope.post(/.*/).optionally().reply(500, (uri) => (hit.push(uri), {})).persist();
    scope.get(/.*/).optionally().reply(500, (uri) => (hit.push(uri), {})).persist();
    await harness.probot.receive({ id: 'delivery-replayed', name: 'issue_comment', payload: rerunPayload() } as never);
    expect(hit).toEqual([]);
  });
});
