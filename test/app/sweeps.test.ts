import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FileOpenRuns, MemoryOpenRuns, parkedCheckOf, parkedJobId, RedisOpenRuns, type OpenRun, type OpenRuns } from '../../src/app/open-runs.js';
import { redisServerMissing, startRedisServer } from '../support/redis-server.js';
import { InMemoryRedeliveries, parseMergeQueueRef, recordedRunWork } from '../../src/app/sweeps.js';

/** The pieces of the sweeps (src/app/sweeps.ts, open-runs.ts) the fault suite reaches only through the server. */
describe('merge queue branches', () => {
  it('reads the base branch and pull request of a queue branch, slashes in the base branch included', () => {
    expect(parseMergeQueueRef('refs/heads/gh-readonly-queue/main/pr-104-929f8209d40f77f4abc622a499c93a83babdbe64')).toEqual({ baseBranch: 'main', pullNumber: 104 });
    expect(parseMergeQueueRef('refs/heads/gh-readonly-queue/release/1.x/pr-7-abc123')).toEqual({ baseBranch: 'release/1.x', pullNumber: 7 });
  });

  it('is not fooled by branches that only look like one', () => {
    expect(parseMergeQueueRef('refs/heads/gh-readonly-queue/main')).toBeUndefined();
    expect(parseMergeQueueRef('refs/heads/feature/gh-readonly-queue/main/pr-1-abc')).toBeUndefined();
    expect(parseMergeQueueRef('refs/heads/gh-readonly-queue/main/pr-x-abc')).toBeUndefined();
  });
});

function openRun(checkRunId: number, recordedAt: number, source: OpenRun['target']['source'] = { kind: 'pull-request', number: 12 }): OpenRun {
  return { checkRunId, installationId: 5, key: 'pr:o/r#12', target: { owner: 'o', repo: 'r', headSha: 'a'.repeat(40), htmlUrl: 'https://github.com/o/r', source, pullNumber: 12, baseSha: 'b'.repeat(40) }, recordedAt };
}

describe('recorded runs', () => {
  it('a pull request run is checked as its commit, so it cannot supersede the work on a newer head', () => {
    const work = recordedRunWork(openRun(1, 0));
    expect(work.key).toBe(`commit:o/r@${'a'.repeat(40)}`);
    expect(work.target.source).toEqual({ kind: 'commit', pullRequests: [] });
    expect(work.target.pullNumber).toBeUndefined();
    const group = openRun(2, 0, { kind: 'compare', base: 'b'.repeat(40), head: 'a'.repeat(40) });
    expect(recordedRunWork({ ...group, key: 'merge-group:o/r@x' })).toEqual({ key: 'merge-group:o/r@x', target: group.target });
  });

  it.each([
    ['in memory', () => new MemoryOpenRuns()],
    [
      'in a directory',
      () => {
        const dir = mkdtempSync(join(tmpdir(), 'trustgate-open-runs-'));
        onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
        return new FileOpenRuns(dir);
      },
    ],
  ])('%s: recorded until closed, oldest first, at most the limit', async (_name, make) => {
    const runs = make();
    await runs.opened(openRun(3, 30));
    await runs.opened(openRun(1, 10));
    await runs.opened(openRun(2, 20));
    expect((await runs.list(10)).map((run) => run.checkRunId).sort()).toEqual([1, 2, 3]);
    expect(await runs.list(2)).toHaveLength(2);
    await runs.closed(2);
    await runs.closed(99);
    expect((await runs.list(10)).map((run) => run.checkRunId).sort()).toEqual([1, 3]);
  });

  it('a record file cut short by a crash is skipped, not fatal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustgate-open-runs-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const runs = new FileOpenRuns(dir);
    await runs.opened(openRun(1, 10));
    writeFileSync(join(dir, '2.json'), '{"checkRunId": 2, "instal');
    expect((await runs.list(10)).map((run) => run.checkRunId)).toEqual([1]);
  });
});

describe.skipIf(redisServerMissing !== undefined)('recorded runs in a real Redis', () => {
  it('are shared by every client of the prefix, oldest first, and the oldest go past the capacity', async () => {
    const server = await startRedisServer();
    const [one, two] = [new Redis(server.url), new Redis(server.url)];
    onTestFinished(async () => {
      one.disconnect();
      two.disconnect();
      await server.stop();
    });
    const [a, b] = [new RedisOpenRuns(one, 'p', 3), new RedisOpenRuns(two, 'p', 3)];
    await a.opened(openRun(1, 10));
    await b.opened(openRun(2, 20));
    await a.opened(openRun(3, 30));
    expect((await b.list(10)).map((run) => run.checkRunId)).toEqual([1, 2, 3]);
    expect((await b.list(10))[0]).toEqual(openRun(1, 10));
    await b.closed(2);
    expect((await a.list(10)).map((run) => run.checkRunId)).toEqual([1, 3]);
    await a.opened(openRun(4, 40));
    await a.opened(openRun(5, 50));
    // Capacity 3: the oldest record (1) is dropped.
    expect((await b.list(10)).map((run) => run.checkRunId)).toEqual([3, 4, 5]);
    expect(await new RedisOpenRuns(one, 'other').list(10)).toEqual([]);
  });
});

describe('parked checks', () => {
  const job = { id: 'guid-1', key: 'pr:o/r#12', installationId: 5, target: openRun(1, 0).target, mayHaveRun: false, attempts: 5, acceptedAt: 1_000 };

  it('keep the first acceptance across being queued again, so that one failing for 3 days is dropped', () => {
    const parked = parkedCheckOf(job, 2_000);
    expect(parked).toMatchObject({ id: `pr:o/r#12@${'a'.repeat(40)}`, acceptedAt: 1_000, parkedAt: 2_000 });
    const again = parkedCheckOf({ ...job, id: parkedJobId(parked), acceptedAt: 9_000 }, 10_000);
    expect(again.acceptedAt).toBe(1_000);
  });

  const stores: [string, () => Promise<OpenRuns>][] = [
    ['in memory', async () => new MemoryOpenRuns()],
    [
      'in a directory',
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'trustgate-open-runs-'));
        onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
        return new FileOpenRuns(dir);
      },
    ],
    ...(redisServerMissing === undefined
      ? [
          [
            'in Redis',
            async () => {
              const server = await startRedisServer();
              const client = new Redis(server.url);
              onTestFinished(async () => {
                client.disconnect();
                await server.stop();
              });
              return new RedisOpenRuns(client, 'p');
            },
          ] as [string, () => Promise<OpenRuns>],
        ]
      : []),
  ];

  it.each(stores)('%s: parked once per piece of work until unparked, apart from the recorded runs', async (_name, make) => {
    const runs = await make();
    await runs.park(parkedCheckOf(job, 2_000));
    await runs.park(parkedCheckOf(job, 3_000));
    await runs.park(parkedCheckOf({ ...job, key: 'pr:o/r#13' }, 2_500));
    expect((await runs.listParked(10)).map((check) => check.key).sort()).toEqual(['pr:o/r#12', 'pr:o/r#13']);
    expect((await runs.listParked(10)).find((check) => check.key === 'pr:o/r#12')!.parkedAt).toBe(3_000);
    expect(await runs.list(10)).toEqual([]);
    await runs.unpark(parkedCheckOf(job).id);
    expect((await runs.listParked(10)).map((check) => check.key)).toEqual(['pr:o/r#13']);
  });
});

describe('redelivery counts', () => {
  const claim = { max: 3, reaskAfterMs: 600_000 };

  it('claims at most max redeliveries of a GUID, each only after GitHub attempted the one before', async () => {
    const counts = new InMemoryRedeliveries();
    expect(await counts.claim('g', { ...claim, now: 1_000, latestAttemptAt: 500 })).toBe(true);
    // Asked at 1000 and GitHub has listed no attempt since: still on its way.
    expect(await counts.claim('g', { ...claim, now: 2_000, latestAttemptAt: 500 })).toBe(false);
    expect(await counts.claim('g', { ...claim, now: 3_000, latestAttemptAt: 2_500 })).toBe(true);
    // Not attempted for longer than the re-ask time: asked again.
    expect(await counts.claim('g', { ...claim, now: 700_000, latestAttemptAt: 2_500 })).toBe(true);
    expect(await counts.claim('g', { ...claim, now: 800_000, latestAttemptAt: 750_000 })).toBe(false);
    expect(await counts.claim('other', { ...claim, now: 800_000, latestAttemptAt: 750_000 })).toBe(true);
  });
});
