import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { FakeGitHub } from './fake-github.js';

/**
 * The real server (src/app/server.ts, as `npm start` runs it) in a child process, pointed at the fake
 * GitHub through GHE_HOST, for tests that kill, stop and restart it.
 */
const root = join(import.meta.dirname, '..', '..');
export const WEBHOOK_SECRET = 'fault-suite-secret';
export const APP_PRIVATE_KEY = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
}).privateKey;

export interface AppProcess {
  child: ChildProcess;
  base: string;
  /** Log lines (JSON) the process wrote. */
  logs: string[];
  exited: Promise<number | null>;
  deliver(event: string, payload: unknown, guid: string): Promise<number>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startAppProcess(fake: FakeGitHub, env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'app', 'server.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      APP_ID: '1',
      PRIVATE_KEY: APP_PRIVATE_KEY,
      WEBHOOK_SECRET,
      GHE_HOST: new URL(fake.url!).host,
      GHE_PROTOCOL: 'http',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      TRUSTGATE_TIME_SCALE: '0.001',
      TRUSTGATE_REQUEST_TIMEOUT_MS: '1000',
      TRUSTGATE_SWEEP_MS: '0',
      TRUSTGATE_STALE_SWEEP_MS: '0',
      ...env,
    },
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        logs.push(line);
        if (line.includes('Listening on http')) resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    void exited.then((code) => reject(new Error(`the app exited (${code}) before listening:\n${logs.join('\n')}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    base,
    logs,
    exited,
    async deliver(event, payload, guid) {
      const body = JSON.stringify(payload);
      let status: number;
      try {
        const response = await fetch(`${base}/api/github/webhooks`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': event,
            'x-github-delivery': guid,
            'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
          },
          body,
        });
        status = response.status;
      } catch {
        status = 502;
      }
      const action = (payload as { action?: string }).action;
      fake.recordDelivery({ guid, event, action, status_code: status, redelivery: fake.deliveries.some((d) => d.guid === guid), body });
      return status;
    },
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** Polls `condition` every 20 ms until it holds; throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
