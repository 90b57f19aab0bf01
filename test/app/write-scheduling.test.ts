import { describe, expect, it } from 'vitest';
import { ContentCreationScheduler, isContentCreating } from '../../src/app/octokit.js';

/** A clock that only moves when the scheduler sleeps, so the schedule is exact. */
function virtualTime(): { clock: () => number; sleep: (ms: number) => Promise<void> } {
  let now = 0;
  return { clock: () => now, sleep: async (ms) => void (now += ms) };
}

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
  it('starts the writes of one installation at least the interval apart, in order', async () => {
    const time = virtualTime();
    const scheduler = new ContentCreationScheduler({ intervalMs: 800, perMinute: 80, perHour: 500 }, time.clock, time.sleep);
    const starts = await Promise.all([1, 2, 3, 4].map(() => scheduler.turn('1')));
    expect(starts).toEqual([0, 800, 1600, 2400]);
  });

  it('keeps installations apart', async () => {
    const time = virtualTime();
    const scheduler = new ContentCreationScheduler({ intervalMs: 800, perMinute: 80, perHour: 500 }, time.clock, time.sleep);
    await scheduler.turn('1');
    await scheduler.turn('2');
    expect(time.clock()).toBe(0);
  });

  it('never starts more than perMinute in a sliding minute, even with no interval', async () => {
    const time = virtualTime();
    const scheduler = new ContentCreationScheduler({ intervalMs: 0, perMinute: 3, perHour: 500 }, time.clock, time.sleep);
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      await scheduler.turn('1');
      starts.push(time.clock());
    }
    expect(starts).toEqual([0, 0, 0, 60_000, 60_000]);
  });

  it('never starts more than perHour in a sliding hour', async () => {
    const time = virtualTime();
    const scheduler = new ContentCreationScheduler({ intervalMs: 0, perMinute: 1000, perHour: 2 }, time.clock, time.sleep);
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      await scheduler.turn('1');
      starts.push(time.clock());
    }
    expect(starts).toEqual([0, 0, 3_600_000]);
  });
});
