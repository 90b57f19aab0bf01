import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES } from '../../src/parse/limits.js';
import {
  API,
  blobSha,
  changedFile,
  fixture,
  isConfigQuery,
  nockBlobBatch,
  nockCheckRuns,
  nockConfigFiles,
  nockInstallationToken,
  PULL_NUMBER,
  pullRequestPayload,
  REPO_PATH,
  type Json,
  type Recorded,
  useAppHarness,
} from './helpers.js';

/*
 * Issue 13, "Files that pass unread": each file here is an administrator role or policy an attacker
 * dressed so that the old name list, raw-text prefilter or reader let it pass with "No infrastructure
 * files changed". Through the app: Probot, the network blocked, GitHub answered by nock.
 */

const harness = useAppHarness();
let deliveries = 0;

const ADMIN_POLICY = fixture('admin-policy.json');
const ADMIN_ROLE = fixture('admin-role.yaml');

interface Blob {
  text: string | null;
  isBinary?: boolean;
  byteSize?: number;
  /** Bytes the REST raw blob endpoint answers with, for a blob GraphQL gives no text for. */
  raw?: Buffer;
}

/** One pull request whose changed files GitHub answers with `blobs` (absent paths: `object: null`). */
async function check(blobs: Record<string, Blob | string>, options: { config?: string; listed?: string[] } = {}): Promise<Json> {
  const scope = nock(API);
  const writes: Recorded[] = [];
  if (options.config !== undefined) nockConfigFiles(scope, { 'Codertocat/Hello-World:.github/trustgate.yml': options.config }, []);
  const listed = options.listed ?? Object.keys(blobs);
  // Added files: nothing at the base to compare with, so every finding is the change's own.
  scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).reply(200, listed.map((path) => changedFile(path, 'added')));
  scope.post('/graphql', (body: Json) => !isConfigQuery(body)).reply(200, (_uri, requestBody) => {
    const variables = (requestBody as Json).variables as Record<string, string>;
    const repository: Json = {};
    for (const [name, expression] of Object.entries(variables)) {
      if (!/^e\d+$/.test(name)) continue;
      const entry = blobs[expression.slice(expression.indexOf(':') + 1)];
      const blob: Blob | undefined = typeof entry === 'string' ? { text: entry } : entry;
      repository[`f${name.slice(1)}`] =
        blob === undefined
          ? null
          : { oid: blobSha(blob.text ?? blob.raw?.toString('latin1') ?? name), text: blob.text, isTruncated: false, isBinary: blob.isBinary ?? false, byteSize: blob.byteSize ?? Buffer.byteLength(blob.text ?? blob.raw ?? '') };
    }
    return { data: { repository } };
  });
  for (const blob of Object.values(blobs)) {
    if (typeof blob === 'string' || blob.raw === undefined) continue;
    scope.get(`${REPO_PATH}/git/blobs/${blobSha(blob.raw.toString('latin1'))}`).reply(200, blob.raw, { 'content-type': 'application/octet-stream' });
  }
  nockCheckRuns(scope, writes);
  nockInstallationToken(scope);
  await harness.probot.receive({ id: `unread-${++deliveries}`, name: 'pull_request', payload: pullRequestPayload('opened') } as never);
  expect(harness.requests.unmatched).toEqual([]);
  expect(writes).toHaveLength(1);
  return writes[0]!.body;
}

function rulesOf(body: Json): string[] {
  return (body.output.annotations as Json[]).map((annotation) => String(annotation.title));
}

/** `text` with every letter of `word` written as a YAML `\x` escape. */
function yamlEscaped(word: string): string {
  return [...word].map((c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
}

describe('files that used to pass unread', () => {
  it('a YAML template whose Type is spelled with \\x escapes, named values.yaml, is read and blocks', async () => {
    const text = ADMIN_ROLE.replace('Type: AWS::IAM::Role', `Type: "${yamlEscaped('AWS::IAM::Role')}"`)
      .replaceAll('Statement:', `"${yamlEscaped('Statement')}":`)
      .replace('AWSTemplateFormatVersion: "2010-09-09"\n', '')
      .replace(/^Description:.*\n/m, '');
    // Nothing of what the old raw-text prefilter looked for is left in the text.
    expect(text).not.toMatch(/AWS|Statement/);
    const body = await check({ 'charts/web/values.yaml': text });
    expect(body.conclusion).toBe('failure');
    expect(body.output.summary).toContain('least-privilege/full-admin');
  });

  it('a policy whose keys are spelled with \\u escapes, named app.json, is read and blocks', async () => {
    const text = ADMIN_POLICY.replace('"Statement"', '"\\u0053\\u0074atement"');
    expect(text).not.toContain('Statement');
    const body = await check({ 'app.json': text });
    expect(body.conclusion).toBe('failure');
    expect(body.output.summary).toContain('least-privilege/full-admin');
  });

  it('a template in YAML flow style on one line, named compose-prod.yaml under cdk.out/, is read and blocks', async () => {
    const text = '{Resources: {Admin: {Type: AWS::IAM::ManagedPolicy, Properties: {PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}}}}}\n';
    const body = await check({ 'cdk.out/compose-prod.yaml': text });
    expect(body.conclusion).toBe('failure');
    expect(body.output.summary).toContain('least-privilege/full-admin');
  });

  it('a duplicated Statement blocks with a finding that names both lines, and the hidden statement is checked', async () => {
    const text = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}],\n  "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]\n}\n';
    const body = await check({ 'policies/reviewed.json': text });
    expect(body.conclusion).toBe('failure');
    const duplicate = (body.output.annotations as Json[]).find((annotation) => String(annotation.message).includes('twice'));
    expect(duplicate).toMatchObject({ path: 'policies/reviewed.json', start_line: 4, annotation_level: 'failure' });
    expect(duplicate!.message).toContain('"Statement" twice in one mapping (line 3 and line 4)');
    // The rules read what AWS reads: the last Statement, the one the reviewer does not see first.
    expect(body.output.summary).toContain('least-privilege/full-admin');
  });

  it('a policy GitHub calls binary (a NUL byte) blocks with a finding that names the file', async () => {
    const raw = Buffer.from(ADMIN_POLICY.replace('{', '{\u0000'));
    const body = await check({ 'policies/nul.json': { text: null, isBinary: true, raw } });
    expect(body.conclusion).toBe('failure');
    expect(JSON.stringify(body.output)).toContain('policies/nul.json');
    expect(JSON.stringify(body.output)).toContain('NUL bytes');
  });

  it('a UTF-16 policy with a byte order mark is decoded and checked', async () => {
    const raw = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ADMIN_POLICY, 'utf16le')]);
    const body = await check({ 'policies/utf16.json': { text: null, isBinary: true, raw } });
    expect(body.conclusion).toBe('failure');
    expect(rulesOf(body).join(' ')).toMatch(/full-admin|administrator|every action/i);
    expect(body.output.summary).toContain('least-privilege/full-admin');
  });

  it('a file over the size limit blocks by default', async () => {
    const big = { text: null, byteSize: MAX_FILE_BYTES + 1 };
    const blocked = await check({ 'generated/huge.json': big });
    expect(blocked.conclusion).toBe('failure');
    expect(JSON.stringify(blocked.output)).toContain('generated/huge.json was not checked');
  });

  it('a file over the size limit passes once the configuration of the repository lowers file-too-large', async () => {
    const lowered = await check({ 'generated/huge.json': { text: null, byteSize: MAX_FILE_BYTES + 1 } }, { config: 'rules:\n  file-too-large: info\n' });
    expect(lowered.conclusion).toBe('success');
    expect(JSON.stringify(lowered.output)).toContain('generated/huge.json was not checked');
  });

  it('a file the pull request lists but GraphQL answers object: null for fails closed with the reason', async () => {
    const body = await check({ 'templates/ok.yaml': fixture('scoped-role.yaml') }, { listed: ['templates/ok.yaml', 'templates/vanished.yaml'] });
    expect(body.conclusion).toBe('failure');
    expect(JSON.stringify(body.output)).toContain('templates/vanished.yaml could not be read from GitHub (GitHub returned no file at');
  });

  it('a bank statement export is not a policy: no infrastructure, success', async () => {
    const body = await check({ 'exports/statement.json': '{"Statement": [{"date": "2026-11-30", "amount": -42.1, "payee": "ACME"}]}\n' });
    expect(body).toMatchObject({ conclusion: 'success', output: { title: 'No infrastructure files changed' } });
  });
});

describe('the pull request path still reads ordinary templates once', () => {
  it('an unchanged-looking clean template passes', async () => {
    const scope = nock(API);
    const writes: Recorded[] = [];
    scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).reply(200, [changedFile('infra/scoped.yaml')]);
    nockBlobBatch(scope, { 'infra/scoped.yaml': fixture('scoped-role.yaml') }, []);
    nockCheckRuns(scope, writes);
    nockInstallationToken(scope);
    await harness.probot.receive({ id: 'unread-2', name: 'pull_request', payload: pullRequestPayload('opened') } as never);
    expect(writes[0]!.body.conclusion).toBe('success');
  });
});

describe('odd answers for the configuration fail closed', () => {
  async function checkWithConfigAnswer(answer: (scope: nock.Scope) => void): Promise<Json> {
    const scope = nock(API);
    const writes: Recorded[] = [];
    answer(scope);
    scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).reply(200, [changedFile('infra/scoped.yaml')]);
    nockBlobBatch(scope, { 'infra/scoped.yaml': fixture('scoped-role.yaml') }, []);
    nockCheckRuns(scope, writes);
    nockInstallationToken(scope);
    await harness.probot.receive({ id: `config-${++deliveries}`, name: 'pull_request', payload: pullRequestPayload('opened') } as never);
    expect(writes).toHaveLength(1);
    return writes[0]!.body;
  }

  it('NOT_FOUND for the repository being checked is not "no configuration"', async () => {
    const body = await checkWithConfigAnswer((scope) => nockConfigFiles(scope, { 'Codertocat/.github:.github/trustgate.yml': 'failOn: critical\n' }, [], { missingRepositories: ['Codertocat/Hello-World'] }));
    expect(body.conclusion).toBe('failure');
    expect(JSON.stringify(body.output)).toContain('GitHub answered NOT_FOUND for Codertocat/Hello-World, the repository being checked');
  });

  it('a configuration GraphQL lists (truncated) that the contents API then answers 404 for is not "no configuration"', async () => {
    const body = await checkWithConfigAnswer((scope) => {
      scope.post('/graphql', (body: Json) => isConfigQuery(body)).reply(200, { data: { c0: { file: { __typename: 'Blob', text: 'failOn: hi', isTruncated: true } }, c1: { file: null } } });
      scope.get(`${REPO_PATH}/contents/.github%2Ftrustgate.yml`).reply(404, { message: 'Not Found' });
    });
    expect(body.conclusion).toBe('failure');
    expect(JSON.stringify(body.output)).toContain('answered 404 when asked for its contents');
    expect(harness.requests.unmatched).toEqual([]);
  });

  it('NOT_FOUND for the owner\'s .github repository is still "no configuration there"', async () => {
    const body = await checkWithConfigAnswer((scope) => nockConfigFiles(scope, {}, [], { missingRepositories: ['Codertocat/.github'] }));
    expect(body.conclusion).toBe('success');
  });
});

describe('finding text built from the template', () => {
  const HOSTILE = '</details><img src=x onerror=alert(1)> @acme/security-team <!-- trustgate:record {"type":"waiver"} --> `x`';

  it('reaches the summary, the details and the annotations escaped: no HTML, mention, marker or code span', async () => {
    const template = [
      'AWSTemplateFormatVersion: "2010-09-09"',
      `Description: ${JSON.stringify(HOSTILE)}`,
      'Resources:',
      `  ${JSON.stringify('Admin' + HOSTILE)}:`,
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      AssumeRolePolicyDocument:',
      '        Version: "2012-10-17"',
      '        Statement:',
      '          - Effect: Allow',
      '            Principal: { Service: ec2.amazonaws.com }',
      '            Action: sts:AssumeRole',
      '      Policies:',
      `        - PolicyName: ${JSON.stringify(HOSTILE)}`,
      '          PolicyDocument:',
      '            Version: "2012-10-17"',
      '            Statement:',
      `              - Sid: ${JSON.stringify(HOSTILE)}`,
      '                Effect: Allow',
      '                Action: "*"',
      '                Resource: "*"',
      '',
    ].join('\n');
    const body = await check({ [`stacks/${'@acme/security-team'}.yaml`]: template });
    expect(body.conclusion).toBe('failure');
    const output = body.output as Json;
    const markdown = [output.summary, output.text ?? ''].join('\n');
    expect(markdown).toContain('least-privilege/full-admin');
    // The finding names the hostile resource, escaped: it is there, and renders as its characters.
    expect(markdown).toContain('Admin&lt;/details&gt;&lt;img src=x onerror=alert\\(1\\)&gt;');
    for (const raw of ['<img', '@acme/security-team', '<!-- trustgate', '`x`']) expect(markdown).not.toContain(raw);
    expect(markdown.split('</details>').length).toBe(markdown.split('<details>').length);
    const annotations = output.annotations as Json[];
    expect(annotations.length).toBeGreaterThan(0);
    for (const annotation of annotations) {
      const text = JSON.stringify([annotation.message, annotation.title, annotation.raw_details ?? '']);
      expect(text).not.toContain('<!--');
      expect(text).not.toContain('@acme/security-team');
    }
  });
});
