import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import type { WaiverRecord } from '../../src/waivers/records.js';
import {
  API,
  APP_IDENTITY,
  BASE_SHA,
  changedFile,
  examplePayload,
  HEAD_SHA,
  nockBlobBatch,
  nockCheckRuns,
  nockConfigFiles,
  nockInstallationToken,
  PULL_NUMBER,
  pullRequestPayload,
  REPO_PATH,
  signedRecord,
  type Json,
  type Recorded,
  useAppHarness,
} from './helpers.js';

// Issue 15 through the real app path (Probot, network blocked, GitHub answered by nock): the check judges
// the change against the pull request's base, not the whole file.

const harness = useAppHarness();

const header = (description: string) => ['AWSTemplateFormatVersion: "2010-09-09"', `Description: ${description}`, 'Resources:'];

function role(name: string, statements: string[]): string[] {
  return [
    `  ${name}:`,
    '    Type: AWS::IAM::Role',
    '    Properties:',
    '      AssumeRolePolicyDocument:',
    '        Version: "2012-10-17"',
    '        Statement:',
    '          - Effect: Allow',
    '            Principal: { Service: ec2.amazonaws.com }',
    '            Action: sts:AssumeRole',
    '      Policies:',
    '        - PolicyName: main',
    '          PolicyDocument:',
    '            Version: "2012-10-17"',
    '            Statement:',
    ...statements,
  ];
}

const ADMIN = ['              - Effect: Allow', '                Action: "*"', '                Resource: "*"'];
const LOGS = ['              - Effect: Allow', '                Action: logs:PutLogEvents', '                Resource: arn:aws:logs:us-east-1:111122223333:log-group:/app:*'];
const READ = ['              - Effect: Allow', '                Action: s3:GetObject', '                Resource: arn:aws:s3:::reports-bucket/*'];

const template = (description: string, ...roles: string[][]) => [...header(description), ...roles.flat(), ''].join('\n');

/** The old template on main: an admin policy for years. */
const BASE = template('Deploy role', role('DeployRole', [...ADMIN, ...LOGS]));
const PATH = 'stacks/deploy.yaml';

let deliveries = 0;

interface Run {
  body: Json;
  reads: string[];
  writes: Recorded[];
  graphql: Recorded[];
}

/** Opens a pull request changing `changed`, with `head` and `base` contents; counts reads and writes. */
async function openPullRequest(changed: Json[], head: Record<string, string>, base: Record<string, string>, options: { config?: string; comments?: Json[] } = {}): Promise<Run> {
  const scope = nock(API);
  const reads: string[] = [];
  scope.on('request', (request: { method: string; path: string }) => {
    const path = request.path.split('?')[0]!;
    if (path === '/app' || path.startsWith('/app/')) return;
    if (request.method === 'GET' || path === '/graphql') reads.push(`${request.method} ${path}`);
  });
  if (options.config !== undefined) nockConfigFiles(scope, { 'Codertocat/Hello-World:.github/trustgate.yml': options.config }, []);
  if (options.comments !== undefined) scope.get(`${REPO_PATH}/issues/${PULL_NUMBER}/comments`).query(true).reply(200, options.comments);
  scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).reply(200, changed);
  const graphql: Recorded[] = [];
  nockBlobBatch(scope, head, graphql, { base });
  const writes: Recorded[] = [];
  nockCheckRuns(scope, writes);
  nockInstallationToken(scope);

  // A delivery id of its own: the app acts once per delivery.
  await harness.probot.receive({ id: `d${++deliveries}`, name: 'pull_request', payload: pullRequestPayload('synchronize') } as never);

  expect(harness.requests.unmatched).toEqual([]);
  // One write; reads: the file list, the configuration, one blob query (head and base together), the comments.
  expect(writes).toHaveLength(1);
  expect(graphql).toHaveLength(1);
  expect(reads.filter((read) => read === 'POST /graphql')).toHaveLength(2);
  expect(reads.length).toBeLessThanOrEqual(5);
  return { body: writes[0]!.body, reads, writes, graphql };
}

function expressions(run: Run): string[] {
  return Object.entries(run.graphql[0]!.body.variables as Record<string, string>)
    .filter(([name]) => /^e\d+$/.test(name))
    .map(([, expression]) => expression);
}

function failures(run: Run): Json[] {
  return ((run.body.output.annotations ?? []) as Json[]).filter((annotation) => annotation.annotation_level === 'failure');
}

const fullAdmin = (text: string, path = PATH) => scanFiles([{ path, text }]).findings.find((f) => f.ruleId === 'least-privilege/full-admin')!;

describe('judging the change against the base (issue 15)', () => {
  it('passes a pull request that only edits the description of a template whose admin policy is on the base, and shows the existing finding', async () => {
    const head = template('Deploy role, now described', role('DeployRole', [...ADMIN, ...LOGS]));
    const run = await openPullRequest([changedFile(PATH)], { [PATH]: head }, { [PATH]: BASE });

    expect(expressions(run)).toEqual([`${HEAD_SHA}:${PATH}`, `${BASE_SHA}:${PATH}`]);
    expect(run.body.conclusion).toBe('success');
    expect(run.body.output.title).toMatch(/^No new blocking findings.*; \d+ already on the base$/);
    const summary = run.body.output.summary as string;
    expect(summary).toContain('### Already on the base');
    expect(summary).toContain(fullAdmin(head).id);
    expect(summary).toMatch(/<details><summary>\d+ findings? of the changed files (was|were) there before this change/);
    expect(failures(run)).toEqual([]);
  });

  it('fails a pull request that adds a second admin policy, naming only the new one', async () => {
    const head = template('Deploy role', role('DeployRole', [...ADMIN, ...LOGS]), role('BuildRole', ADMIN));
    const run = await openPullRequest([changedFile(PATH)], { [PATH]: head }, { [PATH]: BASE });

    expect(run.body.conclusion).toBe('failure');
    const blocking = failures(run);
    expect(blocking.length).toBeGreaterThan(0);
    const adminAnnotations = blocking.filter((annotation) => String(annotation.title).startsWith('least-privilege/full-admin'));
    expect(adminAnnotations).toHaveLength(1);
    // The new role's lines, not the old one's.
    const newRole = scanFiles([{ path: PATH, text: head }]).findings.find((f) => f.ruleId === 'least-privilege/full-admin' && f.resource === 'BuildRole')!;
    expect(adminAnnotations[0]).toMatchObject({ path: PATH, start_line: newRole.line });
    expect(blocking.every((annotation) => !String(annotation.message).includes('DeployRole'))).toBe(true);
    expect(run.body.output.summary).toContain('### Already on the base');
  });

  it('keeps the finding existing when statements are reordered and one is inserted above, and a waiver given before still applies', async () => {
    const head = template('Deploy role', role('DeployRole', [...READ, ...LOGS, ...ADMIN]));
    const before = fullAdmin(BASE);
    const after = fullAdmin(head);
    expect(after.line).not.toBe(before.line);
    expect(after.id).toBe(before.id);
    const waiver: WaiverRecord = { type: 'waiver', id: 'w-1234abcd', scope: { kind: 'finding', fingerprint: before.id }, reason: 'break-glass role', actor: 'maria', actorId: 77, createdAt: '2026-01-01T00:00:00Z' };
    const comment = { id: 1, body: `Waiver accepted. ${signedRecord(waiver)}`, user: { login: `${APP_IDENTITY.slug}[bot]`, type: 'Bot' }, performed_via_github_app: { id: APP_IDENTITY.id } };

    const judged = await openPullRequest([changedFile(PATH)], { [PATH]: head }, { [PATH]: BASE });
    expect(judged.body.conclusion).toBe('success');
    expect(judged.body.output.summary).toContain('### Already on the base');

    // Judging everything, the waiver (given for the finding before the reorder) is what lets it pass.
    nock.cleanAll();
    const all = await openPullRequest([changedFile(PATH)], { [PATH]: head }, { [PATH]: BASE }, { config: 'gate: all\n', comments: [comment] });
    expect(all.body.conclusion).toBe('success');
    expect(all.body.output.summary).toContain('### Waived');
    expect(all.body.output.summary).toContain(after.id);
    expect(failures(all)).toEqual([]);
  });

  it('compares a renamed file with its previous path', async () => {
    const newPath = 'stacks/prod/deploy.yaml';
    const run = await openPullRequest([changedFile(newPath, 'renamed', PATH)], { [newPath]: BASE }, { [PATH]: BASE });

    expect(expressions(run)).toEqual([`${HEAD_SHA}:${newPath}`, `${BASE_SHA}:${PATH}`]);
    expect(run.body.conclusion).toBe('success');
    expect(run.body.output.summary).toContain('### Already on the base');
    expect(failures(run)).toEqual([]);
  });

  it('judges the whole file, and says why, when the base version does not parse', async () => {
    const broken = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  DeployRole: [unclosed\n';
    const run = await openPullRequest([changedFile(PATH)], { [PATH]: BASE }, { [PATH]: broken });

    expect(run.body.conclusion).toBe('failure');
    expect(run.body.output.summary).toContain('**Judged whole:** the base version of `stacks/deploy.yaml`');
    expect(run.body.output.summary).toContain('does not parse');
    expect(failures(run).some((annotation) => String(annotation.title).startsWith('least-privilege/full-admin'))).toBe(true);
  });

  it('judges the whole file when it is missing at the base though the pull request lists it as modified', async () => {
    const run = await openPullRequest([changedFile(PATH)], { [PATH]: BASE }, {});

    expect(run.body.conclusion).toBe('failure');
    expect(run.body.output.summary).toContain(`**Judged whole:** \`${PATH}\` was not found at the base commit ${BASE_SHA.slice(0, 12)}`);
  });

  it('counts the findings a pull request fixes', async () => {
    const head = template('Deploy role', role('DeployRole', LOGS));
    const run = await openPullRequest([changedFile(PATH)], { [PATH]: head }, { [PATH]: BASE });

    expect(run.body.conclusion).toBe('success');
    const summary = run.body.output.summary as string;
    expect(summary).toMatch(/this pull request fixes \d+ findings?/);
    expect(summary).toContain('### Fixed');
    expect(summary).toContain(fullAdmin(BASE).id);
  });

  it('counts the findings of a template the pull request deletes as fixed, reading its base in the same query', async () => {
    const gone = 'stacks/legacy.yaml';
    const head = template('Deploy role, now described', role('DeployRole', [...ADMIN, ...LOGS]));
    const run = await openPullRequest([changedFile(PATH), changedFile(gone, 'removed')], { [PATH]: head }, { [PATH]: BASE, [gone]: BASE });

    expect(expressions(run)).toEqual([`${HEAD_SHA}:${PATH}`, `${BASE_SHA}:${PATH}`, `${BASE_SHA}:${gone}`]);
    expect(run.body.conclusion).toBe('success');
    const summary = run.body.output.summary as string;
    const fixed = scanFiles([{ path: gone, text: BASE }]).findings;
    expect(fixed.length).toBeGreaterThan(0);
    expect(summary).toContain(`this pull request fixes ${fixed.length === 1 ? '1 finding' : `${fixed.length} findings`}`);
    const section = summary.slice(summary.indexOf('### Fixed'));
    expect(section).toContain(fullAdmin(BASE, gone).id);
    expect(section).toContain('stacks/legacy.yaml');
    // The kept template's admin policy is still there: existing, not fixed.
    expect(summary.slice(summary.indexOf('### Already on the base'), summary.indexOf('### Fixed'))).toContain(fullAdmin(head).id);
    expect(summary).not.toContain('Judged whole');
    // What it granted is removed.
    const changes = summary.slice(summary.indexOf('### What this pull request changes'));
    expect(changes).toContain('**Role DeployRole** in `stacks/legacy.yaml`');
    expect(changes).toMatch(/- removes permission: \\\* \\\(\d+ actions\\\) on \\\*\n/);
  });

  it('counts the findings of deleted templates as fixed when the pull request only deletes files', async () => {
    const gone = 'stacks/legacy.yaml';
    const run = await openPullRequest([changedFile(gone, 'removed')], {}, { [gone]: BASE });

    expect(expressions(run)).toEqual([`${BASE_SHA}:${gone}`]);
    expect(run.body.conclusion).toBe('success');
    expect(run.body.output.summary).toMatch(/this pull request fixes \d+ findings?/);
    expect(run.body.output.summary).toContain(fullAdmin(BASE, gone).id);
  });

  it('does not count a renamed file\'s old path as deleted', async () => {
    const newPath = 'stacks/prod/deploy.yaml';
    const run = await openPullRequest([changedFile(newPath, 'renamed', PATH)], { [newPath]: BASE }, { [PATH]: BASE });

    expect(run.body.output.summary).not.toContain('### Fixed');
    expect(run.body.output.summary).not.toMatch(/fixes \d+ finding/);
  });

  it('judges everything with gate: all', async () => {
    const head = template('Deploy role, now described', role('DeployRole', [...ADMIN, ...LOGS]));
    const run = await openPullRequest([changedFile(PATH)], { [PATH]: head }, { [PATH]: BASE }, { config: 'gate: all\n' });

    expect(run.body.conclusion).toBe('failure');
    expect(run.body.output.summary).not.toContain('### Already on the base');
    expect(failures(run).some((annotation) => String(annotation.title).startsWith('least-privilege/full-admin'))).toBe(true);
  });

  it('never counts a head file that does not parse as existing, even when its base did not parse either', async () => {
    const broken = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  DeployRole: [unclosed\n';
    const run = await openPullRequest([changedFile(PATH)], { [PATH]: broken }, { [PATH]: broken });

    expect(run.body.conclusion).toBe('failure');
    expect(failures(run).some((annotation) => String(annotation.title).startsWith('parse-error'))).toBe(true);
  });
});

describe('merge queues (issue 15)', () => {
  it('judge the group against its base: an admin policy already on the base does not block the group', async () => {
    const payload = examplePayload<Json>('merge_group', 'checks_requested');
    const { base_sha: base, head_sha: head } = payload.merge_group as { base_sha: string; head_sha: string };
    const repoPath = `/repos/${payload.repository.owner.login}/${payload.repository.name}`;
    const graphql: Recorded[] = [];
    const writes: Json[] = [];
    const scope = nock(API);
    nockInstallationToken(scope);
    scope.get(`${repoPath}/compare/${base}...${head}`).reply(200, { files: [changedFile(PATH)] });
    const edited = template('Deploy role, now described', role('DeployRole', [...ADMIN, ...LOGS]));
    nockBlobBatch(scope, { [PATH]: edited }, graphql, { base: { [PATH]: BASE }, baseRef: base });
    scope.post(`${repoPath}/check-runs`).reply(201, (_uri, body) => {
      writes.push(body as Json);
      return { id: 7 };
    });

    await harness.probot.receive({ id: 'mq-1', name: 'merge_group', payload } as never);

    expect(harness.requests.unmatched).toEqual([]);
    expect(graphql).toHaveLength(1);
    expect(Object.values(graphql[0]!.body.variables as Record<string, string>)).toEqual(expect.arrayContaining([`${head}:${PATH}`, `${base}:${PATH}`]));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ head_sha: head, conclusion: 'success' });
    expect(writes[0]!.output.summary).toContain('### Already on the base');
  });
});

describe('what this pull request changes (issue 15)', () => {
  it('shows the access a role gains, s3:* with its count and a trust for an external account, even when nothing blocks', async () => {
    const base = template('App role', role('AppRole', READ));
    const head = base
      .replace('Action: s3:GetObject', 'Action: s3:*')
      .replace('            Action: sts:AssumeRole\n', '            Action: sts:AssumeRole\n          - Effect: Allow\n            Principal: { AWS: "arn:aws:iam::444455556666:root" }\n            Action: sts:AssumeRole\n            Condition: { StringEquals: { "sts:ExternalId": "vendor-7" } }\n');
    const run = await openPullRequest([changedFile(PATH)], { [PATH]: head }, { [PATH]: base }, { config: 'failOn: critical\n' });

    const summary = run.body.output.summary as string;
    expect(summary).toContain('### What this pull request changes');
    const section = summary.slice(summary.indexOf('### What this pull request changes'));
    expect(section).toContain('**Role AppRole** in `stacks/deploy.yaml`');
    // Escaped as every text from the pull request is (`:` as an entity, Markdown characters backslashed).
    expect(section).toMatch(/- \*\*adds\*\* permission: s3&#58;\\\* \\\(\d{2,} actions\\\) on arn&#58;aws&#58;s3&#58;&#58;&#58;reports-bucket\/\\\*\n/);
    expect(section).toContain('- **adds** trust: every principal of account 444455556666 may assume it when sts&#58;ExternalId\n');
    expect(section).toContain('- removes permission: s3&#58;GetObject on arn&#58;aws&#58;s3&#58;&#58;&#58;reports-bucket/\\*\n');
  });

  it('says no access was added or removed when a change grants nothing new', async () => {
    const head = template('Deploy role, now described', role('DeployRole', [...ADMIN, ...LOGS]));
    const run = await openPullRequest([changedFile(PATH)], { [PATH]: head }, { [PATH]: BASE });

    expect(run.body.output.summary).toContain('### What this pull request changes\n\n- No access added or removed');
  });
});
