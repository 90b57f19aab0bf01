import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { createNodeMiddleware, Probot } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import trustgate from '../../src/app/index.js';
import { API, changedFile, fixture, HEAD_SHA, nockBlobBatch, nockCheckRuns, nockInstallationToken, PRIVATE_KEY, PULL_NUMBER, pullRequestPayload, REPO_PATH, TestOctokit, type Recorded } from './helpers.js';

const WEBHOOK_SECRET = 'test-webhook-secret';
let server: Server;
let url: string;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  const probot = new Probot({ appId: 123, privateKey: PRIVATE_KEY, secret: WEBHOOK_SECRET, Octokit: TestOctokit, logLevel: 'fatal' });
  const middleware = await createNodeMiddleware(trustgate, { probot });
  server = createServer((request, response) => {
    void middleware(request, response, () => response.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  nock.cleanAll();
  nock.enableNetConnect();
});

function post(body: string, signature: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'e2e-delivery-1', 'x-hub-signature-256': signature },
    body,
  });
}

function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe('the Probot HTTP server', () => {
  it('turns a signed pull_request webhook into a completed check run', async () => {
    const writes: Recorded[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query({ per_page: '100' }).reply(200, [changedFile('stacks/admin.yaml', 'added')]);
    nockBlobBatch(scope, { 'stacks/admin.yaml': fixture('admin-role.yaml') }, []);
    nockCheckRuns(scope, writes);
    const body = JSON.stringify(pullRequestPayload('opened'));

    const response = await post(body, sign(body, WEBHOOK_SECRET));

    expect(response.status).toBe(200);
    expect(scope.isDone()).toBe(true);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.body).toMatchObject({ name: 'trustgate', head_sha: HEAD_SHA, status: 'completed', conclusion: 'failure' });
    expect(writes[0]!.body.output.annotations).toContainEqual(expect.objectContaining({ path: 'stacks/admin.yaml', start_line: 19, annotation_level: 'failure' }));
  });

  it('rejects a webhook whose signature was made with another secret, and calls GitHub for nothing', async () => {
    const scope = nock(API).post(/.*/).reply(500);
    const body = JSON.stringify(pullRequestPayload('opened'));

    const response = await post(body, sign(body, 'not-the-secret'));

    expect(response.status).toBe(400);
    expect(scope.isDone()).toBe(false);
    nock.cleanAll();
  });
});
