import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../support/fake-github.js';
import { startAppProcess, WEBHOOK_SECRET, type AppProcess, until } from '../support/app-process.js';
import { fixture } from './helpers.js';

/**
 * The development webhook path of docs/github-app.md: with WEBHOOK_PROXY_URL set, the server (as
 * `npm start` runs it) subscribes to the channel with the smee-client the project installs, and each
 * event the channel sends reaches the app. The channel here is a local server-sent-events endpoint in
 * smee.io's message shape, so nothing leaves this machine.
 */
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Record<string, any>[] }[];
const opened = examples.find((e) => e.name === 'pull_request')!.examples.find((e) => e['action'] === 'opened' && e['installation'] !== undefined)!;

let fake: FakeGitHub;
let channel: Server;
let channelUrl: string;
const subscribers: ServerResponse[] = [];
let app: AppProcess | undefined;

beforeAll(async () => {
  fake = new FakeGitHub({ latencyMs: 1 });
  await fake.start();
  channel = createServer((request, response) => {
    if (request.url !== '/trustgate-test-channel') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.write('event: ready\ndata: {}\n\n');
    subscribers.push(response);
  });
  await new Promise<void>((resolve) => channel.listen(0, '127.0.0.1', resolve));
  channelUrl = `http://127.0.0.1:${(channel.address() as { port: number }).port}/trustgate-test-channel`;
});

afterAll(async () => {
  await app?.kill('SIGKILL');
  for (const subscriber of subscribers) subscriber.end();
  channel.closeAllConnections();
  await new Promise((resolve) => channel.close(resolve));
  await fake.stop();
});

describe('WEBHOOK_PROXY_URL (smee) in development', () => {
  it('subscribes to the channel and turns an event it forwards into a completed check run', async () => {
    const owner = opened['repository'].owner.login as string;
    const repo = opened['repository'].name as string;
    const headSha = randomBytes(20).toString('hex');
    fake.addPullRequest({
      owner,
      repo,
      number: 7,
      headSha,
      baseSha: randomBytes(20).toString('hex'),
      files: [{ path: 'stacks/app.yaml', text: fixture('scoped-role.yaml'), status: 'modified' }],
    });
    const payload = structuredClone(opened);
    payload['number'] = 7;
    payload['pull_request'].number = 7;
    payload['pull_request'].head.sha = headSha;

    // `npx vitest` marks the environment as a package runner, where Probot would fetch smee-client
    // with npx instead of importing the installed one; `npm start` does not.
    app = await startAppProcess(fake, { WEBHOOK_PROXY_URL: channelUrl, NODE_ENV: 'development', npm_lifecycle_event: 'start' });
    await until(() => subscribers.length > 0);
    expect(app.logs.join('\n')).not.toContain('SmeeClient is not available');
    expect(app.logs.join('\n')).not.toContain('npm install --save-dev smee-client');

    // smee.io's message: the headers GitHub sent, the JSON body, and the client posts it to the app.
    const body = JSON.stringify(payload);
    const message = {
      'x-github-event': 'pull_request',
      'x-github-delivery': randomBytes(8).toString('hex'),
      'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
      body: payload,
      timestamp: Date.now(),
    };
    for (const subscriber of subscribers) subscriber.write(`data: ${JSON.stringify(message)}\n\n`);

    await until(() => [...fake.checkRuns.values()].some((run) => run.headSha === headSha && run.status === 'completed'));
    const run = [...fake.checkRuns.values()].find((candidate) => candidate.headSha === headSha)!;
    expect(run.conclusion).toBe('success');
  }, 30_000);
});
