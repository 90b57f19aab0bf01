/**
 * The trustgate app as the benchmark runs it: a child process with Probot's real webhook middleware
 * on a node:http server on 127.0.0.1, its GitHub API base URL pointed at the fake GitHub
 * (test/support/fake-github.ts). Environment: FAKE_GITHUB_URL, APP_ID, PRIVATE_KEY, WEBHOOK_SECRET,
 * BENCH_OCTOKIT (`trustgate`, the server's own Octokit, or `probot`, Probot's stock one, to compare).
 * Prints `{"port": N}` on stdout when listening; answers IPC `memory` with its peak resident memory.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import { CheckQueue } from '../src/app/check-queue.js';
import { createTrustgate } from '../src/app/index.js';
import { TrustgateOctokit } from '../src/app/octokit.js';

export interface MemoryReport {
  /** process.resourceUsage().maxRSS, bytes. */
  maxRssBytes: number;
  /** VmHWM from /proc/self/status, bytes (undefined off Linux). */
  vmHwmBytes: number | undefined;
}

function peakMemory(): MemoryReport {
  let vmHwmBytes: number | undefined;
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match !== null) vmHwmBytes = Number(match[1]) * 1024;
  } catch {
    vmHwmBytes = undefined;
  }
  return { maxRssBytes: process.resourceUsage().maxRSS * 1024, vmHwmBytes };
}

async function main(): Promise<void> {
  const env = process.env;
  const baseUrl = env['FAKE_GITHUB_URL'];
  if (baseUrl === undefined) throw new Error('FAKE_GITHUB_URL is not set');
  const probot = new Probot({
    appId: Number(env['APP_ID'] ?? 1),
    privateKey: env['PRIVATE_KEY']!,
    secret: env['WEBHOOK_SECRET']!,
    baseUrl,
    Octokit: env['BENCH_OCTOKIT'] === 'probot' ? ProbotOctokit : TrustgateOctokit,
    logLevel: (env['LOG_LEVEL'] as 'warn' | undefined) ?? 'warn',
  });
  // As the server runs it: webhooks are answered once queued (accept, then work); in memory here.
  const middleware = await createNodeMiddleware(createTrustgate({ queue: new CheckQueue() }), { probot });
  const server = createServer((request, response) => {
    void middleware(request, response, () => response.writeHead(404).end());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.on('message', (message: unknown) => {
    if (message === 'memory') process.send?.({ memory: peakMemory() });
  });
  process.on('disconnect', () => process.exit(0));
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
}

await main();
