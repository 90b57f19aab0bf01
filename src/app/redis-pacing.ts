import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { HandedBackError } from './check-worker.js';
import { CONTENT_CREATION_LIMITS, ContentCreationScheduler, type ContentCreationLimits } from './octokit.js';

/**
 * The per-installation write pacing of {@link ContentCreationScheduler}, shared by every replica
 * through Redis: GitHub's secondary limits count an installation's writes wherever they come from, so
 * two replicas pacing alone would write twice as fast. One replica at a time holds an installation's
 * write slot (a lock renewed while held, so a replica that dies frees it within `holdMs`), and the
 * attempt start times and the last finish live in Redis, so the interval, the gap and the minute and
 * hour budgets hold across replicas. Replicas' clocks are assumed to agree (NTP) to well under the gap.
 */
export class RedisContentCreationScheduler extends ContentCreationScheduler {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly shared: ContentCreationLimits = CONTENT_CREATION_LIMITS,
    private readonly holdMs = 5_000,
  ) {
    super(shared);
  }

  private key(installation: string, what: string): string {
    return `${this.prefix}:tg:pace:${installation}:${what}`;
  }

  override exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    // This process's own callers queue in memory first; then the replicas take turns.
    return super.exclusive(key, async () => {
      const lock = this.key(key, 'slot');
      const token = randomBytes(8).toString('hex');
      while ((await this.redis.set(lock, token, 'PX', this.holdMs, 'NX')) === null) await sleep(25);
      const renew = setInterval(() => void this.redis.pexpire(lock, this.holdMs).catch(() => undefined), this.holdMs / 3);
      try {
        return await work();
      } finally {
        clearInterval(renew);
        await this.redis.set(this.key(key, 'finish'), String(Date.now()), 'PX', 3_600_000).catch(() => undefined);
        if ((await this.redis.get(lock).catch(() => null)) === token) await this.redis.del(lock).catch(() => undefined);
      }
    });
  }

  private halted = false;

  /**
   * From now on no write is sent: each one waiting for its turn fails with HandedBackError. The server
   * calls this when it hands its running checks back to the shared queue at shutdown, so that a write
   * that was waiting for the installation's slot cannot land after another replica took the check.
   */
  halt(): void {
    this.halted = true;
  }

  override async attempt<T>(key: string, send: () => Promise<T>): Promise<T> {
    for (let wait = await this.sharedWait(key); wait > 0; wait = await this.sharedWait(key)) await sleep(wait);
    if (this.halted) throw new HandedBackError();
    const starts = this.key(key, 'starts');
    const now = Date.now();
    await this.redis.multi().zadd(starts, now, `${now}-${randomBytes(4).toString('hex')}`).pexpire(starts, 3_600_000).exec();
    try {
      return await send();
    } finally {
      await this.redis.set(this.key(key, 'finish'), String(Date.now()), 'PX', 3_600_000).catch(() => undefined);
    }
  }

  /** The wait before the next start, from the installation's starts and last finish in Redis. */
  private async sharedWait(key: string): Promise<number> {
    const { intervalMs, gapMs, perMinute, perHour } = this.shared;
    const now = Date.now();
    const starts = this.key(key, 'starts');
    const [, listed, finish] = (await this.redis.multi().zremrangebyscore(starts, '-inf', now - 3_600_000).zrangebyscore(starts, '-inf', '+inf', 'WITHSCORES').get(this.key(key, 'finish')).exec()) ?? [];
    const scores: number[] = [];
    const pairs = (listed?.[1] ?? []) as string[];
    for (let index = 1; index < pairs.length; index += 2) scores.push(Number(pairs[index]));
    const lastFinish = finish?.[1] === null || finish?.[1] === undefined ? -Infinity : Number(finish[1]);
    let wait = lastFinish + gapMs - now;
    if (scores.length > 0) wait = Math.max(wait, scores[scores.length - 1]! + intervalMs - now);
    if (scores.length >= perHour) wait = Math.max(wait, scores[scores.length - perHour]! + 3_600_000 - now);
    if (scores.length >= perMinute) wait = Math.max(wait, scores[scores.length - perMinute]! + 60_000 - now);
    return wait;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
