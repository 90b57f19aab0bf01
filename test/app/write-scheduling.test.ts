import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContentCreationScheduler, isContentCreating, trustgateOctokit, type ContentCreationLimits } from '../../src/app/octokit.js';
import { API, PRIVATE_KEY } from './helpers.js';

/**
 * A clock that moves only when the test says so: sleeps wake in order as `advance` passes their time,
 * so the test decides exactly when each request finishes.
 */
function manualTime(): { clock: () => number; sleep: (ms: number) => Promise<void>; advance: (ms: number) => Promise<void> } {
  let now = 0;
  const timers: { at: number; wake: () => void }[] = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    clock: () => now,
    sleep: (ms) => new Promise<void>((wake) => timers.push({ at: now + ms, wake })),
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        await settle();
        timers.sort((a, b) => a.at - b.at);
        if (timers.length === 0 || timers[0]!.at > target) break;
        const timer = timers.shift()!;
        now = timer.at;
        timer.wake();
      }
      now = target;
      await settle();
    },
  };
}

/** A request the test answers by hand, noting when it was sent. */
function manualRequests(time: { clock: () => number }) {
  const sent: { at: number; answer: () => void; fail: (error: Error) => void }[] = [];
  const send = () =>
    new Promise<string>((resolve, reject) => {
      sent.push({ at: time.clock(), answer: () => resolve('ok'), fail: reject });
    });
  return { sent, send };
}

const LIMITS: ContentCreationLimits = { intervalMs: 800, gapMs: 600, perMinute: 80, perHour: 500 };

describe('content-creating requests', () => {
  it('counts REST writes and GraphQL mutations, not reads, GraphQL queries or token exchanges', () => {
    expect(isContentCreating({ method: 'POST', url: '/repos/o/r/check-runs' })).toBe(true);
    expect(isContentCreating({ method: 'PATCH', url: '/repos/o/r/check-runs/1' })).toBe(true);
    expect(isContentCreating({ method: 'POST', url: '/graphql', query: 'mutation { addComment }' })).toBe(true);
    expect(isContentCreating({ method: 'POST', url: '/graphql', query: 'query ($owner: String!) { repository }' })).toBe(false);
    expect(isContentCreating({ method: 'POST', url: '/api/graphql', query: 'query { viewer }' })).toBe(false);
    expect(isContentCreating({ method: 'GET', url: '/repos/o/r/pulls/1/files' })).toBe(false);
    expect(isContentCreating({ method: 'POST', url: '/app/installations/7/access_tokens' })).toBe(false);
    expect(isContentCreating({ method: 'POST', url: '/api/v3/app/installations/7/access_tokens' })).toBe(false);
  });
});

describe('ContentCreationScheduler', () => {
  it('starts the next write only a gap after the previous one was answered, however long that took', async () => {
    const time = manualTime();
    const scheduler = new ContentCreationScheduler(LIMITS, time.clock, time.sleep);
    const requests = manualRequests(time);
    const results = [1, 2, 3].map(() => scheduler.run('1', requests.send));
    await time.advance(5_000);
    expect(requests.sent.map((r) => r.at)).toEqual([0]);
    requests.sent[0]!.answer();
    await time.advance(599);
    expect(requests.sent).toHaveLength(1);
    await time.advance(1);
    expect(requests.sent.map((r) => r.at)).toEqual([0, 5_600]);
    // Answered after 50 ms: the interval from the start (800 ms) is the longer wait, not the gap.
    await time.advance(50);
    requests.sent[1]!.answer();
    await time.advance(2_000);
    expect(requests.sent.map((r) => r.at)).toEqual([0, 5_600, 6_400]);
    requests.sent[2]!.answer();
    await expect(Promise.all(results)).resolves.toEqual(['ok', 'ok', 'ok']);
  });

  it('lets the next write go after a request fails or throws, a gap after the failure', async () => {
    const time = manualTime();
    const scheduler = new ContentCreationScheduler(LIMITS, time.clock, time.sleep);
    const requests = manualRequests(time);
    const failing = scheduler.run('1', requests.send);
    // Fails before any attempt is sent (say, the token exchange failed).
    const throwing = scheduler.exclusive('1', () => {
      throw new Error('could not build the request');
    });
    const last = scheduler.run('1', requests.send);
    await time.advance(1_000);
    requests.sent[0]!.fail(new Error('502 Bad Gateway'));
    await expect(failing).rejects.toThrow('502 Bad Gateway');
    const thrown = expect(throwing).rejects.toThrow('could not build the request');
    await time.advance(5_000);
    await thrown;
    expect(requests.sent.map((r) => r.at)).toEqual([0, 2_200]);
    requests.sent[1]!.answer();
    await expect(last).resolves.toBe('ok');
  });

  it('spaces and counts every attempt inside one held slot, so a retry uses the budget too', async () => {
    const time = manualTime();
    const scheduler = new ContentCreationScheduler({ intervalMs: 800, gapMs: 600, perMinute: 2, perHour: 500 }, time.clock, time.sleep);
    const requests = manualRequests(time);
    const retried = scheduler.exclusive('1', async () => {
      try {
        return await scheduler.attempt('1', requests.send);
      } catch {
        return scheduler.attempt('1', requests.send);
      }
    });
    const next = scheduler.run('1', requests.send);
    await time.advance(100);
    requests.sent[0]!.fail(new Error('502 Bad Gateway'));
    await time.advance(700);
    expect(requests.sent.map((r) => r.at)).toEqual([0, 800]);
    await time.advance(100);
    requests.sent[1]!.answer();
    await expect(retried).resolves.toBe('ok');
    // Two attempts used the minute's budget of 2: the next write waits for the minute to pass.
    await time.advance(59_000);
    expect(requests.sent).toHaveLength(2);
    await time.advance(1_000);
    expect(requests.sent.map((r) => r.at)).toEqual([0, 800, 60_000]);
    requests.sent[2]!.answer();
    await expect(next).resolves.toBe('ok');
  });

  it('keeps installations apart', async () => {
    const time = manualTime();
    const scheduler = new ContentCreationScheduler(LIMITS, time.clock, time.sleep);
    const requests = manualRequests(time);
    void scheduler.run('1', requests.send);
    void scheduler.run('2', requests.send);
    await time.advance(0);
    expect(requests.sent.map((r) => r.at)).toEqual([0, 0]);
  });

  it('never starts more than perMinute in a sliding minute, even with no interval or gap', async () => {
    const time = manualTime();
    const scheduler = new ContentCreationScheduler({ intervalMs: 0, gapMs: 0, perMinute: 3, perHour: 500 }, time.clock, time.sleep);
    const starts: number[] = [];
    const runs = [1, 2, 3, 4, 5].map(() => scheduler.run('1', async () => void starts.push(time.clock())));
    await time.advance(120_000);
    await Promise.all(runs);
    expect(starts).toEqual([0, 0, 0, 60_000, 60_000]);
  });

  it('never starts more than perHour in a sliding hour', async () => {
    const time = manualTime();
    const scheduler = new ContentCreationScheduler({ intervalMs: 0, gapMs: 0, perMinute: 1000, perHour: 2 }, time.clock, time.sleep);
    const starts: number[] = [];
    const runs = [1, 2, 3].map(() => scheduler.run('1', async () => void starts.push(time.clock())));
    await time.advance(3_600_000);
    await Promise.all(runs);
    expect(starts).toEqual([0, 0, 3_600_000]);
  });
});

describe('trustgate Octokit', () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("sends an installation's writes one at a time through the scheduler, and octokit's retries through it again", async () => {
    const gapMs = 40;
    const answerMs = 30;
    const scheduler = new ContentCreationScheduler({ intervalMs: 0, gapMs, perMinute: 1000, perHour: 1000 });
    const attempts = vi.spyOn(scheduler, 'attempt');
    // plugin-retry waits (retries + 1)² × this many ms before retrying a 5xx answer.
    const Octokit = trustgateOctokit(scheduler).defaults((options: Record<string, unknown>) => ({ ...options, retry: { retryAfterBaseValue: 1 } }));
    const probot = new Probot({ appId: 123, privateKey: PRIVATE_KEY, Octokit, logLevel: 'fatal' });
    const arrivals: { write: string; at: number }[] = [];
    const arrive = (write: string) => () => void arrivals.push({ write, at: Date.now() });
    nock(API)
      .post('/app/installations/1/access_tokens')
      .reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z' })
      .post('/repos/o/r/check-runs')
      .delay(answerMs)
      .reply(502, () => (arrive('create')(), { message: 'Bad Gateway' }))
      .post('/repos/o/r/check-runs')
      .delay(answerMs)
      .reply(201, () => (arrive('create again')(), { id: 1 }))
      .patch('/repos/o/r/check-runs/1')
      .delay(answerMs)
      .reply(200, () => (arrive('update')(), { id: 1 }))
      .get('/repos/o/r/pulls/1/files')
      .reply(200, () => (arrive('read')(), []));
    const octokit = await probot.auth(1);

    const create = octokit.request('POST /repos/{owner}/{repo}/check-runs', { owner: 'o', repo: 'r', name: 'trustgate', head_sha: 'a'.repeat(40) });
    const update = octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner: 'o', repo: 'r', check_run_id: 1, status: 'completed', conclusion: 'success' });
    const read = octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { owner: 'o', repo: 'r', pull_number: 1 });
    await Promise.all([create, update, read]);

    expect(attempts.mock.calls.map(([key]) => key)).toEqual(['1', '1', '1']);
    const writes = arrivals.filter((a) => a.write !== 'read');
    expect(writes.map((a) => a.write)).toEqual(['create', 'create again', 'update']);
    // Each write reached the server only after the previous answer (answerMs) plus the gap; a timer
    // may fire a millisecond early.
    for (let index = 1; index < writes.length; index++) expect(writes[index]!.at - writes[index - 1]!.at).toBeGreaterThanOrEqual(answerMs + gapMs - 1);
    // Reads are not queued behind writes.
    expect(arrivals.findIndex((a) => a.write === 'read')).toBeLessThan(arrivals.findIndex((a) => a.write === 'update'));
  });

  /** A real local GitHub that answers the token exchange and every write but the first, which hangs. */
  async function firstWriteHangs(retry: Record<string, unknown>) {
    nock.enableNetConnect('127.0.0.1');
    const state = { writes: 0 };
    const server = createServer((request, response) => {
      if (request.url === '/app/installations/1/access_tokens') {
        response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z' }));
      } else if (request.method === 'POST' && ++state.writes > 1) {
        response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: state.writes }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const scheduler = new ContentCreationScheduler({ intervalMs: 0, gapMs: 0, perMinute: 1000, perHour: 1000 });
    const Octokit = trustgateOctokit(scheduler, 300).defaults((options: Record<string, unknown>) => ({ ...options, retry }));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const octokit = await new Probot({ appId: 123, privateKey: PRIVATE_KEY, Octokit, baseUrl, logLevel: 'fatal' }).auth(1);
    const create = (sha: string) => octokit.request('POST /repos/{owner}/{repo}/check-runs', { owner: 'o', repo: 'r', name: 'trustgate', head_sha: sha.repeat(40) });
    const close = () => {
      server.closeAllConnections();
      server.close();
    };
    return { state, create, close };
  }

  it("abandons a write that is never answered, so the installation's next write is not held behind it", async () => {
    const github = await firstWriteHangs({ enabled: false });
    try {
      const started = Date.now();
      const hung = github.create('a');
      const next = github.create('b');
      await expect(hung).rejects.toThrow(/abort/i);
      expect((await next).data).toEqual({ id: 2 });
      expect(github.state.writes).toBe(2);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      github.close();
    }
  });

  it('gives a retry of an abandoned write a fresh deadline', async () => {
    // plugin-retry waits (retries + 1)² × retryAfterBaseValue ms before trying again.
    const github = await firstWriteHangs({ retryAfterBaseValue: 1 });
    try {
      expect((await github.create('a')).data).toEqual({ id: 2 });
      expect(github.state.writes).toBe(2);
    } finally {
      github.close();
    }
  });
});
