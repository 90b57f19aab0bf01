import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { CheckJob, WorkQueue } from './check-queue.js';
import type { CheckTarget } from './github-gateway.js';

/**
 * The check runs this app created (or took over) and has not seen completed: a durable record, so that
 * a run left `in_progress` on any commit — not only an open pull request's head or a merge queue head,
 * which the GitHub-wide sweep reads — is found again. A run is recorded as soon as a check owns it and
 * dropped once its check is done; a check the queue gave up on (GitHub failing through every attempt,
 * the final failure write included) leaves its run recorded, and the stale-run sweep checks it again on
 * that run once GitHub answers. Kept in Redis when replicas share it, else in the queue directory (or
 * in memory when there is none).
 */
export interface OpenRun {
  checkRunId: number;
  installationId: number;
  /** The coalescing key of the work (check-queue.ts). */
  key: string;
  target: CheckTarget;
  /** When this process recorded it (ms since the epoch). */
  recordedAt: number;
}

/**
 * A check the queue gave up on before GitHub ever created its run (GitHub failed through every
 * attempt): nothing on GitHub shows it and its delivery had succeeded, so nothing would bring it back.
 * It is parked here and queued again by the stale-run sweep (sweeps.ts), until it is done or 3 days old.
 */
export interface ParkedCheck {
  /** The work: `<key>@<head sha>`. */
  id: string;
  installationId: number;
  key: string;
  target: CheckTarget;
  /** When it was first accepted (ms since the epoch): parked work older than GitHub's retention is dropped. */
  acceptedAt: number;
  parkedAt: number;
}

export interface OpenRuns {
  opened(run: OpenRun): Promise<void>;
  closed(checkRunId: number): Promise<void>;
  /** Up to `limit` recorded runs, oldest first. */
  list(limit: number): Promise<OpenRun[]>;
  park(check: ParkedCheck): Promise<void>;
  unpark(id: string): Promise<void>;
  /** Up to `limit` parked checks, oldest first. */
  listParked(limit: number): Promise<ParkedCheck[]>;
}

/** The parked form of a job the queue gave up on; a parked check queued again keeps its first acceptance in its id. */
export function parkedCheckOf(job: CheckJob, now = Date.now()): ParkedCheck {
  const again = /^parked-(\d+)-/.exec(job.id);
  return { id: `${job.key}@${job.target.headSha}`, installationId: job.installationId, key: job.key, target: job.target, acceptedAt: again !== null ? Number(again[1]) : job.acceptedAt, parkedAt: now };
}

/** The queue id of a parked check queued again. */
export function parkedJobId(check: ParkedCheck): string {
  return `parked-${Math.trunc(check.acceptedAt)}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** Runs recorded at most; past it the oldest are forgotten (the GitHub-wide sweep still finds those on heads). */
const CAPACITY = 10_000;

export class MemoryOpenRuns implements OpenRuns {
  private readonly runs = new Map<number, OpenRun>();
  private readonly parkedChecks = new Map<string, ParkedCheck>();

  async park(check: ParkedCheck): Promise<void> {
    this.parkedChecks.delete(check.id);
    this.parkedChecks.set(check.id, check);
    if (this.parkedChecks.size > CAPACITY) this.parkedChecks.delete(this.parkedChecks.keys().next().value!);
  }

  async unpark(id: string): Promise<void> {
    this.parkedChecks.delete(id);
  }

  async listParked(limit: number): Promise<ParkedCheck[]> {
    return [...this.parkedChecks.values()].slice(0, limit);
  }

  async opened(run: OpenRun): Promise<void> {
    this.runs.delete(run.checkRunId);
    this.runs.set(run.checkRunId, run);
    if (this.runs.size > CAPACITY) this.runs.delete(this.runs.keys().next().value!);
  }

  async closed(checkRunId: number): Promise<void> {
    this.runs.delete(checkRunId);
  }

  async list(limit: number): Promise<OpenRun[]> {
    return [...this.runs.values()].slice(0, limit);
  }
}

/** One file per run under `dir` (written aside and renamed, as the queue's journal is). */
export class FileOpenRuns implements OpenRuns {
  private readonly parkedDir: string;

  constructor(private readonly dir: string) {
    this.parkedDir = join(dir, 'parked');
    mkdirSync(this.parkedDir, { recursive: true });
  }

  private parkedFile(id: string): string {
    return join(this.parkedDir, `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.json`);
  }

  async park(check: ParkedCheck): Promise<void> {
    const file = this.parkedFile(check.id);
    writeFileSync(`${file}.tmp`, JSON.stringify(check));
    renameSync(`${file}.tmp`, file);
  }

  async unpark(id: string): Promise<void> {
    rmSync(this.parkedFile(id), { force: true });
  }

  async listParked(limit: number): Promise<ParkedCheck[]> {
    return readRecords<ParkedCheck>(this.parkedDir)
      .sort((a, b) => a.parkedAt - b.parkedAt)
      .slice(0, limit);
  }

  private file(checkRunId: number): string {
    return join(this.dir, `${Math.trunc(checkRunId)}.json`);
  }

  async opened(run: OpenRun): Promise<void> {
    const file = this.file(run.checkRunId);
    writeFileSync(`${file}.tmp`, JSON.stringify(run));
    renameSync(`${file}.tmp`, file);
  }

  async closed(checkRunId: number): Promise<void> {
    rmSync(this.file(checkRunId), { force: true });
  }

  async list(limit: number): Promise<OpenRun[]> {
    return readRecords<OpenRun>(this.dir)
      .sort((a, b) => a.recordedAt - b.recordedAt)
      .slice(0, limit);
  }
}

/** The JSON records of a directory; one cut short by a crash mid-write (the rename makes that rare) is skipped. */
function readRecords<T>(dir: string): T[] {
  const records: T[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    try {
      records.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as T);
    } catch {
      // Skipped.
    }
  }
  return records;
}

/** A Redis hash (run id → record) and a sorted set by time, shared by every replica. */
export class RedisOpenRuns implements OpenRuns {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly capacity = CAPACITY,
  ) {}

  private get hash(): string {
    return `${this.prefix}:tg:open-runs`;
  }

  private get order(): string {
    return `${this.prefix}:tg:open-runs:order`;
  }

  private get parkedHash(): string {
    return `${this.prefix}:tg:parked`;
  }

  private get parkedOrder(): string {
    return `${this.prefix}:tg:parked:order`;
  }

  async park(check: ParkedCheck): Promise<void> {
    const results = await this.redis.multi().hset(this.parkedHash, check.id, JSON.stringify(check)).zadd(this.parkedOrder, check.parkedAt, check.id).zcard(this.parkedOrder).exec();
    const size = Number(results?.[2]?.[1] ?? 0);
    if (size > this.capacity) {
      const oldest = await this.redis.zrange(this.parkedOrder, '0', String(size - this.capacity - 1));
      if (oldest.length > 0) await this.redis.multi().hdel(this.parkedHash, ...oldest).zrem(this.parkedOrder, ...oldest).exec();
    }
  }

  async unpark(id: string): Promise<void> {
    await this.redis.multi().hdel(this.parkedHash, id).zrem(this.parkedOrder, id).exec();
  }

  async listParked(limit: number): Promise<ParkedCheck[]> {
    const ids = await this.redis.zrange(this.parkedOrder, '0', String(Math.max(0, limit - 1)));
    if (ids.length === 0) return [];
    return parsed<ParkedCheck>(await this.redis.hmget(this.parkedHash, ...ids));
  }

  async opened(run: OpenRun): Promise<void> {
    // One round trip; the trim below is needed only past the capacity.
    const results = await this.redis.multi().hset(this.hash, String(run.checkRunId), JSON.stringify(run)).zadd(this.order, run.recordedAt, String(run.checkRunId)).zcard(this.order).exec();
    const size = Number(results?.[2]?.[1] ?? 0);
    if (size > this.capacity) {
      const oldest = await this.redis.zrange(this.order, '0', String(size - this.capacity - 1));
      if (oldest.length > 0) await this.redis.multi().hdel(this.hash, ...oldest).zrem(this.order, ...oldest).exec();
    }
  }

  async closed(checkRunId: number): Promise<void> {
    await this.redis.multi().hdel(this.hash, String(checkRunId)).zrem(this.order, String(checkRunId)).exec();
  }

  async list(limit: number): Promise<OpenRun[]> {
    const ids = await this.redis.zrange(this.order, '0', String(Math.max(0, limit - 1)));
    if (ids.length === 0) return [];
    return parsed<OpenRun>(await this.redis.hmget(this.hash, ...ids));
  }
}

function parsed<T>(values: (string | null)[]): T[] {
  return values.flatMap((value) => {
    if (value === null) return [];
    try {
      return [JSON.parse(value) as T];
    } catch {
      return [];
    }
  });
}

/**
 * `queue`, with the runs its checks own recorded in `runs`: recorded when a check learns its run,
 * dropped when the check is done (completed, or completed as superseded). A check that ends in a retry
 * the queue will not make (it gave up) leaves its run recorded.
 */
export function recordingOpenRuns(queue: WorkQueue, runs: OpenRuns, onError: (error: unknown) => void): WorkQueue {
  const record = (job: CheckJob, checkRunId: number) =>
    runs.opened({ checkRunId, installationId: job.installationId, key: job.key, target: job.target, recordedAt: Date.now() }).catch(onError);
  return {
    get accepting() {
      return queue.accepting;
    },
    get stats() {
      return queue.stats;
    },
    enqueue: (input) => queue.enqueue(input),
    currentDepth: () => queue.currentDepth(),
    reachable: () => queue.reachable(),
    close: (drainMs) => queue.close(drainMs),
    start: (worker) =>
      queue.start(async (job, control) => {
        let owned = job.checkRunId;
        const recorded: Promise<unknown>[] = [];
        // A run known from the start (a re-run request, a retry, a stale run) is recorded too.
        if (owned !== undefined) recorded.push(record(job, owned));
        const outcome = await worker(job, {
          superseded: () => control.superseded(),
          get lastAttempt() {
            return control.lastAttempt;
          },
          ownsCheckRun: (id) => {
            if (id !== owned) recorded.push(record(job, id));
            owned = id;
            control.ownsCheckRun(id);
          },
          ...(control.refresh !== undefined ? { refresh: () => control.refresh!() } : {}),
          ...(control.abandoned !== undefined ? { abandoned: () => control.abandoned!() } : {}),
        });
        await Promise.all(recorded);
        if (outcome === 'done' && owned !== undefined && control.abandoned?.() !== true) await runs.closed(owned).catch(onError);
        return outcome;
      }),
  };
}
