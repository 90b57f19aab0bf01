import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckTarget } from './github-gateway.js';

/**
 * Accept, then work: webhook handlers put checks here and return, so GitHub gets its answer at once,
 * and workers run them. The queue
 *
 * - coalesces per pull request: a newer head SHA supersedes queued or running work for an older one
 *   (the worker completes a run that exists as superseded instead of leaving it pending), and the same
 *   work asked for again while it is queued or running is not added twice;
 * - drops a delivery it has already accepted (GitHub's redeliveries keep the delivery's GUID);
 * - retries a check that could not finish later, with backoff, instead of dropping it; the last attempt
 *   is told so, so that the run it owns is completed with a failure that says what to do;
 * - with a journal directory, keeps every accepted check on disk until it is done, so a process killed
 *   at any point (or stopped before it drained) finds the unfinished work again when it starts.
 */
export interface CheckJob {
  /** Unique per accepted piece of work: the delivery GUID when there is one. */
  id: string;
  deliveryId?: string;
  /** Work with the same key coalesces: `pr:owner/repo#12`, or the commit for other events. */
  key: string;
  installationId: number;
  target: CheckTarget;
  /** The run this work owns, once known (from a re-run request's payload or an earlier attempt). */
  checkRunId?: number;
  /**
   * A run for this work may already exist (the commit was seen before, or an earlier attempt or process
   * may have created one): look it up before creating. False only for a first attempt at a new commit.
   */
  mayHaveRun: boolean;
  /**
   * Work queued for a run found unfinished (the stale-run sweep): done at once if, by the time it
   * starts, that run has been completed (by the process that owned it after all, or by another replica).
   */
  ifUnfinished?: boolean;
  /** Attempts started so far. */
  attempts: number;
  acceptedAt: number;
}

export interface JobControl {
  /** True once newer work for the same pull request has arrived: stop and complete the run as superseded. */
  superseded(): boolean;
  /** This is the last attempt the queue will make: a run that exists must be completed, whatever happens. */
  readonly lastAttempt: boolean;
  /** Records the run this work owns, so a later attempt (or another process) updates it instead of adding one. */
  ownsCheckRun(id: number): void;
  /** Brings {@link superseded} up to date where that takes a round trip (a shared queue); called before a run is created. */
  refresh?(): Promise<void>;
  /** True once this process has handed the work back (shutdown with a shared queue): stop at the next request, write nothing. */
  abandoned?(): boolean;
}

/** `done`: finished (whatever the conclusion); `retry`: a retryable fault stopped it, try again later. */
export type WorkOutcome = 'done' | 'retry';
export type Worker = (job: CheckJob, control: JobControl) => Promise<WorkOutcome>;

export interface CheckQueueSettings {
  /** Checks run at once. Writes are paced per installation anyway (octokit.ts); reads and scans overlap. */
  concurrency: number;
  /** Attempts at one check before the queue gives up (after completing its run as failed). */
  maxAttempts: number;
  /** Wait before attempt `attempt + 1` after attempt `attempt` asked for a retry. */
  retryDelayMs: (attempt: number) => number;
  /** Where accepted work is kept until done; undefined keeps it in memory only. */
  journalDir?: string;
  /** Delivery GUIDs remembered for de-duplication. */
  rememberDeliveries: number;
  /**
   * Called with a check the queue stops retrying (GitHub failed through its every attempt, the final
   * failure write included); the server parks one that owns no run, to queue it again later (open-runs.ts).
   */
  onGiveUp?: (job: CheckJob) => void;
}

export const DEFAULT_QUEUE_SETTINGS: CheckQueueSettings = {
  concurrency: 32,
  maxAttempts: 5,
  // 30 s, 1, 2, 4 min: long enough for most GitHub incidents to pass.
  retryDelayMs: (attempt) => 30_000 * 2 ** Math.max(0, attempt - 1),
  rememberDeliveries: 10_000,
};

export class QueueClosedError extends Error {
  constructor() {
    super('trustgate is shutting down and accepts no new work; GitHub will show the delivery as failed and it is redelivered');
  }
}

interface Entry {
  job: CheckJob;
  notBefore: number;
  superseded: boolean;
  running: boolean;
  /** Asked for again while running (e.g. a re-run after a waiver): run once more when done. */
  again: boolean;
  waiters: (() => void)[];
}

export interface QueueStats {
  queued: number;
  running: number;
  superseded: number;
  retried: number;
  duplicates: number;
  gaveUp: number;
}

/** What the app and the server need of a queue: {@link CheckQueue} in one process, or RedisCheckQueue (redis-queue.ts) shared by replicas. */
export interface WorkQueue {
  readonly accepting: boolean;
  readonly stats: QueueStats;
  /** Starts working; resolves with the checks taken up again from an earlier process (0 when the store does that itself). */
  start(worker: Worker): number | Promise<number>;
  enqueue(input: Omit<CheckJob, 'attempts' | 'acceptedAt'>): EnqueueResult | Promise<EnqueueResult>;
  /** Accepted work not finished, running included (for a shared queue: of every replica). */
  currentDepth(): Promise<number>;
  /** Rejects when the queue's store cannot be reached (readiness). */
  reachable(): Promise<void>;
  close(drainMs: number): Promise<CheckJob[]>;
}

export interface EnqueueResult {
  accepted: boolean;
  finished: Promise<void>;
}

export class CheckQueue implements WorkQueue {
  private readonly settings: CheckQueueSettings;
  private readonly entries: Entry[] = [];
  private readonly deliveries = new Set<string>();
  private worker: Worker | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  readonly stats: QueueStats = { queued: 0, running: 0, superseded: 0, retried: 0, duplicates: 0, gaveUp: 0 };

  constructor(settings: Partial<CheckQueueSettings> = {}, private readonly clock: () => number = Date.now) {
    this.settings = { ...DEFAULT_QUEUE_SETTINGS, ...settings };
    if (this.settings.journalDir !== undefined) mkdirSync(this.settings.journalDir, { recursive: true });
  }

  /** Starts working with `worker`, first on any work the journal kept from an earlier process. */
  start(worker: Worker): number {
    this.worker = worker;
    let recovered = 0;
    const dir = this.settings.journalDir;
    if (dir !== undefined) {
      for (const name of readdirSync(dir).sort()) {
        if (!name.endsWith('.json')) continue;
        try {
          const job = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CheckJob;
          job.mayHaveRun = true;
          if (this.accept(job, false)) recovered++;
        } catch {
          // A file cut short by a crash while it was written: the rename below makes that rare; skip it.
        }
      }
    }
    this.pump();
    return recovered;
  }

  /** Queue depth: accepted work not finished (running included). */
  get depth(): number {
    return this.entries.length;
  }

  get accepting(): boolean {
    return !this.closed;
  }

  currentDepth(): Promise<number> {
    return Promise.resolve(this.depth);
  }

  /** In memory (and a local directory): always reachable. */
  reachable(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Accepts work. Resolves once it is safely queued (written to the journal when there is one), with a
   * promise of its end; `accepted` is false for a duplicate.
   */
  enqueue(input: Omit<CheckJob, 'attempts' | 'acceptedAt'>): EnqueueResult {
    if (this.closed) throw new QueueClosedError();
    const job: CheckJob = { ...input, attempts: 0, acceptedAt: this.clock() };
    let finished: Promise<void> = Promise.resolve();
    const accepted = this.accept(job, true, (entry) => {
      finished = new Promise((resolve) => entry.waiters.push(resolve));
    });
    if (!accepted) {
      const same = this.entries.find((entry) => entry.job.key === job.key && entry.job.target.headSha === job.target.headSha && !entry.superseded);
      if (same !== undefined) finished = new Promise((resolve) => same.waiters.push(resolve));
    }
    this.pump();
    return { accepted, finished };
  }

  private accept(job: CheckJob, fresh: boolean, onEntry?: (entry: Entry) => void): boolean {
    if (job.deliveryId !== undefined) {
      if (this.deliveries.has(job.deliveryId) || this.entries.some((entry) => entry.job.deliveryId === job.deliveryId)) {
        this.stats.duplicates++;
        return false;
      }
      this.rememberDelivery(job.deliveryId);
    }
    for (const entry of this.entries) {
      if (entry.job.key !== job.key || entry.superseded) continue;
      if (entry.job.target.headSha === job.target.headSha) {
        // The same work again (a re-run request while it is queued or running): one run answers both.
        if (entry.job.checkRunId === undefined && job.checkRunId !== undefined) entry.job.checkRunId = job.checkRunId;
        if (entry.running) entry.again = true;
        this.stats.duplicates++;
        return false;
      }
      entry.superseded = true;
      this.stats.superseded++;
    }
    // Superseded work that never started and owns no run is simply dropped.
    for (let index = this.entries.length - 1; index >= 0; index--) {
      const entry = this.entries[index]!;
      if (entry.superseded && !entry.running && entry.job.checkRunId === undefined) this.finish(entry);
    }
    const entry: Entry = { job, notBefore: this.clock(), superseded: false, running: false, again: false, waiters: [] };
    this.entries.push(entry);
    if (fresh) this.persist(job);
    onEntry?.(entry);
    return true;
  }

  private rememberDelivery(id: string): void {
    this.deliveries.add(id);
    if (this.deliveries.size > this.settings.rememberDeliveries) this.deliveries.delete(this.deliveries.values().next().value!);
  }

  private pump(): void {
    if (this.worker === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.clock();
    let running = this.entries.filter((entry) => entry.running).length;
    let nextAt = Infinity;
    for (const entry of [...this.entries]) {
      if (running >= this.settings.concurrency) break;
      if (entry.running) continue;
      if (this.closed && !entry.superseded) continue;
      if (entry.notBefore > now) {
        nextAt = Math.min(nextAt, entry.notBefore);
        continue;
      }
      running++;
      void this.run(entry);
    }
    this.stats.running = running;
    this.stats.queued = this.entries.length - running;
    if (nextAt !== Infinity && !this.closed) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, nextAt - now));
      this.timer.unref();
    }
    if (running === 0) this.notifyIdle();
  }

  private async run(entry: Entry): Promise<void> {
    entry.running = true;
    const job = entry.job;
    job.attempts++;
    if (job.attempts > 1) job.mayHaveRun = true;
    this.persist(job);
    const control: JobControl = {
      superseded: () => entry.superseded,
      lastAttempt: job.attempts >= this.settings.maxAttempts || this.closed,
      ownsCheckRun: (id) => {
        if (job.checkRunId === id) return;
        job.checkRunId = id;
        this.persist(job);
      },
    };
    let outcome: WorkOutcome;
    try {
      outcome = await this.worker!(job, control);
    } catch {
      outcome = 'retry';
    }
    entry.running = false;
    if (outcome === 'retry' && !entry.superseded) {
      if (job.attempts < this.settings.maxAttempts) {
        this.stats.retried++;
        entry.notBefore = this.clock() + this.settings.retryDelayMs(job.attempts);
        this.pump();
        return;
      }
      this.stats.gaveUp++;
      try {
        this.settings.onGiveUp?.({ ...job });
      } catch {
        // The hook's trouble is the hook's.
      }
    } else if (entry.again && !entry.superseded && !this.closed) {
      entry.again = false;
      job.attempts = 0;
      this.pump();
      return;
    }
    this.finish(entry);
    this.pump();
  }

  private finish(entry: Entry): void {
    const index = this.entries.indexOf(entry);
    if (index >= 0) this.entries.splice(index, 1);
    this.forget(entry.job);
    for (const wake of entry.waiters) wake();
    entry.waiters = [];
  }

  /**
   * Stops accepting and lets running work finish for up to `drainMs`. Queued work, and work still
   * running at the bound, stays in the journal for the next process (or is handed to `abandon` when
   * there is no journal). Resolves with what was left unfinished.
   */
  async close(drainMs: number): Promise<CheckJob[]> {
    this.closed = true;
    clearTimeout(this.timer);
    const drained = new Promise<void>((resolve) => {
      if (!this.entries.some((entry) => entry.running)) resolve();
      else this.idleWaiters.push(resolve);
    });
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((resolve) => (bound = setTimeout(resolve, drainMs)))]);
    clearTimeout(bound);
    return this.entries.filter((entry) => !entry.superseded).map((entry) => entry.job);
  }

  /** Resolves when nothing is running (tests, shutdown). */
  idle(): Promise<void> {
    if (!this.entries.some((entry) => entry.running)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private fileOf(job: CheckJob): string | undefined {
    const dir = this.settings.journalDir;
    return dir === undefined ? undefined : join(dir, `${job.acceptedAt.toString().padStart(15, '0')}-${job.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  }

  private persist(job: CheckJob): void {
    const file = this.fileOf(job);
    if (file === undefined) return;
    // Written aside and renamed: a crash mid-write leaves the previous version, never half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify(job));
    renameSync(`${file}.tmp`, file);
  }

  private forget(job: CheckJob): void {
    const file = this.fileOf(job);
    if (file !== undefined) rmSync(file, { force: true });
  }
}

/** The coalescing key: pull request events coalesce per pull request, everything else per commit. */
export function coalescingKey(event: 'pull-request' | 'commit' | 'merge-group', target: CheckTarget): string {
  const repository = `${target.owner}/${target.repo}`.toLowerCase();
  if (event === 'pull-request' && target.pullNumber !== undefined) return `pr:${repository}#${target.pullNumber}`;
  return `${event}:${repository}@${target.headSha}`;
}
