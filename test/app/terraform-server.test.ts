import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { FakeGitHub } from '../support/fake-github.js';

/**
 * Terraform through the server process as `npm start` runs it (checks queued, scanned in worker
 * threads, the Terraform grammar loaded there) against the fake GitHub: directory listings and module
 * reads are answered as GitHub's GraphQL answers them.
 */
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Record<string, any>[] }[];
const opened = examples.find((e) => e.name === 'pull_request')!.examples.find((e) => e['action'] === 'opened' && e['installation'] !== undefined)!;
const OWNER = opened['repository'].owner.login as string;
const REPO = opened['repository'].name as string;

const ROLE = `resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}
`;
const ATTACHMENT = `resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
`;

let fake: FakeGitHub;
let app: AppProcess;

beforeAll(async () => {
  fake = new FakeGitHub({ latencyMs: 2 });
  await fake.start();
  app = await startAppProcess(fake, { TRUSTGATE_QUEUE_DIR: '' });
  const started = Date.now();
  while ((await fetch(`${app.base}/health/ready`)).status !== 200) {
    if (Date.now() - started > 20_000) throw new Error(`the app did not become ready:\n${app.logs.slice(-10).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}, 30_000);

afterAll(async () => {
  await app?.kill('SIGKILL');
  await fake?.stop();
});

describe('Terraform through the server process', () => {
  it('checks a pull request that changes only iam.tf with the unchanged main.tf of its module and the module it calls', async () => {
    const number = 700;
    const headSha = randomBytes(20).toString('hex');
    fake.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      headSha,
      baseSha: randomBytes(20).toString('hex'),
      files: [{ path: 'live/iam.tf', text: ATTACHMENT, status: 'modified' }],
      context: [
        { path: 'live/main.tf', text: `${ROLE}\nmodule "network" {\n  source = "../modules/network"\n}\n` },
        { path: 'modules/network/main.tf', text: ROLE.replaceAll('"app"', '"network"') + ATTACHMENT.replaceAll('.app.', '.network.') },
        { path: 'unrelated/main.tf', text: ROLE + ATTACHMENT },
      ],
    });
    const payload = structuredClone(opened);
    payload['number'] = number;
    payload['installation'].id = number;
    payload['pull_request'].number = number;
    payload['pull_request'].head.sha = headSha;

    expect(await app.deliver('pull_request', payload, randomBytes(8).toString('hex'))).toBe(200);
    const started = Date.now();
    const run = () => [...fake.checkRuns.values()].find((candidate) => candidate.headSha === headSha && candidate.status === 'completed');
    while (run() === undefined) {
      if (Date.now() - started > 20_000) throw new Error(`no completed run:\n${app.logs.slice(-10).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    expect(run()).toMatchObject({ conclusion: 'failure' });
    // The attachment in live/iam.tf (whose role is in main.tf) and the one in the module: two admin grants.
    expect(run()!.title).toMatch(/^2 findings block this merge: 2 critical/);
    const reads = fake.requests.filter((request) => request.kind === 'read' && request.installationId === number).map((request) => `${request.method} ${request.path.split('?')[0]}`);
    // The configuration, the file list, the changed directory, the module it calls, the waiver comments.
    expect(reads.sort()).toEqual(
      ['POST /api/graphql', `GET /api/v3/repos/${OWNER}/${REPO}/pulls/${number}/files`, 'POST /api/graphql', 'POST /api/graphql', `GET /api/v3/repos/${OWNER}/${REPO}/issues/${number}/comments`].sort(),
    );
  }, 30_000);
});
