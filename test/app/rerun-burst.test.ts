import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../support/fake-github.js';
import { startAppProcess, type AppProcess, until } from '../support/app-process.js';
import { fixture } from './helpers.js';

/**
 * A burst of `/trustgate rerun` comments on one pull request (the real server process against the local
 * GitHub): the re-runs coalesce per pull request, so the burst costs that pull request at most the run
 * in progress and one more, and another pull request of the installation is checked meanwhile.
 */
type Json = Record<string, any>;
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Json[] }[];
const opened = examples.find((e) => e.name === 'pull_request')!.examples.find((e) => e['action'] === 'opened' && e['installation'] !== undefined)!;
const commented = examples.find((e) => e.name === 'issue_comment')!.examples.find((e) => e['action'] === 'created')!;
const OWNER = opened['repository'].owner.login as string;
const REPO = opened['repository'].name as string;
const INSTALLATION = 4242;
const BURST = 12;

let fake: FakeGitHub;
let app: AppProcess;

beforeAll(async () => {
  fake = new FakeGitHub({ latencyMs: 5 });
  await fake.start();
  // One check at a time, so the burst would queue up behind itself if it did not coalesce.
  app = await startAppProcess(fake, { TRUSTGATE_QUEUE_DIR: '', TRUSTGATE_CONCURRENCY: '1', TRUSTGATE_SCAN_THREADS: '0' });
});

afterAll(async () => {
  await app.kill('SIGKILL');
  await fake.stop();
});

function addPull(number: number): string {
  const headSha = randomBytes(20).toString('hex');
  fake.addPullRequest({ owner: OWNER, repo: REPO, number, headSha, baseSha: randomBytes(20).toString('hex'), files: [{ path: `stacks/app-${number}.yaml`, text: fixture('admin-role.yaml'), status: 'modified' }] });
  return headSha;
}

function pullPayload(number: number, headSha: string): Json {
  const payload = structuredClone(opened);
  payload['number'] = number;
  payload['pull_request'].number = number;
  payload['pull_request'].head.sha = headSha;
  payload['installation'].id = INSTALLATION;
  return payload;
}

function rerunPayload(number: number, commentId: number): Json {
  const payload = structuredClone(commented);
  payload['repository'] = structuredClone(opened['repository']);
  payload['installation'] = { id: INSTALLATION, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' };
  payload['issue'] = { ...payload['issue'], number, pull_request: { url: `${fake.url}/repos/${OWNER}/${REPO}/pulls/${number}` } };
  const user = { ...payload['comment'].user, login: 'maria', id: 77, type: 'User' };
  payload['comment'] = { ...payload['comment'], id: commentId, body: '/trustgate rerun', user, author_association: 'MEMBER', performed_via_github_app: null };
  payload['sender'] = { ...payload['sender'], login: 'maria', id: 77, type: 'User' };
  return payload;
}

const runsOf = (headSha: string) => [...fake.checkRuns.values()].filter((run) => run.headSha === headSha);

describe('a burst of /trustgate rerun comments', () => {
  it('coalesces per pull request and does not hold up another pull request', async () => {
    const busy = addPull(501);
    expect(await app.deliver('pull_request', pullPayload(501, busy), randomBytes(8).toString('hex'))).toBeLessThan(300);
    await until(() => runsOf(busy).some((run) => run.status === 'completed'), 20_000);
    const writesBefore = runsOf(busy)[0]!.writes;

    for (let i = 0; i < BURST; i++) {
      expect(await app.deliver('issue_comment', rerunPayload(501, 9000 + i), randomBytes(8).toString('hex'))).toBeLessThan(300);
    }
    const other = addPull(502);
    expect(await app.deliver('pull_request', pullPayload(502, other), randomBytes(8).toString('hex'))).toBeLessThan(300);

    await until(() => runsOf(other).some((run) => run.status === 'completed'), 20_000);
    // Every comment was acknowledged.
    await until(() => fake.reactions.filter((r) => r.commentId >= 9000).length === BURST, 20_000);
    // Let the queue settle, then count what the burst cost the busy pull request.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const reruns = runsOf(busy)[0]!.writes - writesBefore;
    expect(runsOf(busy)).toHaveLength(1);
    expect(runsOf(busy)[0]!.status).toBe('completed');
    expect(reruns).toBeGreaterThanOrEqual(1);
    // A re-run is one write here (the admin role has one annotation); twelve comments, at most two checks.
    expect(reruns).toBeLessThanOrEqual(2);
  }, 60_000);
});
