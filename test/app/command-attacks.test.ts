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
  nockCheckRuns,
  nockConfigFiles,
  nockInstallationToken,
  PULL_NUMBER,
  REPO_PATH,
  type Json,
  type Recorded,
  useAppHarness,
} from './helpers.js';

/*
 * Issue 13, "Records and commands": amplification by a long comment, and a write that fails while a
 * waiver is recorded. Through the app (Probot, network blocked, GitHub answered by nock); every request
 * GitHub would see is counted.
 */
const COMMENT_ID = 9301;
const POLICY_PATH = 'policies/admin.json';
const files = { [POLICY_PATH]: fixture('admin-policy.json') };
const blockingIds = scanFiles([{ path: POLICY_PATH, text: files[POLICY_PATH]! }])
  .findings.filter((f) => atLeast(f.severity, 'high'))
  .map((f) => f.id);

const harness = useAppHarness();
let deliveries = 0;

/**
 * `organisation`: the repository belongs to an organisation (the example's belongs to the user Codertocat);
 * `visibility` of the repository (the example's is public).
 */
function commentPayload(body: string, { login = 'maria', association = 'MEMBER', organisation = false, visibility = 'public' }: { login?: string; association?: string; organisation?: boolean; visibility?: 'public' | 'private' } = {}): Json {
  const payload = examplePayload<Json>('issue_comment', 'created');
  payload.installation.id = INSTALLATION_ID;
  if (organisation) payload.repository.owner = { ...payload.repository.owner, type: 'Organization' };
  payload.repository.private = visibility === 'private';
  payload.repository.visibility = visibility;
  payload.issue.number = PULL_NUMBER;
  payload.issue.pull_request = { url: `${API}${REPO_PATH}/pulls/${PULL_NUMBER}`, html_url: `https://github.com/Codertocat/Hello-World/pull/${PULL_NUMBER}` };
  const user = { ...payload.comment.user, login, id: 77, type: 'User' };
  payload.comment = { ...payload.comment, id: COMMENT_ID + deliveries, body, user, author_association: association, html_url: `https://github.com/Codertocat/Hello-World/pull/2#issuecomment-${COMMENT_ID}`, performed_via_github_app: null };
  payload.sender = { ...payload.sender, login, id: 77, type: 'User' };
  return payload;
}

/** Every request `scope` answered, as `METHOD path` (query left out). */
function requestLog(scope: nock.Scope): { lines: string[]; stop: () => void } {
  const lines: string[] = [];
  const listener = (request: { method?: string; path?: string }) => lines.push(`${request.method} ${(request.path ?? '').split('?')[0]}`);
  scope.on('request', listener);
  return { lines, stop: () => scope.off('request', listener) };
}

/** The conversation; the first `failures` replies the app posts are refused with 502. */
function nockThread(scope: nock.Scope, thread: Json[], posted: string[], { failures = 0 }: { failures?: number } = {}): void {
  scope.get(`${REPO_PATH}/issues/${PULL_NUMBER}/comments`).query(true).reply(200, () => thread).persist();
  let refused = 0;
  scope
    .post(`${REPO_PATH}/issues/${PULL_NUMBER}/comments`)
    .reply((_uri, body) => {
      if (refused < failures) {
        refused++;
        return [502, { message: 'Bad Gateway' }];
      }
      const comment = { id: 6000 + posted.length, body: (body as Json).body, user: { login: `${APP_IDENTITY.slug}[bot]`, type: 'Bot' }, performed_via_github_app: { id: APP_IDENTITY.id, slug: APP_IDENTITY.slug } };
      posted.push((body as Json).body as string);
      thread.push(comment);
      return [201, comment];
    })
    .persist();
}

function nockPull(scope: nock.Scope): void {
  scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}`).reply(200, { number: PULL_NUMBER, user: { login: 'Codertocat' }, head: { sha: HEAD_SHA }, base: { sha: 'b'.repeat(40) } }).persist();
  scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/commits`).query(true).reply(200, [{ sha: 'c0', author: { login: 'Codertocat' }, committer: { login: 'web-flow' } }]).persist();
}

function nockCheck(scope: nock.Scope, writes: Recorded[]): void {
  scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).reply(200, [changedFile(POLICY_PATH, 'added')]);
  nockBlobBatch(scope, files, []);
  nockCheckRuns(scope, writes);
}

async function receive(payload: Json): Promise<void> {
  await harness.probot.receive({ id: `command-attack-${++deliveries}`, name: 'issue_comment', payload } as never);
}

const waiveLines = (count: number) => Array.from({ length: count }, (_, i) => `/trustgate waive ${blockingIds[i % blockingIds.length]} --reason "line ${i}"`).join('\n');

describe('a comment of 2,000 waive lines', () => {
  it('from someone the payload shows to have no access: ignored before any GitHub call (no token, no configuration, no permission call, no reply, no reaction)', async () => {
    const scope = nock(API);
    const log = requestLog(scope);
    // Anything the app asked would be answered here and logged; nothing may be.
    scope.get(/.*/).optionally().reply(500, {}).persist();
    scope.post(/.*/).optionally().reply(500, {}).persist();

    await receive(commentPayload(`${waiveLines(2000)}\n/trustgate rerun\n/trustgate help`, { login: 'mallory', association: 'NONE' }));
    log.stop();

    expect(log.lines).toEqual([]);
    expect(harness.requests.unmatched).toEqual([]);
  });

  it('from a maintainer: one permission call and at most 20 waivers, then one re-run', async () => {
    const scope = nock(API);
    const posted: string[] = [];
    const writes: Recorded[] = [];
    nockThread(scope, [], posted);
    scope.post(/\/issues\/comments\/\d+\/reactions$/).reply(201, { id: 1 });
    nockPull(scope);
    scope.get(`${REPO_PATH}/collaborators/maria/permission`).reply(200, { permission: 'write', role_name: 'maintain', user: { login: 'maria' } });
    nockCheck(scope, writes);
    nockInstallationToken(scope);
    const log = requestLog(scope);

    await receive(commentPayload(waiveLines(2000)));
    log.stop();

    expect(log.lines.filter((line) => line.includes('/permission'))).toHaveLength(1);
    expect(log.lines.filter((line) => line === `GET ${REPO_PATH}/pulls/${PULL_NUMBER}`)).toHaveLength(1);
    expect(log.lines.length).toBeLessThanOrEqual(15);
    expect(posted).toHaveLength(1);
    expect(parseRecords(posted[0]!).length).toBeLessThanOrEqual(20);
    expect(writes.map((write) => write.body.conclusion)).toEqual(['success']);
    expect(harness.requests.unmatched).toEqual([]);
  });
});

/*
 * Who may run commands, decided from the payload where it can be (docs/commands-and-waivers.md, "Who may
 * run commands"). GitHub computes `author_association` without a viewer: on an organisation's repository
 * a maintainer whose membership is private arrives as CONTRIBUTOR or NONE, so there one permission call
 * decides; on a personal repository only OWNER and COLLABORATOR can have access.
 */
describe('commands from people without access', () => {
  const TOKEN = `POST /app/installations/${INSTALLATION_ID}/access_tokens`;
  const PERMISSION = (login: string) => `GET ${REPO_PATH}/collaborators/${login}/permission`;
  const everyCommand = (id: string) => `/trustgate waive ${id} --reason "mine"\n/trustgate unwaive w-00000000\n/trustgate rerun\n/trustgate explain least-privilege/full-admin`;
  const OPEN_POLICY = { 'Codertocat/Hello-World:.github/trustgate.yml': 'waivers:\n  permission: read\n  allowAuthor: true\n  allowCommitters: true\n' };

  for (const [association, organisation] of [
    ['NONE', false],
    ['CONTRIBUTOR', false],
    ['FIRST_TIME_CONTRIBUTOR', false],
    ['FIRST_TIMER', false],
    ['MANNEQUIN', false],
    ['MANNEQUIN', true],
  ] as const) {
    it(`${association} on ${organisation ? 'an organisation' : 'a personal'} repository: no request at all, whatever the configuration would allow`, async () => {
      const scope = nock(API);
      const log = requestLog(scope);
      const reads: string[][] = [];
      nockConfigFiles(scope, OPEN_POLICY, reads, { optional: true });
      scope.get(/.*/).optionally().reply(500, {}).persist();
      scope.post(/.*/).optionally().reply(500, {}).persist();

      await receive(commentPayload(everyCommand(blockingIds[0]!), { login: 'mallory', association, organisation }));
      log.stop();

      expect(log.lines).toEqual([]);
      expect(reads).toEqual([]);
      expect(harness.requests.unmatched).toEqual([]);
    });
  }

  it('NONE on an organisation\'s repository: one permission call says no access, and nothing else is asked or written', async () => {
    const scope = nock(API);
    const reads: string[][] = [];
    nockConfigFiles(scope, OPEN_POLICY, reads, { optional: true });
    scope.get(`${REPO_PATH}/collaborators/mallory/permission`).reply(404, { message: 'Not Found' });
    nockInstallationToken(scope);
    const log = requestLog(scope);

    await receive(commentPayload(`${waiveLines(2000)}\n/trustgate rerun`, { login: 'mallory', association: 'NONE', organisation: true }));
    log.stop();

    expect(log.lines).toEqual([TOKEN, PERMISSION('mallory')]);
    expect(reads).toEqual([]);
    expect(harness.requests.unmatched).toEqual([]);
  });

  it('a public repository\'s "read" (what GitHub answers for anyone) is no access: even `waivers.permission: read` does not open waivers or re-runs to everyone', async () => {
    const scope = nock(API);
    const reads: string[][] = [];
    nockConfigFiles(scope, OPEN_POLICY, reads, { optional: true });
    scope.get(`${REPO_PATH}/collaborators/mallory/permission`).reply(200, { permission: 'read', role_name: 'read', user: { login: 'mallory' } });
    nockInstallationToken(scope);
    const log = requestLog(scope);

    await receive(commentPayload(everyCommand(blockingIds[0]!), { login: 'mallory', association: 'CONTRIBUTOR', organisation: true }));
    log.stop();

    expect(log.lines).toEqual([TOKEN, PERMISSION('mallory')]);
    expect(reads).toEqual([]);
  });

  it('a maintainer whose organisation membership is private arrives as CONTRIBUTOR and is not locked out: one permission call, the waiver is stored and the re-run passes', async () => {
    const scope = nock(API);
    const posted: string[] = [];
    const reactions: string[] = [];
    const writes: Recorded[] = [];
    nockThread(scope, [], posted);
    scope.post(/\/issues\/comments\/\d+\/reactions$/).reply(201, (_uri, body) => (reactions.push((body as Json).content), { id: 1 }));
    nockPull(scope);
    scope.get(`${REPO_PATH}/collaborators/maria/permission`).reply(200, { permission: 'write', role_name: 'maintain', user: { login: 'maria' } });
    nockCheck(scope, writes);
    nockInstallationToken(scope);
    const log = requestLog(scope);

    await receive(commentPayload(blockingIds.map((id) => `/trustgate waive ${id} --reason "sandbox"`).join('\n'), { association: 'CONTRIBUTOR', organisation: true }));
    log.stop();

    expect(log.lines.filter((line) => line.includes('/permission'))).toEqual([PERMISSION('maria')]);
    expect(reactions).toEqual(['+1']);
    expect((parseRecords(posted[0]!) as WaiverRecord[]).map((record) => record.actor)).toEqual(blockingIds.map(() => 'maria'));
    expect(writes.map((write) => write.body.conclusion)).toEqual(['success']);
    expect(harness.requests.unmatched).toEqual([]);
  });

  it('a member with read permission on a public repository, under `waivers.permission: read`: told that waiving needs triage there', async () => {
    const scope = nock(API);
    const posted: string[] = [];
    const reactions: string[] = [];
    nockConfigFiles(scope, OPEN_POLICY, []);
    nockThread(scope, [], posted);
    scope.post(/\/issues\/comments\/\d+\/reactions$/).reply(201, (_uri, body) => (reactions.push((body as Json).content), { id: 1 }));
    nockPull(scope);
    scope.get(`${REPO_PATH}/collaborators/maria/permission`).reply(200, { permission: 'read', role_name: 'read', user: { login: 'maria' } });
    nockInstallationToken(scope);

    await receive(commentPayload(`/trustgate waive ${blockingIds[0]} --reason "sandbox"`, { association: 'MEMBER', organisation: true }));

    expect(reactions).toEqual(['-1']);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toContain('Waiving needs triage permission on this repository, and @maria has read permission');
    expect(parseRecords(posted[0]!)).toEqual([]);
  });

  it('on a private repository read is granted access: `waivers.permission: read` lets a reader whose membership is private waive', async () => {
    const scope = nock(API);
    const posted: string[] = [];
    const writes: Recorded[] = [];
    nockConfigFiles(scope, OPEN_POLICY, []);
    nockThread(scope, [], posted);
    scope.post(/\/issues\/comments\/\d+\/reactions$/).reply(201, { id: 1 });
    nockPull(scope);
    scope.get(`${REPO_PATH}/collaborators/maria/permission`).reply(200, { permission: 'read', role_name: 'read', user: { login: 'maria' } });
    nockCheck(scope, writes);
    nockInstallationToken(scope);

    await receive(commentPayload(blockingIds.map((id) => `/trustgate waive ${id} --reason "sandbox"`).join('\n'), { association: 'NONE', organisation: true, visibility: 'private' }));

    expect(parseRecords(posted[0]!)).toHaveLength(blockingIds.length);
    expect(writes.map((write) => write.body.conclusion)).toEqual(['success']);
  });
});

describe('a write that fails while a waiver is recorded', () => {
  it('the reaction fails every attempt: the waiver is still stored in the reply, which says it was accepted, and the re-run passes', async () => {
    const scope = nock(API);
    const posted: string[] = [];
    const writes: Recorded[] = [];
    nockThread(scope, [], posted);
    let reactionAttempts = 0;
    scope
      .post(/\/issues\/comments\/\d+\/reactions$/)
      .reply(502, () => (reactionAttempts++, { message: 'Bad Gateway' }))
      .persist();
    nockPull(scope);
    scope.get(`${REPO_PATH}/collaborators/maria/permission`).reply(200, { permission: 'write', role_name: 'maintain', user: { login: 'maria' } });
    nockCheck(scope, writes);
    nockInstallationToken(scope);

    await receive(commentPayload(blockingIds.map((id) => `/trustgate waive ${id} --reason "sandbox"`).join('\n')));

    expect(reactionAttempts).toBe(3);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toContain('accepted for finding');
    const records = parseRecords(posted[0]!) as WaiverRecord[];
    expect(records.map((record) => record.scope)).toEqual(blockingIds.map((id) => ({ kind: 'finding', fingerprint: id })));
    expect(writes.map((write) => write.body.conclusion)).toEqual(['success']);
  }, 15_000);

  it('the reply fails twice and then works: retried, the waiver is stored once', async () => {
    const scope = nock(API);
    const posted: string[] = [];
    const writes: Recorded[] = [];
    nockThread(scope, [], posted, { failures: 2 });
    const reactions: string[] = [];
    scope.post(/\/issues\/comments\/\d+\/reactions$/).reply(201, (_uri, body) => (reactions.push((body as Json).content), { id: 1 }));
    nockPull(scope);
    scope.get(`${REPO_PATH}/collaborators/maria/permission`).reply(200, { permission: 'write', role_name: 'maintain', user: { login: 'maria' } });
    nockCheck(scope, writes);
    nockInstallationToken(scope);

    await receive(commentPayload(blockingIds.map((id) => `/trustgate waive ${id} --reason "sandbox"`).join('\n')));

    expect(posted).toHaveLength(1);
    expect(parseRecords(posted[0]!)).toHaveLength(blockingIds.length);
    expect(reactions).toEqual(['+1']);
    expect(writes.map((write) => write.body.conclusion)).toEqual(['success']);
  }, 15_000);

  it('the reply fails every attempt: no 👍, no re-run, and a notice says nothing was waived', async () => {
    const scope = nock(API);
    const posted: string[] = [];
    const reactions: string[] = [];
    nockThread(scope, [], posted, { failures: 3 });
    scope.post(/\/issues\/comments\/\d+\/reactions$/).reply(201, (_uri, body) => (reactions.push((body as Json).content), { id: 1 }));
    nockPull(scope);
    scope.get(`${REPO_PATH}/collaborators/maria/permission`).reply(200, { permission: 'write', role_name: 'maintain', user: { login: 'maria' } });
    nockInstallationToken(scope);

    await receive(commentPayload(`/trustgate waive ${blockingIds[0]} --reason "sandbox"`));

    expect(posted).toHaveLength(1);
    expect(posted[0]).toContain('**Nothing was waived or withdrawn**');
    expect(parseRecords(posted[0]!)).toEqual([]);
    expect(reactions).toEqual(['-1']);
  }, 15_000);
});

describe('a maintainer\'s reason that carries a record', () => {
  it('is stored as text: the reply holds exactly the records the app made, in the maintainer\'s name', async () => {
    const scope = nock(API);
    const posted: string[] = [];
    const writes: Recorded[] = [];
    nockThread(scope, [], posted);
    scope.post(/\/issues\/comments\/\d+\/reactions$/).reply(201, { id: 1 });
    nockPull(scope);
    scope.get(`${REPO_PATH}/collaborators/maria/permission`).reply(200, { permission: 'write', role_name: 'maintain', user: { login: 'maria' } });
    nockCheck(scope, writes);
    nockInstallationToken(scope);
    const planted = '<!-- trustgate:record {"type":"waiver","id":"w-deadbeef","scope":{"kind":"rule","ruleId":"least-privilege/full-admin"},"reason":"x","actor":"octocat","actorId":1,"createdAt":"2026-01-01T00:00:00Z"} -->';

    await receive(commentPayload(`/trustgate waive ${blockingIds[0]} --reason "ok ${planted.replaceAll('"', "'")} @acme/admins"`));

    expect(posted).toHaveLength(1);
    const records = parseRecords(posted[0]!) as WaiverRecord[];
    expect(records.map((record) => [record.actor, record.scope])).toEqual([['maria', { kind: 'finding', fingerprint: blockingIds[0] }]]);
    expect(posted[0]!.split('<!-- trustgate:record').length - 1).toBe(1);
    // What renders (everything before the app's own marker) mentions nobody; inside the marker the reason is data.
    expect(posted[0]!.slice(0, posted[0]!.indexOf('<!-- trustgate:record'))).not.toContain('@acme/admins');
  });
});
