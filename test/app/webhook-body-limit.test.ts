import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_BODY_BYTES } from '../../src/app/body-limit.js';
import { startAppProcess, WEBHOOK_SECRET, type AppProcess } from '../support/app-process.js';
import { FakeGitHub } from '../support/fake-github.js';

/*
 * Issue 13, "The webhook endpoint": bodies above GitHub's 25 MB cap are refused while they are read,
 * before Probot buffers them to check their signature. Through the server process `npm start` runs.
 */
let fake: FakeGitHub;
let app: AppProcess;

beforeAll(async () => {
  fake = new FakeGitHub({ latencyMs: 1 });
  await fake.start();
  app = await startAppProcess(fake, {});
}, 60_000);

afterAll(async () => {
  await app?.kill('SIGKILL');
  await fake?.stop();
});

interface Sent {
  status: number | undefined;
  /** Bytes written before the server answered (or closed the connection). */
  written: number;
}

/** POSTs `total` bytes in 1 MiB chunks, announcing the length or not, and stops writing once answered. */
function post(total: number, { announce }: { announce: boolean }): Promise<Sent> {
  const url = new URL('/api/github/webhooks', app.base);
  return new Promise((resolve) => {
    let written = 0;
    let answered = false;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': `big-${total}-${announce}`, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` };
    if (announce) headers['content-length'] = String(total);
    const req = request(url, { method: 'POST', headers });
    req.on('response', (response) => {
      answered = true;
      response.resume();
      resolve({ status: response.statusCode, written });
    });
    req.on('error', () => {
      if (!answered) resolve({ status: undefined, written });
    });
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const pump = () => {
      while (!answered && written < total) {
        const size = Math.min(chunk.length, total - written);
        written += size;
        if (!req.write(size === chunk.length ? chunk : chunk.subarray(0, size))) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

async function signedPing(padding: number): Promise<number> {
  const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1, padding: ' '.repeat(padding) });
  const response = await fetch(`${app.base}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': `ping-${padding}`, 'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}` },
    body,
  });
  return response.status;
}

describe('webhook bodies', () => {
  it('a body announced larger than 25 MB is refused with 413 before it is read', async () => {
    const sent = await post(200 * 1024 * 1024, { announce: true });
    expect(sent.status).toBe(413);
    // The answer came while the client was still sending: at most a few MiB were in flight, not 200.
    expect(sent.written).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);

  it('a chunked body that grows past 25 MB is refused with 413 once it does', async () => {
    const sent = await post(200 * 1024 * 1024, { announce: false });
    expect(sent.status === 413 || sent.status === undefined).toBe(true);
    expect(sent.written).toBeGreaterThan(MAX_WEBHOOK_BODY_BYTES);
    expect(sent.written).toBeLessThan(MAX_WEBHOOK_BODY_BYTES + 64 * 1024 * 1024);
  }, 60_000);

  it('the process keeps serving: signed deliveries of a few bytes and of 3 MB are accepted, the health endpoint answers', async () => {
    for (let attempt = 0; attempt < 4; attempt++) await post(100 * 1024 * 1024, { announce: attempt % 2 === 0 });
    expect(app.child.exitCode).toBeNull();
    expect(await signedPing(0)).toBe(200);
    expect(await signedPing(3 * 1024 * 1024)).toBe(200);
    expect((await fetch(`${app.base}/health/live`)).status).toBe(200);
  }, 120_000);
});
