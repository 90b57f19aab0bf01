import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckQueue, coalescingKey, QueueClosedError, type CheckJob, type JobControl, type WorkOutcome } from '../../src/app/check-queue.js';
import type { CheckTarget } from '../../src/app/github-gateway.js';

function target(sha: string, pullNumber = 1): CheckTarget {
  return { owner: 'o', repo: 'r', headSha: sha, htmlUrl: 'https://github.com/o/r', source: { kind: 'pull-request', number: pullNumber }, pullNumber };
}

function job(id: string, sha: string, options: { pull?: number; delivery?: string; checkRunId?: number } = {}) {
  const t = target(sha, options.pull ?? 1);
  return { id, key: coalescingKey('pull-request', t), installationId: 1, target: t, mayHaveRun: false, ...(options.delivery !== undefined ? { deliveryId: options.delivery } : {}), ...(options.checkRunId !== undefined ? { checkRunId: options.checkRunId } : {}) };
}

/** A worker the test finishes by hand. */
function manualWorker() {
  const calls: { job: CheckJob; control: JobControl; finish: (outcome: WorkOutcome) => void }[] = [];
  const worker = (j: CheckJob, control: JobControl) => new Promise<WorkOutcome>((finish) => calls.push({ job: j, control, finish }));
  return { calls, worker };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

describe('CheckQueue', () => {
  it('a newer head supersedes running work of the same pull request and drops queued work that owns no run', async () => {
    const queue = new CheckQueue({ concurrency: 1 });
    const { calls, worker } = manualWorker();
    queue.start(worker);
    queue.enqueue(job('a', 'a1'));
    queue.enqueue(job('b', 'b1', { pull: 2 }));
    await tick();
    expect(calls.map((c) => c.job.id)).toEqual(['a']);
    queue.enqueue(job('a2', 'a2'));
    expect(calls[0]!.control.superseded()).toBe(true);
    // A third head before the second started: the second is dropped, it owns no run.
    queue.enqueue(job('a3', 'a3'));
    calls[0]!.finish('done');
    await tick();
    calls[1]!.finish('done');
    await tick();
    expect(calls.map((c) => c.job.id)).toEqual(['a', 'b', 'a3']);
    expect(queue.stats.superseded).toBe(2);
  });

  it('queued work for an older head that owns a run is still run, superseded, so the run is closed', async () => {
    const queue = new CheckQueue({ concurrency: 1 });
    const { calls, worker } = manualWorker();
    queue.start(worker);
    queue.enqueue(job('other', 'x', { pull: 9 }));
    queue.enqueue(job('old', 'o1', { checkRunId: 5 }));
    queue.enqueue(job('new', 'o2'));
    calls[0]!.finish('done');
    await tick();
    expect(calls[1]!.job.id).toBe('old');
    expect(calls[1]!.control.superseded()).toBe(true);
  });

  it('drops a delivery it has seen and the same head asked for again, and runs once more when asked while running', async () => {
    const queue = new CheckQueue();
    const { calls, worker } = manualWorker();
    queue.start(worker);
    expect(queue.enqueue(job('1', 's', { delivery: 'g1' })).accepted).toBe(true);
    expect(queue.enqueue(job('2', 's', { delivery: 'g1' })).accepted).toBe(false);
    await tick();
    expect(queue.enqueue(job('3', 's', { delivery: 'g2' })).accepted).toBe(false);
    calls[0]!.finish('done');
    await tick();
    expect(calls).toHaveLength(2);
    calls[1]!.finish('done');
    await tick();
    expect(calls).toHaveLength(2);
    expect(queue.depth).toBe(0);
  });

  it('retries with backoff, tells the last attempt so, and gives up after it', async () => {
    const queue = new CheckQueue({ maxAttempts: 3, retryDelayMs: () => 1 });
    const seen: boolean[] = [];
    queue.start(async (_job, control) => {
      seen.push(control.lastAttempt);
      return 'retry';
    });
    const { finished } = queue.enqueue(job('r', 'r1'));
    await finished;
    expect(seen).toEqual([false, false, true]);
    expect(queue.stats).toMatchObject({ retried: 2, gaveUp: 1 });
  });

  it('keeps accepted work in the journal until done; a new queue on the directory takes it up with the run it owns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustgate-queue-test-'));
    dirs.push(dir);
    const first = new CheckQueue({ journalDir: dir });
    const { calls, worker } = manualWorker();
    first.start(worker);
    first.enqueue(job('k', 'k1', { delivery: 'g' }));
    await tick();
    calls[0]!.control.ownsCheckRun(77);
    expect(readdirSync(dir).filter((n) => n.endsWith('.json'))).toHaveLength(1);
    // The process dies here. The next one:
    const second = new CheckQueue({ journalDir: dir });
    const taken: CheckJob[] = [];
    expect(second.start(async (j) => (taken.push(j), 'done'))).toBe(1);
    await second.idle();
    await tick();
    expect(taken[0]).toMatchObject({ id: 'k', checkRunId: 77, mayHaveRun: true, attempts: 2 });
    expect(readdirSync(dir).filter((n) => n.endsWith('.json'))).toHaveLength(0);
  });

  it('refuses work once closed, and reports what was left after the drain bound', async () => {
    const queue = new CheckQueue({ concurrency: 1 });
    const { worker } = manualWorker();
    queue.start(worker);
    queue.enqueue(job('a', 'a', { pull: 1 }));
    queue.enqueue(job('b', 'b', { pull: 2 }));
    await tick();
    const left = await queue.close(20);
    expect(left.map((j) => j.id)).toEqual(['a', 'b']);
    expect(() => queue.enqueue(job('c', 'c', { pull: 3 }))).toThrow(QueueClosedError);
  });
});
