import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../support/fake-github.js';
import { startAppProcess, type AppProcess } from '../support/app-process.js';

/** What an operator reads in the server's log (the real server process, as `npm start` runs it). */
let fake: FakeGitHub;
const apps: AppProcess[] = [];

beforeAll(async () => {
  fake = new FakeGitHub({ latencyMs: 1 });
  await fake.start();
});

afterAll(async () => {
  for (const app of apps) await app.kill('SIGKILL');
  await fake.stop();
});

async function refusedDelivery(app: AppProcess, delivery: string): Promise<{ status: number; lines: string[] }> {
  const before = app.logs.length;
  const response = await fetch(`${app.base}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'ping',
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
    },
    body: '{"zen":"Keep it logically awesome."}',
  });
  // The access log line is written after the error lines: once it is there, the refusal is logged.
  const started = Date.now();
  while (!app.logs.slice(before).some((line) => line.includes('POST /api/github/webhooks 400')) && Date.now() - started < 5_000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const lines = app.logs.slice(before).join('\n').split('\n').filter((line) => line.trim() !== '' && !line.includes('POST /api/github/webhooks'));
  return { status: response.status, lines };
}

describe('a webhook with a bad signature', () => {
  it('is refused with one log line naming the delivery and what to check, in JSON logs', async () => {
    const app = await startAppProcess(fake, { LOG_FORMAT: 'json' });
    apps.push(app);
    const { status, lines } = await refusedDelivery(app, 'delivery-1234');
    expect(status).toBe(400);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as { level: number; msg: string; delivery: string; event: string };
    expect(entry.level).toBe(50);
    expect(entry.delivery).toBe('delivery-1234');
    expect(entry.event).toBe('ping');
    expect(entry.msg).toContain('WEBHOOK_SECRET');
    expect(lines[0]).not.toContain('verifyAndReceive');
  }, 30_000);

  it('is one line in the pretty format too', async () => {
    const app = await startAppProcess(fake, { LOG_FORMAT: 'pretty' });
    apps.push(app);
    const { lines } = await refusedDelivery(app, 'delivery-5678');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ERROR.*webhook refused \(400\).*WEBHOOK_SECRET/);
    expect(lines[0]).toContain('delivery-5678');
  }, 30_000);
});
