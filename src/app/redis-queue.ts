import { randomBytes } from 'node:crypto';
import { DelayedError, Queue, Worker as BullWorker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { RedeliveryClaim, RedeliveryCounts } from './sweeps.js';
import { DEFAULT_QUEUE_SETTINGS, QueueClosedError, type CheckJob, type CheckQueueSettings, type EnqueueResult, type JobControl, type QueueStats, type Worker, type WorkQueue } from './check-queue.js';

/**
 * The check queue shared by several replicas, behind `TRUSTGATE_REDIS_URL`: BullMQ on Redis for the
 * jobs (a job lives in Redis from the webhook's answer until it is done, and BullMQ's lock hands the
 * job of a replica that died to another once the lock expires), plus a few keys of its own for what
 * the in-process {@link CheckQueue} does in memory:
 *
 * - `delivery:<id>` (SET NX, three days, GitHub's retention): a delivery accepted once is a duplicate
 *   on any replica;
 * - `head:<key>`: the newest head commit asked for per pull request; work for an older head is
 *   superseded (dropped when it owns no run, else its run is completed as superseded);
 * - `pending:<key>@<sha>`: the same work asked for again while it waits is not queued twice;
 * - `run:<key>@<sha>` (a lock renewed while the check runs): two replicas never run the same check at
 *   once; the second waits (the job is delayed) and then updates the run the first made.
 *
 * The job id is the delivery-based id of the work, so a second add of the same id is a no-op in BullMQ.
 */
export interface RedisQueueSettings extends Pick<CheckQueueSettings, 'concurrency' | 'maxAttempts' | 'retryDelayMs' | 'onGiveUp'> {
  url: string;
  /** Prefix of every key (BullMQ's too). */
  prefix: string;
  /** A replica that stops renewing its locks for this long is taken for dead and its jobs move on. */
  lockMs: number;
  /** Called when running checks are handed back at shutdown (the server halts its shared write pacing). */
  onAbandon?: () => void;
}

const DELIVERY_TTL_MS = 3 * 24 * 3_600_000;
const HEAD_TTL_MS = 30 * 24 * 3_600_000;
const QUEUE_NAME = 'checks';

export class RedisCheckQueue implements WorkQueue {
  /** Jobs handed back at the last close. */
  handedBack = 0;
  readonly stats: QueueStats = { queued: 0, running: 0, superseded: 0, retried: 0, duplicates: 0, gaveUp: 0 };
  private readonly settings: RedisQueueSettings;
  /** Commands of this class: they fail at once while Redis is unreachable (a webhook then fails and is redelivered). */
  readonly redis: Redis;
  private readonly queue: Queue;
  private bull: BullWorker | undefined;
  private closed = false;
  private running = 0;
  /** Jobs running here, to hand back at shutdown. */
  private readonly active = new Map<string, { finished: Promise<void> }>();
  /** Set at the drain bound: running checks stop at their next request and go back to the queue. */
  private abandoning = false;

  constructor(settings: Partial<RedisQueueSettings> & { url: string }) {
    this.settings = { concurrency: DEFAULT_QUEUE_SETTINGS.concurrency, maxAttempts: DEFAULT_QUEUE_SETTINGS.maxAttempts, retryDelayMs: DEFAULT_QUEUE_SETTINGS.retryDelayMs, prefix: 'trustgate', lockMs: 30_000, ...settings };
    this.redis = new Redis(this.settings.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    this.redis.on('error', () => undefined);
    this.queue = new Queue(QUEUE_NAME, { connection: this.blocking(), prefix: this.settings.prefix });
    this.queue.on('error', () => undefined);
  }

  /** BullMQ's own connections retry forever (it requires that of a worker's). */
  private blocking(): Redis {
    const connection = new Redis(this.settings.url, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    return connection;
  }

  private key(...parts: string[]): string {
    return `${this.settings.prefix}:tg:${parts.join(':')}`;
  }

  get accepting(): boolean {
    return !this.closed;
  }

  /** Sets what to do when running checks are handed back at shutdown. */
  onAbandon(callback: () => void): void {
    this.settings.onAbandon = callback;
  }

  async reachable(): Promise<void> {
    await this.redis.ping();
  }

  async currentDepth(): Promise<number> {
    const counts = await this.queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  async enqueue(input: Omit<CheckJob, 'attempts' | 'acceptedAt'>): Promise<EnqueueResult> {
    if (this.closed) throw new QueueClosedError();
    const done = { finished: Promise.resolve() };
    if (input.deliveryId !== undefined) {
      const first = await this.redis.set(this.key('delivery', input.deliveryId), '1', 'PX', DELIVERY_TTL_MS, 'NX');
      if (first === null) {
        this.stats.duplicates++;
        return { accepted: false, ...done };
      }
    }
    const work = `${input.key}@${input.target.headSha}`;
    // The newest head of the pull request: older work sees it and stops.
    await this.redis.set(this.key('head', input.key), input.target.headSha, 'PX', HEAD_TTL_MS);
    const jobId = input.id.replace(/[^A-Za-z0-9_.-]/g, '_');
    const waiting = await this.redis.set(this.key('pending', work), jobId, 'PX', DELIVERY_TTL_MS, 'NX');
    if (waiting === null && input.checkRunId === undefined) {
      // The same work is queued and has not started: it answers for this request too.
      this.stats.duplicates++;
      return { accepted: false, ...done };
    }
    const job: CheckJob = { ...input, attempts: 0, acceptedAt: Date.now() };
    await this.queue.add('check', job, { jobId, attempts: this.settings.maxAttempts, backoff: { type: 'trustgate' }, removeOnComplete: true, removeOnFail: 1000 });
    return { accepted: true, ...done };
  }

  start(worker: Worker): number {
    this.bull = new BullWorker(QUEUE_NAME, (job, token) => this.process(worker, job, token), {
      connection: this.blocking(),
      prefix: this.settings.prefix,
      concurrency: this.settings.concurrency,
      lockDuration: this.settings.lockMs,
      stalledInterval: this.settings.lockMs,
      // A job whose replica died is handed on this many times before it is given up.
      maxStalledCount: 5,
      settings: { backoffStrategy: (attemptsMade: number) => this.settings.retryDelayMs(attemptsMade) },
    });
    this.bull.on('error', () => undefined);
    this.bull.on('failed', (job) => {
      if (job === undefined || job.attemptsMade < this.settings.maxAttempts) return;
      this.stats.gaveUp++;
      try {
        this.settings.onGiveUp?.({ ...job.data, attempts: job.attemptsMade });
      } catch {
        // The hook's trouble is the hook's.
      }
    });
    return 0;
  }

  private async process(worker: Worker, bullJob: Job<CheckJob>, token: string | undefined): Promise<void> {
    const job: CheckJob = { ...bullJob.data };
    const work = `${job.key}@${job.target.headSha}`;
    const headKey = this.key('head', job.key);
    let superseded = (await this.redis.get(headKey)) !== job.target.headSha;
    if (superseded && job.checkRunId === undefined) {
      // Never started and owns no run: dropped, as the in-process queue drops it.
      this.stats.superseded++;
      await this.redis.del(this.key('pending', work));
      return;
    }
    // One replica at a time per piece of work; the other waits and then updates the same run.
    const lockKey = this.key('run', work);
    const lockValue = randomBytes(8).toString('hex');
    if ((await this.redis.set(lockKey, lockValue, 'PX', this.settings.lockMs, 'NX')) === null) {
      await bullJob.moveToDelayed(Date.now() + Math.min(2_000, this.settings.lockMs / 4), token);
      throw new DelayedError();
    }
    await this.redis.del(this.key('pending', work));
    const activeId = `${bullJob.id}:${lockValue}`;
    let finish!: () => void;
    this.active.set(activeId, { finished: new Promise<void>((resolve) => (finish = resolve)) });
    this.running++;
    this.stats.running = this.running;
    const attempt = bullJob.attemptsMade + 1;
    job.attempts = attempt;
    // Started before (a retry, or a replica that died mid-check): a run may exist; look it up.
    if (attempt > 1 || bullJob.attemptsStarted > 1) job.mayHaveRun = true;
    let saving: Promise<unknown> = Promise.resolve();
    const renew = setInterval(() => {
      void this.redis.get(headKey).then((head) => {
        if (head !== null && head !== job.target.headSha) superseded = true;
      }).catch(() => undefined);
      void this.redis.pexpire(lockKey, this.settings.lockMs).catch(() => undefined);
    }, Math.max(100, Math.min(1_000, this.settings.lockMs / 3)));
    const control: JobControl = {
      superseded: () => superseded,
      lastAttempt: attempt >= this.settings.maxAttempts || this.closed,
      refresh: async () => {
        const head = await this.redis.get(headKey).catch(() => null);
        if (head !== null && head !== job.target.headSha) superseded = true;
      },
      abandoned: () => this.abandoning,
      ownsCheckRun: (id) => {
        if (job.checkRunId === id) return;
        job.checkRunId = id;
        saving = saving.then(() => bullJob.updateData({ ...bullJob.data, checkRunId: id, mayHaveRun: true })).catch(() => undefined);
      },
    };
    try {
      let outcome;
      try {
        outcome = await worker(job, control);
      } catch {
        outcome = 'retry' as const;
      }
      await saving;
      if (this.abandoning && outcome !== 'done') {
        // Back to the waiting jobs at once (the run id it learnt is saved with it): another replica takes it.
        this.handedBack++;
        await bullJob.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      if (superseded) this.stats.superseded++;
      if (outcome === 'retry' && !superseded) {
        this.stats.retried++;
        throw new Error('a GitHub fault stopped the check; BullMQ retries it later');
      }
    } finally {
      clearInterval(renew);
      this.active.delete(activeId);
      finish();
      this.running--;
      this.stats.running = this.running;
      // Only our own lock: one that expired and was taken by another replica stays theirs.
      if ((await this.redis.get(lockKey).catch(() => null)) === lockValue) await this.redis.del(lockKey).catch(() => undefined);
    }
  }

  /**
   * Stops taking jobs and lets running ones finish for up to `drainMs`; what is still running then is
   * handed back: it stops at its next GitHub request and is moved to the waiting jobs with its lock
   * released, so another replica (or the next process) takes it at once and updates the run it owns. Only a replica that dies without this
   * (SIGKILL, a lost node) leaves its jobs locked until the lock expires.
   */
  async close(drainMs: number): Promise<CheckJob[]> {
    this.closed = true;
    const bull = this.bull;
    if (bull !== undefined) {
      let bound: NodeJS.Timeout | undefined;
      const drained = await Promise.race([bull.close().then(() => true), new Promise<boolean>((resolve) => (bound = setTimeout(() => resolve(false), drainMs)))]);
      clearTimeout(bound);
      if (!drained) {
        // Running checks stop at their next GitHub request (the one in flight is let finish, so a run it
        // creates is recorded with the job) and are moved back to the waiting jobs, their locks released.
        this.abandoning = true;
        this.settings.onAbandon?.();
        let handBound: NodeJS.Timeout | undefined;
        await Promise.race([Promise.all([...this.active.values()].map((entry) => entry.finished)), new Promise((resolve) => (handBound = setTimeout(resolve, 5_000)))]);
        clearTimeout(handBound);
        await bull.close(true).catch(() => undefined);
      }
    }
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
    return [];
  }
}

/** Runs `work` on one replica at a time per `name` and interval: a sweep every replica schedules runs once. */
export async function onceAcrossReplicas(redis: Redis, prefix: string, name: string, intervalMs: number, work: () => Promise<void>): Promise<boolean> {
  const claimed = await redis.set(`${prefix}:tg:sweep:${name}`, String(process.pid), 'PX', Math.max(1, Math.floor(intervalMs * 0.9)), 'NX');
  if (claimed === null) return false;
  await work();
  return true;
}

/**
 * Atomically: counts one more redelivery of a GUID unless the limit was reached or one was asked for
 * after GitHub's newest attempt less than the re-ask time ago. KEYS[1]: the GUID's hash; ARGV: now,
 * newest attempt, max, re-ask ms, time to live.
 */
const CLAIM_REDELIVERY = `
local times = tonumber(redis.call('HGET', KEYS[1], 'times') or '0')
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or '-1')
local now = tonumber(ARGV[1])
if times >= tonumber(ARGV[3]) then return 0 end
if at >= 0 and tonumber(ARGV[2]) <= at and now - at < tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], 'times', times + 1, 'at', now)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

/**
 * Redeliveries asked for each GUID, counted in Redis once for every replica sharing it (kept three
 * days, GitHub's retention): with counts per replica, each of N replicas would ask up to the limit.
 */
export class RedisRedeliveries implements RedeliveryCounts {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async claim(guid: string, { now, latestAttemptAt, max, reaskAfterMs }: RedeliveryClaim): Promise<boolean> {
    const claimed = await this.redis.eval(CLAIM_REDELIVERY, 1, `${this.prefix}:tg:redelivery:${guid}`, now, Number.isFinite(latestAttemptAt) ? latestAttemptAt : 0, max, reaskAfterMs, DELIVERY_TTL_MS);
    return claimed === 1;
  }
}
