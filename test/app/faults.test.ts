import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { FakeGitHub, type FakeCheckRun } from '../support/fake-github.js';
import { startAppProcess, type AppProcess, until } from '../support/app-process.js';
import { fixture } from './helpers.js';

/**
 * The fault suite: the real server in a child process (src/app/server.ts) against the local fake
 * GitHub, killed, stopped and faulted at each stage. Every wait of the app is scaled by 0.001
 * (TRUSTGATE_TIME_SCALE), so GitHub's one-minute secondary-limit wait lasts 60 ms and the queue's
 * 30 s retry 30 ms. Each scenario checks the three numbers of docs/github-app.md: check runs missing
 * or left in progress once GitHub recovers, false failures for a single retryable fault, duplicates.
 */
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Record<string, any>[] }[];
const opened = examples.find((e) => e.name === 'pull_request')!.examples.find((e) => e['action'] === 'opened' && e['installation'] !== undefined)!;
const OWNER = opened['repository'].owner.login as string;
const REPO = opened['repository'].name as string;
const SAFE = fixture('scoped-role.yaml');

let fake: FakeGitHub;
let queueDir: string;
let apps: AppProcess[] = [];
let nextPull = 100;

beforeAll(async () => {
  fake = new FakeGitHub({ latencyMs: 2 });
  await fake.start();
});

afterAll(async () => {
  await fake.stop();
});

afterEach(async () => {
  for (const app of apps) await app.kill('SIGKILL');
  apps = [];
  fake.onRedeliver = undefined;
  rmSync(queueDir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}): Promise<AppProcess> {
  const app = await startAppProcess(fake, { TRUSTGATE_QUEUE_DIR: queueDir, ...env });
  apps.push(app);
  return app;
}

function freshQueue(): void {
  queueDir = mkdtempSync(join(tmpdir(), 'trustgate-faults-'));
}

/** A pull request changing one template; `large` has 60 admin roles: 60+ annotations, so a create and an update. */
function pullRequest(options: { large?: boolean } = {}): { payload: Record<string, any>; headSha: string; number: number } {
  const number = nextPull++;
  const headSha = randomBytes(20).toString('hex');
  const text = options.large === true ? largeTemplate(60) : SAFE;
  fake.addPullRequest({ owner: OWNER, repo: REPO, number, headSha, baseSha: randomBytes(20).toString('hex'), files: [{ path: 'stacks/app.yaml', text, status: 'modified' }] });
  return { payload: payloadFor(number, headSha), headSha, number };
}

function payloadFor(number: number, headSha: string, action = 'opened'): Record<string, any> {
  const payload = structuredClone(opened);
  payload['action'] = action;
  payload['number'] = number;
  // An installation per pull request: each scenario exchanges its own token (token faults are seen).
  payload['installation'].id = number;
  payload['pull_request'].number = number;
  payload['pull_request'].head.sha = headSha;
  return payload;
}

function largeTemplate(roles: number): string {
  const lines = ['AWSTemplateFormatVersion: "2010-09-09"', 'Resources:'];
  for (let index = 0; index < roles; index++) {
    lines.push(
      `  Role${index}:`,
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      AssumeRolePolicyDocument:',
      '        Version: "2012-10-17"',
      '        Statement:',
      '          - Effect: Allow',
      '            Principal: { Service: ec2.amazonaws.com }',
      '            Action: sts:AssumeRole',
      '      Policies:',
      '        - PolicyName: admin',
      '          PolicyDocument:',
      '            Version: "2012-10-17"',
      '            Statement:',
      '              - Effect: Allow',
      '                Action: "*"',
      '                Resource: "*"',
    );
  }
  return lines.join('\n') + '\n';
}

function runsOf(headSha: string): FakeCheckRun[] {
  return [...fake.checkRuns.values()].filter((run) => run.headSha === headSha && run.name === 'trustgate');
}

/** The suite's numbers for the commits of a scenario, once every one of them has a completed run. */
async function outcome(shas: string[], expected: 'success' | 'failure' = 'success', app?: AppProcess) {
  await until(() => shas.every((sha) => runsOf(sha).some((run) => run.status === 'completed'))).catch(() => undefined);
  // A large check is completed by its first write; the queue is idle once its last annotations are in.
  if (app !== undefined) await queueIdle(app);
  // Give late duplicates a chance to show.
  await new Promise((resolve) => setTimeout(resolve, 150));
  const missing = shas.filter((sha) => runsOf(sha).length === 0).length;
  const inProgress = shas.flatMap(runsOf).filter((run) => run.status !== 'completed').length;
  const duplicates = shas.reduce((sum, sha) => sum + Math.max(0, runsOf(sha).length - 1), 0);
  const wrong = shas.flatMap(runsOf).filter((run) => run.conclusion !== expected).length;
  return { missing, inProgress, duplicates, wrong };
}

async function queueIdle(app: AppProcess): Promise<void> {
  const started = Date.now();
  for (;;) {
    const metrics = await (await fetch(`${app.base}/metrics`)).text();
    if (/^trustgate_queue_depth 0$/m.test(metrics)) return;
    if (Date.now() - started > 15_000) throw new Error('the queue did not empty');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const CLEAN = { missing: 0, inProgress: 0, duplicates: 0, wrong: 0 };

/** Waits for /health/ready (the scan threads have loaded the engine, GitHub accepts the credentials). */
async function ready(app: AppProcess): Promise<void> {
  const started = Date.now();
  while ((await fetch(`${app.base}/health/ready`)).status !== 200) {
    if (Date.now() - started > 15_000) throw new Error('the app did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('GitHub faults, through the server process', () => {
  let app: AppProcess;
  beforeAll(async () => {
    freshQueue();
    app = await startAppProcess(fake, { TRUSTGATE_QUEUE_DIR: queueDir });
  });
  afterAll(async () => {
    await app.kill('SIGKILL');
  });
  afterEach(() => {
    // The shared app's queue directory must survive the per-test cleanup.
    freshQueue();
  });

  /** Applies `fault` to requests matching `match` for `times` requests (or `forMs` of wall time). */
  function fault(match: (method: string, path: string) => boolean, reply: { status: number; headers?: Record<string, string>; body?: unknown } | 'hang', limit: { times?: number; forMs?: number }) {
    let count = 0;
    // A fault that lasts starts at the first matching request.
    let until = Infinity;
    const remove = fake.addFault((request) => {
      if (!match(request.method, request.path)) return undefined;
      if (limit.times !== undefined && count >= limit.times) return undefined;
      if (count === 0 && limit.forMs !== undefined) until = Date.now() + limit.forMs;
      if (Date.now() > until) return undefined;
      count++;
      return reply;
    });
    return { remove, hits: () => count };
  }

  const createRun = (method: string, path: string) => method === 'POST' && /\/check-runs$/.test(path);
  const updateRun = (method: string, path: string) => method === 'PATCH' && /\/check-runs\/\d+$/.test(path);
  const graphql = (method: string, path: string) => method === 'POST' && path === '/graphql';
  const token = (method: string, path: string) => method === 'POST' && /access_tokens$/.test(path);
  const secondary = { status: 403, headers: { 'retry-after': '60' }, body: { message: 'You have exceeded a secondary rate limit.' } };

  const scenarios: [string, (method: string, path: string) => boolean, Parameters<typeof fault>[1], Parameters<typeof fault>[2], boolean?][] = [
    ['secondary rate limit once on the create', createRun, secondary, { times: 1 }],
    ['secondary rate limit once on a GraphQL read', graphql, secondary, { times: 1 }],
    ['secondary rate limit on every write for "2 minutes" (scaled: 120 ms)', createRun, secondary, { forMs: 120 }],
    ['secondary rate limit without retry-after once', createRun, { status: 403, body: { message: 'You have exceeded a secondary rate limit.' } }, { times: 1 }],
    ['502 once on the create', createRun, { status: 502 }, { times: 1 }],
    ['503 on the create for 3 s (persistent: outlasts one attempt\'s four tries, the queue retries)', createRun, { status: 503 }, { forMs: 3_000 }],
    ['502 once on the update of a large check', updateRun, { status: 502 }, { times: 1 }, true],
    ['503 on the update of a large check for 3 s', updateRun, { status: 503 }, { forMs: 3_000 }, true],
    ['token endpoint 500 once', token, { status: 500 }, { times: 1 }],
    ['token endpoint 500 for 300 ms (outlasts one attempt\'s four tries)', token, { status: 500 }, { forMs: 300 }],
    ['a GraphQL read never answered once (timeout)', graphql, 'hang', { times: 1 }],
    ['the create never answered once (timeout)', createRun, 'hang', { times: 1 }],
  ];

  it.each(scenarios)('%s: every run completes, no false failure, no duplicate', async (_name, match, reply, limit, large) => {
    const applied = fault(match, reply, limit);
    try {
      const pull = pullRequest({ large: large === true });
      expect(await app.deliver('pull_request', pull.payload, randomBytes(8).toString('hex'))).toBe(200);
      const result = await outcome([pull.headSha], large === true ? 'failure' : 'success', app);
      expect(applied.hits()).toBeGreaterThan(0);
      expect(result).toEqual(CLEAN);
      if (large === true) expect(runsOf(pull.headSha)[0]!.annotations).toBeGreaterThanOrEqual(60);
    } finally {
      applied.remove();
    }
  });

  it('coalesces rapid pushes to one pull request: the newest head is checked, nothing is left pending', async () => {
    const number = nextPull++;
    const shas = Array.from({ length: 5 }, () => randomBytes(20).toString('hex'));
    for (const sha of shas) fake.addPullRequest({ owner: OWNER, repo: REPO, number, headSha: sha, baseSha: 'b'.repeat(40), files: [{ path: 'stacks/app.yaml', text: SAFE }] });
    for (const sha of shas) await app.deliver('pull_request', payloadFor(number, sha, 'synchronize'), randomBytes(8).toString('hex'));
    const last = shas[shas.length - 1]!;
    expect(await outcome([last])).toEqual(CLEAN);
    const older = shas.slice(0, -1).flatMap(runsOf);
    expect(older.filter((run) => run.status !== 'completed')).toEqual([]);
    expect(older.length).toBeLessThan(4);
  });

  it('a redelivered webhook (same GUID) and a reopened pull request (same head) add no second run', async () => {
    const pull = pullRequest();
    const guid = randomBytes(8).toString('hex');
    await app.deliver('pull_request', pull.payload, guid);
    await outcome([pull.headSha]);
    await app.deliver('pull_request', pull.payload, guid);
    await app.deliver('pull_request', payloadFor(pull.number, pull.headSha, 'reopened'), randomBytes(8).toString('hex'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await outcome([pull.headSha])).toEqual(CLEAN);
    expect(runsOf(pull.headSha)[0]!.writes).toBe(2);
  });

  it('answers health and metrics', async () => {
    expect((await fetch(`${app.base}/health/live`)).status).toBe(200);
    expect((await fetch(`${app.base}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${app.base}/metrics`)).text();
    expect(metrics).toMatch(/trustgate_checks_total\{conclusion="success"\} \d+/);
    expect(metrics).toMatch(/trustgate_github_retry_waits_total\{reason="secondary-rate-limit"\} \d+/);
    expect(metrics).toMatch(/trustgate_github_requests_total\{status="502"\} \d+/);
    expect(metrics).toMatch(/trustgate_queue_depth 0/);
  });
});

describe('crashes and restarts, through the server process', () => {
  beforeAll(() => freshQueue());
  afterEach(() => freshQueue());

  /** Starts an app, kills it when `stage` is reached for the pull request, restarts it and waits for the outcome. */
  async function killAt(stage: (method: string, path: string, phase: 'arrived' | 'handled') => boolean, large = false) {
    const first = await start();
    const pull = pullRequest({ large });
    let killed = false;
    const stop = fake.onRequest((request, phase) => {
      if (!killed && stage(request.method, request.path, phase)) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    });
    await first.deliver('pull_request', pull.payload, randomBytes(8).toString('hex'));
    await first.exited;
    stop();
    expect(killed).toBe(true);
    await start();
    return outcome([pull.headSha], large ? 'failure' : 'success');
  }

  it('SIGKILL after the webhook was acknowledged, before any write: the restarted process checks it', async () => {
    expect(await killAt((method, path, phase) => method === 'GET' && /\/pulls\/\d+\/files/.test(path) && phase === 'arrived')).toEqual(CLEAN);
  });

  it('SIGKILL after GitHub created the run, before the app heard back: the restart updates that run', async () => {
    expect(await killAt((method, path, phase) => method === 'POST' && /\/check-runs$/.test(path) && phase === 'handled')).toEqual(CLEAN);
  });

  it('SIGKILL between the writes of a large check: the restart completes the same run', async () => {
    expect(await killAt((method, path, phase) => method === 'PATCH' && phase === 'arrived', true)).toEqual(CLEAN);
  });

  it('SIGKILL while the webhook was on its way (never acknowledged): the redelivery sweep recovers it', async () => {
    const pull = pullRequest();
    // The app is down: GitHub records the delivery as failed.
    const first = await start();
    await first.kill('SIGKILL');
    expect(await first.deliver('pull_request', pull.payload, randomBytes(8).toString('hex'))).toBe(502);
    // A sweep every 100 ms: a redelivery still on its way when the next sweep looks is not asked for again.
    const second = await start({ TRUSTGATE_SWEEP_MS: '100' });
    fake.onRedeliver = (delivery) => void second.deliver(delivery.event, JSON.parse(delivery.body), delivery.guid);
    expect(await outcome([pull.headSha])).toEqual(CLEAN);
    expect(fake.requests.filter((r) => /\/app\/hook\/deliveries\/\d+\/attempts/.test(r.path))).toHaveLength(1);
  });

  it('is not ready while GitHub refuses the app\'s credentials, and ready once it accepts them', async () => {
    const remove = fake.addFault((request) => (request.method === 'GET' && request.path === '/app' ? { status: 401, body: { message: 'A JSON web token could not be decoded' } } : undefined));
    onTestFinished(remove);
    const app = await start();
    const refused = await fetch(`${app.base}/health/ready`);
    expect(refused.status).toBe(503);
    expect(await refused.text()).toContain('status 401');
    expect((await fetch(`${app.base}/health/live`)).status).toBe(200);
    remove();
    await ready(app);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s drains running checks up to the bound, keeps the rest for the next process and exits', async (signal) => {
    const first = await start({ TRUSTGATE_DRAIN_MS: '1500' });
    await ready(first);
    const pulls = Array.from({ length: 10 }, () => pullRequest());
    // One installation: its writes are at least 800 ms apart, so ten checks take over 7 s, far past the drain bound.
    for (const pull of pulls) pull.payload['installation'].id = pulls[0]!.number;
    for (const pull of pulls) expect(await first.deliver('pull_request', pull.payload, randomBytes(8).toString('hex'))).toBe(200);
    const completed = () => pulls.filter((pull) => runsOf(pull.headSha).some((run) => run.status === 'completed')).length;
    // Stopped once the checks are under way (however loaded the machine is).
    await until(() => completed() > 0, 30_000);
    const started = Date.now();
    await first.kill(signal);
    const exitMs = Date.now() - started;
    // The drain bound (1.5 s) ended it, not the end of the work; the margin is for a loaded machine.
    expect(exitMs).toBeLessThan(6_000);
    const doneBefore = completed();
    expect(doneBefore).toBeLessThan(pulls.length);
    expect(readdirSync(queueDir).filter((name) => name.endsWith('.json')).length).toBeGreaterThanOrEqual(pulls.length - doneBefore);
    await start();
    expect(await outcome(pulls.map((pull) => pull.headSha))).toEqual(CLEAN);
  });
});

describe('check runs left in progress, across the installation', () => {
  beforeAll(() => freshQueue());
  afterEach(() => freshQueue());

  /** A pull request of `files` templates whose installation the fake lists with its repository. */
  function listedPullRequest(files = 1): { payload: Record<string, any>; headSha: string; number: number } {
    const number = nextPull++;
    const headSha = randomBytes(20).toString('hex');
    const list = Array.from({ length: files }, (_, index) => ({ path: `stacks/app-${index}.yaml`, text: SAFE, status: 'modified' as const }));
    fake.addPullRequest({ owner: OWNER, repo: REPO, number, headSha, baseSha: randomBytes(20).toString('hex'), files: list });
    fake.setInstallation(number, [{ owner: OWNER, repo: REPO }]);
    return { payload: payloadFor(number, headSha), headSha, number };
  }

  it('a run another process left in progress past the deadline is checked again on that run; a recent one is left alone', async () => {
    const stale = listedPullRequest();
    const recent = listedPullRequest();
    const old = fake.addCheckRun({ owner: OWNER, repo: REPO, headSha: stale.headSha, status: 'in_progress', startedAt: new Date(Date.now() - 20 * 60_000) });
    const live = fake.addCheckRun({ owner: OWNER, repo: REPO, headSha: recent.headSha, status: 'in_progress', startedAt: new Date() });
    const app = await start({ TRUSTGATE_STALE_SWEEP_MS: '200', TRUSTGATE_STALE_AFTER_MS: String(10 * 60_000) });
    expect(await outcome([stale.headSha], 'success', app)).toEqual(CLEAN);
    expect(runsOf(stale.headSha).map((run) => run.id)).toEqual([old.id]);
    expect(old.writes).toBe(1);
    // A run started a moment ago may belong to a replica still working on it: not touched.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.checkRuns.get(live.id)!.status).toBe('in_progress');
    expect(fake.checkRuns.get(live.id)!.writes).toBe(0);
    expect(await (await fetch(`${app.base}/metrics`)).text()).toMatch(/^trustgate_stale_check_runs_total [1-9]/m);
    // Leave nothing in progress for the suites after this one.
    fake.checkRuns.get(live.id)!.status = 'completed';
  });

  it('SIGKILL while a large check is in progress with its journal lost (an ephemeral disk): the sweep of the next process completes that run', async () => {
    // More than 500 files: the run is created in progress before the files are read.
    const pull = listedPullRequest(501);
    const first = await start({ TRUSTGATE_QUEUE_DIR: '' });
    let created = false;
    let killed = false;
    const stop = fake.onRequest((request, phase) => {
      if (request.method === 'POST' && /\/check-runs$/.test(request.path) && phase === 'handled') created = true;
      else if (created && !killed && request.method === 'POST' && request.path === '/graphql' && phase === 'arrived') {
        killed = true;
        first.child.kill('SIGKILL');
      }
    });
    expect(await first.deliver('pull_request', pull.payload, randomBytes(8).toString('hex'))).toBe(200);
    await first.exited;
    stop();
    expect(killed).toBe(true);
    expect(runsOf(pull.headSha).map((run) => run.status)).toEqual(['in_progress']);
    const second = await start({ TRUSTGATE_QUEUE_DIR: '', TRUSTGATE_STALE_SWEEP_MS: '200', TRUSTGATE_STALE_AFTER_MS: '300' });
    const result = await outcome([pull.headSha], "success", second).catch((error) => { console.log(second.logs.filter((line) => !line.includes("\"http\"")).slice(-30).join("\n")); throw error; });
    expect(result).toEqual(CLEAN);
  });
});

describe('a check the queue gave up on', () => {
  beforeAll(() => freshQueue());
  afterEach(() => freshQueue());

  it('GitHub failing through every attempt, the failure write included, leaves the run recorded; once GitHub answers, the sweep completes it, though no installation listing leads to it', async () => {
    // 501 files: the run is created in progress before the files are read. Its repository is in no
    // installation GitHub lists (GET /app/installations), so only the app's record of its unfinished runs
    // leads back to it.
    const number = nextPull++;
    const headSha = randomBytes(20).toString('hex');
    const repo = `${REPO}-unlisted`;
    const files = Array.from({ length: 501 }, (_, index) => ({ path: `stacks/app-${index}.yaml`, text: SAFE, status: 'modified' as const }));
    fake.addPullRequest({ owner: OWNER, repo, number, headSha, baseSha: randomBytes(20).toString('hex'), files });
    const payload = payloadFor(number, headSha);
    payload['repository'] = { ...payload['repository'], name: repo, full_name: `${OWNER}/${repo}` };
    let created = false;
    let outage = true;
    const stop = fake.onRequest((request, phase) => {
      if (request.method === 'POST' && /\/check-runs$/.test(request.path) && phase === 'handled') created = true;
    });
    // From the run's creation on, every read and write fails until the queue has given up.
    const remove = fake.addFault((request) => (created && outage && (request.path === '/graphql' || request.method === 'PATCH') ? { status: 503 } : undefined));
    onTestFinished(() => {
      stop();
      remove();
    });
    // A run is stale 5 s after its start: the sweep takes it up only after GitHub has recovered.
    const app = await start({ TRUSTGATE_MAX_ATTEMPTS: '1', TRUSTGATE_STALE_SWEEP_MS: '200', TRUSTGATE_STALE_AFTER_MS: '5000' });
    expect(await app.deliver('pull_request', payload, randomBytes(8).toString('hex'))).toBe(200);
    const gaveUp = async () => /^trustgate_queue_gave_up_total [1-9]/m.test(await (await fetch(`${app.base}/metrics`)).text());
    for (const started = Date.now(); !(await gaveUp()); await new Promise((resolve) => setTimeout(resolve, 20))) {
      if (Date.now() - started > 30_000) throw new Error('the queue did not give up');
    }
    expect(runsOf(headSha).map((run) => run.status)).toEqual(['in_progress']);
    outage = false;
    expect(await outcome([headSha], 'success', app)).toEqual(CLEAN);
    expect(runsOf(headSha)).toHaveLength(1);
    expect(app.logs.some((line) => line.includes('it recorded left unfinished'))).toBe(true);
  }, 60_000);
});

describe('a check the queue gave up on before its run existed', () => {
  beforeAll(() => freshQueue());
  afterEach(() => freshQueue());

  it.each([
    ['in the queue directory, and the process restarted', {}, true],
    ['in memory only', { TRUSTGATE_QUEUE_DIR: '' }, false],
  ] as const)(
    'GitHub refusing every create until the queue gave up: the check is parked (%s); once GitHub answers, the sweep queues it again and its run is created',
    async (_where, env, restart) => {
      const pull = pullRequest();
      let outage = true;
      const remove = fake.addFault((request) => (outage && request.method === 'POST' && /\/check-runs$/.test(request.path) ? { status: 503 } : undefined));
      onTestFinished(remove);
      // Parked checks are queued again 5 s after they were parked: after GitHub has recovered here.
      const app = await start({ TRUSTGATE_MAX_ATTEMPTS: '1', TRUSTGATE_STALE_SWEEP_MS: '200', TRUSTGATE_STALE_AFTER_MS: '5000', ...env });
      expect(await app.deliver('pull_request', pull.payload, randomBytes(8).toString('hex'))).toBe(200);
      const gaveUp = async () => /^trustgate_queue_gave_up_total [1-9]/m.test(await (await fetch(`${app.base}/metrics`)).text());
      for (const started = Date.now(); !(await gaveUp()); await new Promise((resolve) => setTimeout(resolve, 20))) {
        if (Date.now() - started > 30_000) throw new Error('the queue did not give up');
      }
      // Nothing on GitHub shows the check, and its delivery succeeded: only the parked record leads back.
      expect(runsOf(pull.headSha)).toEqual([]);
      let last = app;
      if (restart) {
        await until(() => app.logs.some((line) => line.includes('trustgate parked a check')));
        await app.kill('SIGKILL');
        last = await start({ TRUSTGATE_STALE_SWEEP_MS: '200', TRUSTGATE_STALE_AFTER_MS: '5000', ...env });
      }
      outage = false;
      expect(await outcome([pull.headSha], 'success', last)).toEqual(CLEAN);
      expect(last.logs.some((line) => line.includes('queued again a check it had given up on'))).toBe(true);
    },
    60_000,
  );
});

describe('check runs left in progress on merge queue commits', () => {
  beforeAll(() => freshQueue());
  afterEach(() => freshQueue());

  const mergeGroupExample = examples.find((e) => e.name === 'merge_group')!.examples.find((e) => e['action'] === 'checks_requested')!;

  /**
   * A pull request of 501 templates in the merge queue: its group's head commit is on the queue's branch,
   * not the head of any pull request. 501 files: the run is created in progress before the files are read
   * (the comparison stops at 300 files, so the group's files are the pull request's).
   */
  function queuedGroup() {
    const number = nextPull++;
    const files = Array.from({ length: 501 }, (_, index) => ({ path: `stacks/app-${index}.yaml`, text: SAFE, status: 'modified' as const }));
    const [pullHead, base, groupHead] = [0, 1, 2].map(() => randomBytes(20).toString('hex')) as [string, string, string];
    fake.addPullRequest({ owner: OWNER, repo: REPO, number, headSha: pullHead, baseSha: base, files });
    fake.addMergeGroup({ owner: OWNER, repo: REPO, baseBranch: 'main', baseSha: base, headSha: groupHead, pullNumber: number, files });
    fake.setInstallation(number, [{ owner: OWNER, repo: REPO }]);
    const payload = structuredClone(mergeGroupExample);
    payload['repository'] = structuredClone(opened['repository']);
    payload['installation'].id = number;
    payload['merge_group'] = { ...payload['merge_group'], head_sha: groupHead, base_sha: base, head_ref: `refs/heads/gh-readonly-queue/main/pr-${number}-${base}`, base_ref: 'refs/heads/main' };
    onTestFinished(() => fake.removeMergeGroup(groupHead));
    return { payload, pullHead, groupHead };
  }

  it('SIGKILL while a merge queue check is in progress with its journal lost: the sweep of the next process finds the run on the queue branch and completes it', async () => {
    const group = queuedGroup();
    const first = await start({ TRUSTGATE_QUEUE_DIR: '' });
    let created = false;
    let killed = false;
    const stop = fake.onRequest((request, phase) => {
      if (request.method === 'POST' && /\/check-runs$/.test(request.path) && phase === 'handled') created = true;
      else if (created && !killed && request.method === 'POST' && request.path === '/graphql' && phase === 'arrived') {
        killed = true;
        first.child.kill('SIGKILL');
      }
    });
    expect(await first.deliver('merge_group', group.payload, randomBytes(8).toString('hex'))).toBe(200);
    await first.exited;
    stop();
    expect(killed).toBe(true);
    const [left] = runsOf(group.groupHead);
    expect(runsOf(group.groupHead).map((run) => run.status)).toEqual(['in_progress']);
    // Nothing remembers the check: only GitHub's merge queue branch leads to the run.
    const second = await start({ TRUSTGATE_QUEUE_DIR: '', TRUSTGATE_STALE_SWEEP_MS: '200', TRUSTGATE_STALE_AFTER_MS: '300' });
    expect(await outcome([group.groupHead], 'success', second)).toEqual(CLEAN);
    expect(runsOf(group.groupHead).map((run) => run.id)).toEqual([left!.id]);
    // The pull request's own head was not checked in its place.
    expect(runsOf(group.pullHead)).toEqual([]);
    expect(fake.requests.some((request) => decodeURIComponent(request.path).includes('/git/matching-refs/heads/gh-readonly-queue/'))).toBe(true);
  }, 60_000);

  it('a merge queue run left in progress past the deadline while the group is still queued is checked again on that run; a recent one is left alone', async () => {
    const stale = queuedGroup();
    const recent = queuedGroup();
    const old = fake.addCheckRun({ owner: OWNER, repo: REPO, headSha: stale.groupHead, status: 'in_progress', startedAt: new Date(Date.now() - 20 * 60_000) });
    const live = fake.addCheckRun({ owner: OWNER, repo: REPO, headSha: recent.groupHead, status: 'in_progress', startedAt: new Date() });
    onTestFinished(() => void (fake.checkRuns.get(live.id)!.status = 'completed'));
    const app = await start({ TRUSTGATE_STALE_SWEEP_MS: '200', TRUSTGATE_STALE_AFTER_MS: String(10 * 60_000) });
    expect(await outcome([stale.groupHead], 'success', app)).toEqual(CLEAN);
    expect(runsOf(stale.groupHead).map((run) => run.id)).toEqual([old.id]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.checkRuns.get(live.id)!.status).toBe('in_progress');
    expect(fake.checkRuns.get(live.id)!.writes).toBe(0);
  }, 60_000);
});

describe('scans off the event loop, through the server process', () => {
  beforeAll(() => freshQueue());
  afterEach(() => freshQueue());

  /** About 4 MB of YAML with nothing to report: the time goes to parsing and the rules, not to writes. */
  function hugeTemplate(topics = 60_000): string {
    const lines = ['AWSTemplateFormatVersion: "2010-09-09"', 'Resources:'];
    for (let index = 0; index < topics; index++) lines.push(`  Topic${index}:`, '    Type: AWS::SNS::Topic', '    Properties:', `      TopicName: topic-${index}`, '      DisplayName: a topic with a display name long enough');
    return lines.join('\n') + '\n';
  }

  function hugePullRequest(): { payload: Record<string, any>; headSha: string } {
    const number = nextPull++;
    const headSha = randomBytes(20).toString('hex');
    fake.addPullRequest({ owner: OWNER, repo: REPO, number, headSha, baseSha: randomBytes(20).toString('hex'), files: [{ path: 'stacks/huge.yaml', text: hugeTemplate(), status: 'modified' }] });
    return { payload: payloadFor(number, headSha), headSha };
  }

  /** Asks /health/live every 25 ms until `done`; resolves with the slowest answer in ms. */
  async function slowestLiveness(app: AppProcess, done: () => boolean): Promise<{ slowest: number; asked: number }> {
    let slowest = 0;
    let asked = 0;
    while (!done()) {
      const started = performance.now();
      expect((await fetch(`${app.base}/health/live`)).status).toBe(200);
      slowest = Math.max(slowest, performance.now() - started);
      asked++;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return { slowest, asked };
  }

  it('a huge template is checked in a worker thread while the server answers /health/live at once', async () => {
    const app = await start({ TRUSTGATE_SCAN_THREADS: '1' });
    const pull = hugePullRequest();
    let scanning = false;
    const stop = fake.onRequest((request, phase) => {
      // The scan starts once the file was read (GraphQL for the head, then the blob it was too large for).
      if (phase === 'handled' && /\/git\/blobs\//.test(request.path)) scanning = true;
    });
    expect(await app.deliver('pull_request', pull.payload, randomBytes(8).toString('hex'))).toBe(200);
    await until(() => scanning, 30_000);
    const { slowest, asked } = await slowestLiveness(app, () => runsOf(pull.headSha).some((run) => run.status === 'completed'));
    stop();
    // Liveness was asked again and again while the scan ran, and each answer came in well under half a
    // second (with TRUSTGATE_SCAN_THREADS=0 the scan holds the event loop and the slowest answer is seconds).
    // No wall-clock bound on the scan itself: how long it takes depends on the machine.
    expect(asked).toBeGreaterThan(3);
    expect(slowest).toBeLessThan(500);
    expect(await outcome([pull.headSha], 'success', app)).toEqual(CLEAN);
  }, 60_000);

  it('a file whose scan runs out of its thread\'s memory blocks with a finding on it, the other file of the pull request is still checked, and the server goes on', async () => {
    const app = await start({ TRUSTGATE_SCAN_THREADS: '1', TRUSTGATE_SCAN_MEMORY_MB: '32' });
    const number = nextPull++;
    const headSha = randomBytes(20).toString('hex');
    // The huge template needs more than 32 MB of heap; the small one next to it holds an admin role.
    fake.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      headSha,
      baseSha: randomBytes(20).toString('hex'),
      files: [
        { path: 'stacks/huge.yaml', text: hugeTemplate(), status: 'modified' },
        { path: 'stacks/admin.yaml', text: largeTemplate(1), status: 'modified' },
      ],
    });
    const outputs: { title?: string; summary?: string; annotations?: Record<string, any>[] }[] = [];
    const stop = fake.onRequest((request, phase) => {
      const output = (request.body as { output?: (typeof outputs)[number] } | undefined)?.output;
      if (phase === 'handled' && /\/check-runs(\/\d+)?$/.test(request.path) && output !== undefined) outputs.push(output);
    });
    expect(await app.deliver('pull_request', payloadFor(number, headSha), randomBytes(8).toString('hex'))).toBe(200);
    expect(await outcome([headSha], 'failure', app)).toEqual(CLEAN);
    stop();
    const [run] = runsOf(headSha);
    // A finding, not an error: the check completed and counts what blocks.
    expect(run!.title).not.toContain('could not finish');
    const annotations = outputs.flatMap((output) => output.annotations ?? []);
    const huge = annotations.filter((annotation) => annotation.path === 'stacks/huge.yaml');
    expect(huge).toEqual([expect.objectContaining({ path: 'stacks/huge.yaml', start_line: 1, end_line: 1, annotation_level: 'failure', title: expect.stringMatching(/^file-too-large \(high\)/) })]);
    expect(huge[0]!.message).toContain('needed more than the 32 MB of memory one check may use');
    expect(huge[0]!.message).toContain('TRUSTGATE_SCAN_MEMORY_MB');
    // The other file was checked and reported as usual.
    expect(annotations.filter((annotation) => annotation.path === 'stacks/admin.yaml').map((annotation) => annotation.title)).toContainEqual(expect.stringMatching(/^least-privilege\/full-admin \(critical\)/));
    expect(outputs.at(-1)!.summary).toContain('stacks/huge.yaml');
    expect(app.child.exitCode).toBeNull();
    expect((await fetch(`${app.base}/health/live`)).status).toBe(200);
    // The thread was replaced: the next check is scanned as usual.
    const next = pullRequest();
    expect(await app.deliver('pull_request', next.payload, randomBytes(8).toString('hex'))).toBe(200);
    expect(await outcome([next.headSha], 'success', app)).toEqual(CLEAN);
  }, 60_000);
});
