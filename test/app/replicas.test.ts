import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { FakeGitHub, type FakeCheckRun } from '../support/fake-github.js';
import { redisServerMissing, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { fixture } from './helpers.js';

/**
 * Several replicas (issue 16): two real server processes (src/app/server.ts) share one real
 * redis-server (TRUSTGATE_REDIS_URL) and the fake GitHub, each on a port of its own so the test knows
 * whose request is whose. Each scenario checks the fault suite's numbers: no run missing or left in
 * progress, no false failure, no duplicate run, and no check run twice.
 */
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Record<string, any>[] }[];
const opened = examples.find((e) => e.name === 'pull_request')!.examples.find((e) => e['action'] === 'opened' && e['installation'] !== undefined)!;
const OWNER = opened['repository'].owner.login as string;
const REPO = opened['repository'].name as string;
const SAFE = fixture('scoped-role.yaml');

if (redisServerMissing !== undefined) {
  describe.skip(`several replicas on one Redis: ${redisServerMissing}`, () => {
    it('needs redis-server', () => undefined);
  });
} else {
  describe('several replicas on one Redis, through two server processes', () => {
    let fake: FakeGitHub;
    let redis: RedisServer;
    let urls: string[];
    let apps: AppProcess[] = [];
    let nextPull = 500;

    beforeAll(async () => {
      fake = new FakeGitHub({ latencyMs: 2 });
      urls = [await fake.start(), await fake.listenAlso()];
      redis = await startRedisServer();
    });

    afterAll(async () => {
      await redis?.stop();
      await fake?.stop();
    });

    afterEach(async () => {
      for (const app of apps) await app.kill('SIGKILL');
      apps = [];
    });

    /** Two replicas sharing a fresh key prefix, replica i talking to the fake through port i. */
    async function replicas(env: Record<string, string> = {}, each: Record<string, string>[] = []): Promise<AppProcess[]> {
      const prefix = `t${randomBytes(4).toString('hex')}`;
      const started = await Promise.all(
        urls.map((url, index) =>
          startAppProcess(fake, {
            GHE_HOST: new URL(url).host,
            TRUSTGATE_REDIS_URL: redis.url,
            TRUSTGATE_REDIS_PREFIX: prefix,
            TRUSTGATE_REDIS_LOCK_MS: '1000',
            TRUSTGATE_QUEUE_DIR: '',
            TRUSTGATE_SCAN_THREADS: '1',
            ...env,
            ...each[index],
          }),
        ),
      );
      apps.push(...started);
      for (const app of started) await ready(app);
      return started;
    }

    async function ready(app: AppProcess): Promise<void> {
      const started = Date.now();
      while ((await fetch(`${app.base}/health/ready`)).status !== 200) {
        if (Date.now() - started > 20_000) throw new Error(`the app did not become ready:\n${app.logs.slice(-10).join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }

    /** A pull request of `installation` changing one safe template. */
    function pullRequest(installation: number): { payload: Record<string, any>; headSha: string; number: number } {
      const number = nextPull++;
      const headSha = randomBytes(20).toString('hex');
      fake.addPullRequest({ owner: OWNER, repo: REPO, number, headSha, baseSha: randomBytes(20).toString('hex'), files: [{ path: 'stacks/app.yaml', text: SAFE, status: 'modified' }] });
      const payload = structuredClone(opened);
      payload['number'] = number;
      payload['installation'].id = installation;
      payload['pull_request'].number = number;
      payload['pull_request'].head.sha = headSha;
      return { payload, headSha, number };
    }

    function runsOf(headSha: string): FakeCheckRun[] {
      return [...fake.checkRuns.values()].filter((run) => run.headSha === headSha && run.name === 'trustgate');
    }

    async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
      const started = Date.now();
      while (!condition()) {
        if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }

    /** Check completions logged for a commit, by all replicas together. */
    function completions(headSha: string): number {
      return apps.flatMap((app) => app.logs).filter((line) => line.includes('trustgate check completed') && line.includes(headSha)).length;
    }

    async function outcome(shas: string[]) {
      await until(() => shas.every((sha) => runsOf(sha).some((run) => run.status === 'completed'))).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return {
        missing: shas.filter((sha) => runsOf(sha).length === 0).length,
        inProgress: shas.flatMap(runsOf).filter((run) => run.status !== 'completed').length,
        duplicates: shas.reduce((sum, sha) => sum + Math.max(0, runsOf(sha).length - 1), 0),
        wrong: shas.flatMap(runsOf).filter((run) => run.conclusion !== 'success').length,
      };
    }

    const CLEAN = { missing: 0, inProgress: 0, duplicates: 0, wrong: 0 };

    it('each delivery sent to both replicas is checked once, and their writes to one installation are paced together', async () => {
      const [a, b] = await replicas();
      const installation = 9000 + nextPull;
      const pulls = Array.from({ length: 8 }, () => pullRequest(installation));
      for (const [index, pull] of pulls.entries()) {
        const guid = randomBytes(8).toString('hex');
        const [first, second] = index % 2 === 0 ? [a!, b!] : [b!, a!];
        expect(await first.deliver('pull_request', pull.payload, guid)).toBe(200);
        // GitHub's redelivery of the same GUID reaching the other replica.
        expect(await second.deliver('pull_request', pull.payload, guid)).toBe(200);
      }
      const shas = pulls.map((pull) => pull.headSha);
      expect(await outcome(shas)).toEqual(CLEAN);
      // No check ran twice, on either replica.
      expect(shas.map(completions)).toEqual(shas.map(() => 1));
      // Both replicas wrote to the one installation; GitHub never saw them write too fast.
      expect(fake.secondaryLimitResponses).toBe(0);
    }, 90_000);

    it('a replica killed in the middle of a check: the other replica finishes that check on the same run', async () => {
      const started = await replicas();
      const pull = pullRequest(9500 + nextPull);
      const ports = urls.map((url) => Number(new URL(url).port));
      let killed: AppProcess | undefined;
      const stop = fake.onRequest((request, phase) => {
        if (killed === undefined && phase === 'arrived' && request.method === 'GET' && request.path.endsWith(`/pulls/${pull.number}/files`)) {
          killed = started[ports.indexOf(request.port)];
          killed?.child.kill('SIGKILL');
        }
      });
      expect(await started[0]!.deliver('pull_request', pull.payload, randomBytes(8).toString('hex'))).toBe(200);
      await until(() => killed !== undefined);
      await killed!.exited;
      stop();
      const survivor = started.find((app) => app !== killed)!;
      expect(await outcome([pull.headSha])).toEqual(CLEAN);
      expect(survivor.logs.some((line) => line.includes('trustgate check completed') && line.includes(pull.headSha))).toBe(true);
    }, 90_000);

    it('SIGTERM on a replica with checks still running at its drain bound hands them to the other at once (not after the lock expires)', async () => {
      const [a, b] = await replicas({ TRUSTGATE_REDIS_LOCK_MS: '20000', TRUSTGATE_DRAIN_MS: '300' });
      const installation = 9700 + nextPull;
      // Writes of one installation are 800 ms apart: eight checks take ~7 s, far past the drain bound.
      const pulls = Array.from({ length: 8 }, () => pullRequest(installation));
      // Stopped once it is working on checks of its own (both replicas take jobs from Redis).
      const portOfA = Number(new URL(urls[0]!).port);
      let aWorking = 0;
      const stop = fake.onRequest((request, phase) => {
        if (phase === 'arrived' && request.port === portOfA && request.path.endsWith('/files')) aWorking++;
      });
      for (const pull of pulls) expect(await a!.deliver('pull_request', pull.payload, randomBytes(8).toString('hex'))).toBe(200);
      await until(() => aWorking >= 2);
      stop();
      const stopped = Date.now();
      await a!.kill('SIGTERM');
      const shas = pulls.map((pull) => pull.headSha);
      await until(() => shas.every((sha) => runsOf(sha).some((run) => run.status === 'completed')), 15_000).catch((error) => {
        console.log([...a!.logs, '-----', ...b!.logs].filter((line) => !line.includes('"http"')).join('\n'));
        throw error;
      });
      // Well before the 20 s lock would have expired.
      expect(Date.now() - stopped).toBeLessThan(15_000);
      expect(await outcome(shas)).toEqual(CLEAN);
      expect(shas.map(completions).every((count) => count === 1)).toBe(true);
      expect(a!.logs.some((line) => line.includes('handed back to the shared queue'))).toBe(true);
      expect(b!.logs.some((line) => line.includes('trustgate check completed'))).toBe(true);
    }, 90_000);

    it('pushes to one pull request spread over both replicas: the newest head is checked, no older one is left pending', async () => {
      const started = await replicas();
      const number = nextPull++;
      const shas = Array.from({ length: 5 }, () => randomBytes(20).toString('hex'));
      for (const sha of shas) fake.addPullRequest({ owner: OWNER, repo: REPO, number, headSha: sha, baseSha: 'b'.repeat(40), files: [{ path: 'stacks/app.yaml', text: SAFE }] });
      for (const [index, sha] of shas.entries()) {
        const payload = structuredClone(opened);
        payload['action'] = 'synchronize';
        payload['number'] = number;
        payload['installation'].id = 9800 + number;
        payload['pull_request'].number = number;
        payload['pull_request'].head.sha = sha;
        expect(await started[index % 2]!.deliver('pull_request', payload, randomBytes(8).toString('hex'))).toBe(200);
      }
      expect(await outcome([shas[shas.length - 1]!])).toEqual(CLEAN);
      const older = shas.slice(0, -1).flatMap(runsOf);
      expect(older.filter((run) => run.status !== 'completed')).toEqual([]);
      expect(older.length).toBeLessThan(4);
    }, 90_000);

    it('a delivery whose every attempt fails is redelivered at most 3 times in all, counted in Redis, though both replicas sweep', async () => {
      // Different sweep intervals: the replicas' turns drift, so each takes sweeps of its own.
      await replicas({}, [{ TRUSTGATE_SWEEP_MS: '100' }, { TRUSTGATE_SWEEP_MS: '130' }]);
      const ports = urls.map((url) => Number(new URL(url).port));
      const swept = [0, 0];
      const stop = fake.onRequest((request, phase) => {
        if (phase === 'arrived' && request.method === 'GET' && request.path === '/app/hook/deliveries') swept[ports.indexOf(request.port)]!++;
      });
      const guid = randomBytes(8).toString('hex');
      const failed = { guid, event: 'pull_request', action: 'opened', status_code: 502, body: JSON.stringify(pullRequest(9950).payload) };
      const ids = [fake.recordDelivery({ ...failed, redelivery: false }).id];
      // GitHub's every attempt at it fails (the app's endpoint is broken for this delivery).
      fake.onRedeliver = (delivery) => {
        if (delivery.guid === guid) ids.push(fake.recordDelivery({ ...failed, redelivery: true }).id);
      };
      const asked = () => fake.requests.filter((request) => request.method === 'POST' && ids.some((id) => request.path.endsWith(`/app/hook/deliveries/${id}/attempts`))).length;
      try {
        await until(() => asked() >= 3);
        // Both replicas go on sweeping long after the third request: each would ask again if it counted alone.
        const after = [...swept];
        await until(() => swept.every((count, index) => count >= after[index]! + 5));
        expect(asked()).toBe(3);
        expect(ids).toHaveLength(4);
      } finally {
        stop();
        fake.onRedeliver = undefined;
      }
    }, 90_000);

    it('a check the queue gave up on while GitHub failed stays recorded in Redis: with its replica gone, the other completes its run once GitHub answers', async () => {
      const started = await replicas({ TRUSTGATE_MAX_ATTEMPTS: '1', TRUSTGATE_STALE_SWEEP_MS: '200', TRUSTGATE_STALE_AFTER_MS: '5000' });
      // 501 files: the run is created in progress before the files are read. Its installation is not
      // listed, so only the record of unfinished runs leads back to it.
      const pull = pullRequest(9960);
      const files = Array.from({ length: 501 }, (_, index) => ({ path: `stacks/app-${index}.yaml`, text: SAFE, status: 'modified' as const }));
      fake.addPullRequest({ owner: OWNER, repo: REPO, number: pull.number, headSha: pull.headSha, baseSha: randomBytes(20).toString('hex'), files });
      let created = false;
      let outage = true;
      const stop = fake.onRequest((request, phase) => {
        if (request.method === 'POST' && /\/check-runs$/.test(request.path) && phase === 'handled') created = true;
      });
      const remove = fake.addFault((request) => (created && outage && (request.path === '/graphql' || request.method === 'PATCH') ? { status: 503 } : undefined));
      try {
        expect(await started[0]!.deliver('pull_request', pull.payload, randomBytes(8).toString('hex'))).toBe(200);
        const gaveUp = async (app: AppProcess) => /^trustgate_queue_gave_up_total [1-9]/m.test(await (await fetch(`${app.base}/metrics`)).text());
        let quitter: AppProcess | undefined;
        for (const since = Date.now(); quitter === undefined; await new Promise((resolve) => setTimeout(resolve, 25))) {
          for (const app of started) if (await gaveUp(app)) quitter = app;
          if (Date.now() - since > 30_000) throw new Error('no replica gave up');
        }
        expect(runsOf(pull.headSha).map((run) => run.status)).toEqual(['in_progress']);
        await quitter!.kill('SIGKILL');
        outage = false;
        expect(await outcome([pull.headSha])).toEqual(CLEAN);
        const survivor = started.find((app) => app !== quitter)!;
        expect(survivor.logs.some((line) => line.includes('it recorded left unfinished'))).toBe(true);
      } finally {
        stop();
        remove();
      }
    }, 90_000);

    it('a check given up on before GitHub created its run is parked in Redis: with its replica gone, the other queues it again once GitHub answers', async () => {
      const started = await replicas({ TRUSTGATE_MAX_ATTEMPTS: '1', TRUSTGATE_STALE_SWEEP_MS: '200', TRUSTGATE_STALE_AFTER_MS: '5000' });
      const pull = pullRequest(9970);
      let outage = true;
      const remove = fake.addFault((request) => (outage && request.method === 'POST' && /\/check-runs$/.test(request.path) ? { status: 503 } : undefined));
      try {
        expect(await started[0]!.deliver('pull_request', pull.payload, randomBytes(8).toString('hex'))).toBe(200);
        const gaveUp = async (app: AppProcess) => /^trustgate_queue_gave_up_total [1-9]/m.test(await (await fetch(`${app.base}/metrics`)).text());
        let quitter: AppProcess | undefined;
        for (const since = Date.now(); quitter === undefined; await new Promise((resolve) => setTimeout(resolve, 25))) {
          for (const app of started) if (await gaveUp(app)) quitter = app;
          if (Date.now() - since > 30_000) throw new Error('no replica gave up');
        }
        expect(runsOf(pull.headSha)).toEqual([]);
        // The parked record is written just after the queue gives up.
        await until(() => quitter!.logs.some((line) => line.includes('trustgate parked a check')));
        await quitter!.kill('SIGKILL');
        outage = false;
        expect(await outcome([pull.headSha])).toEqual(CLEAN);
        const survivor = started.find((app) => app !== quitter)!;
        expect(survivor.logs.some((line) => line.includes('queued again a check it had given up on'))).toBe(true);
      } finally {
        remove();
      }
    }, 90_000);

    // Last: it stops the Redis the others use.
    it('is not ready while its Redis cannot be reached, and a webhook then fails (GitHub records it, the sweep redelivers it)', async () => {
      const [a] = await replicas();
      expect((await fetch(`${a!.base}/health/ready`)).status).toBe(200);
      expect(await (await fetch(`${a!.base}/metrics`)).text()).toMatch(/^trustgate_queue_depth 0$/m);
      await redis.stop();
      const refused = await fetch(`${a!.base}/health/ready`);
      expect(refused.status).toBe(503);
      expect(await refused.text()).toContain("the queue's store cannot be reached");
      expect((await fetch(`${a!.base}/health/live`)).status).toBe(200);
      expect(await a!.deliver('pull_request', pullRequest(9900).payload, randomBytes(8).toString('hex'))).toBeGreaterThanOrEqual(500);
    }, 60_000);
  });
}
