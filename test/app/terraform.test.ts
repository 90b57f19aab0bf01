import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import {
  API,
  BASE_SHA,
  blobSha,
  changedFile,
  HEAD_SHA,
  isConfigQuery,
  nockConfigFiles,
  nockCheckRuns,
  nockInstallationToken,
  PULL_NUMBER,
  pullRequestPayload,
  REPO_PATH,
  type Json,
  type Recorded,
  useAppHarness,
} from './helpers.js';

/**
 * Terraform through the real app path: Probot receives the webhook, GitHub is nock. The repository is a
 * map of path → text at the head commit; GraphQL answers directory (`d<i>`) and blob (`f<i>`) aliases
 * from it as GitHub does (a tree's entries with each blob's content, `null` for a path that is not there).
 */

const FILES_PATH = `${REPO_PATH}/pulls/${PULL_NUMBER}/files`;

const harness = useAppHarness();

async function receive(): Promise<void> {
  await harness.probot.receive({ id: 'delivery-tf', name: 'pull_request', payload: pullRequestPayload('opened') } as never);
}

function nockFiles(scope: nock.Scope, files: Json[]): void {
  for (let start = 0, page = 1; start < Math.max(files.length, 1); start += 100, page++) {
    const query = page === 1 ? { per_page: '100' } : { per_page: '100', page: String(page) };
    const headers: Record<string, string> = {};
    const last = Math.ceil(files.length / 100);
    if (start + 100 < files.length) headers['link'] = `<${API}${FILES_PATH}?per_page=100&page=${page + 1}>; rel="next", <${API}${FILES_PATH}?per_page=100&page=${last}>; rel="last"`;
    scope.get(FILES_PATH).query(query).reply(200, files.slice(start, start + 100), headers);
  }
}

function blob(text: string): Json {
  return { oid: blobSha(text), text, isTruncated: false, isBinary: false, byteSize: Buffer.byteLength(text) };
}

/**
 * Answers every content query (not the configuration's) from `repository` at the head commit and from
 * `base` at the base commit; records what each asked (`d:dir`, `f:path`, with `@base` for the base).
 */
function nockRepository(scope: nock.Scope, repository: Record<string, string>, asked: string[][], times = 5, base: Record<string, string> = {}): void {
  scope
    .post('/graphql', (body: Json) => !isConfigQuery(body))
    .times(times)
    .optionally()
    .reply(200, (_uri, requestBody) => {
      const body = requestBody as Json;
      const variables = body.variables as Record<string, string>;
      const data: Json = {};
      const expressions: string[] = [];
      for (const match of String(body.query).matchAll(/([df])(\d+): object\(expression: \$(e\d+)\)/g)) {
        const [, kind, index, variable] = match;
        const expression = variables[variable!]!;
        const ref = expression.slice(0, expression.indexOf(':'));
        const files = ref === HEAD_SHA ? repository : ref === BASE_SHA ? base : {};
        const path = expression.slice(expression.indexOf(':') + 1);
        expressions.push(`${kind}:${path}${ref === HEAD_SHA ? '' : '@base'}`);
        if (kind === 'f') {
          data[`f${index}`] = files[path] === undefined || files[path]!.startsWith('symlink:') ? null : blob(files[path]!);
          continue;
        }
        const prefix = path === '' ? '' : `${path}/`;
        const names = new Map<string, 'blob' | 'tree'>();
        for (const file of Object.keys(files)) {
          if (!file.startsWith(prefix)) continue;
          const rest = file.slice(prefix.length);
          const slash = rest.indexOf('/');
          names.set(slash < 0 ? rest : rest.slice(0, slash), slash < 0 ? 'blob' : 'tree');
        }
        data[`d${index}`] =
          names.size === 0
            ? null
            : {
                entries: [...names].map(([name, type]) => {
                  const text = files[prefix + name];
                  // `symlink:<target>` stands for a symbolic link: Git stores the target as the blob's text.
                  const link = text?.startsWith('symlink:') === true;
                  return { name, type, mode: type === 'tree' ? 0o40000 : link ? 0o120000 : 0o100644, object: type === 'blob' ? blob(link ? text!.slice(8) : text!) : {} };
                }),
              };
      }
      asked.push(expressions);
      return { data: { repository: data } };
    });
}

/** Reads are GETs and GraphQL queries; the token exchange and GET /app are the app's, not the check's. */
function countReads(scope: nock.Scope): string[] {
  const reads: string[] = [];
  scope.on('request', (request: { method: string; path: string }) => {
    const path = request.path.split('?')[0]!;
    if (path === '/app' || path.startsWith('/app/')) return;
    if (request.method === 'GET' || path === '/graphql') reads.push(`${request.method} ${path}`);
  });
  return reads;
}

const TRUST_EC2 = `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })`;

/** An EC2 role whose inline policy allows everything in its second statement: `Action   = "*"` is line 26, column 20. */
const ADMIN_MAIN_TF = `resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = ${TRUST_EC2}
}

resource "aws_iam_role_policy" "admin" {
  name = "admin"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "arn:aws:s3:::assets/*"
      },
      {
        Effect   = "Allow"
        Action   = "*"
        Resource = "*"
      },
    ]
  })
}
`;

/** A role any AWS principal may assume: `Principal = { AWS = "*" }` is line 7. */
const PUBLIC_ROLE_MAIN_TF = `resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "sts:AssumeRole"
    }]
  })
}
`;

function annotationsOf(writes: Recorded[]): Json[] {
  return writes.flatMap((write) => (write.body.output.annotations as Json[] | undefined) ?? []);
}

describe('Terraform in pull requests', () => {
  it('fails a pull request that changes only main.tf with an admin policy, annotated on the line of the wildcard', async () => {
    const scope = nock(API);
    const reads = countReads(scope);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('infra/app/main.tf')]);
    nockRepository(scope, { 'infra/app/main.tf': ADMIN_MAIN_TF, 'infra/app/README.md': '# app\n', 'infra/other/main.tf': ADMIN_MAIN_TF }, asked);
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(writes[0]!.body.output.title).not.toBe('No infrastructure files changed');
    expect(annotationsOf(writes)).toContainEqual(
      expect.objectContaining({ path: 'infra/app/main.tf', start_line: 26, start_column: 20, annotation_level: 'failure', title: expect.stringMatching(/^least-privilege\/full-admin/) }),
    );
    // Only the changed directory was listed (at the head and the base), in one query; the directory next to it was not read.
    expect(asked).toEqual([['d:infra/app', 'd:infra/app@base']]);
    expect(annotationsOf(writes).map((a) => a.path)).not.toContain('infra/other/main.tf');
    expect(reads.sort()).toEqual([`GET ${FILES_PATH}`, 'POST /graphql', 'POST /graphql', `GET ${REPO_PATH}/issues/${PULL_NUMBER}/comments`].sort());
  });

  it('counts a changed terraform.tfvars, *.auto.tfvars or *.tf.json as a change to its module, never as a template to read alone', async () => {
    const scope = nock(API);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('a/terraform.tfvars'), changedFile('b/prod.auto.tfvars'), changedFile('c/iam.tf.json'), changedFile('d/prod.tfvars'), changedFile('e/.terraform/modules/x/main.tf')]);
    nockRepository(
      scope,
      {
        'a/terraform.tfvars': 'name = "a"\n',
        'a/main.tf': ADMIN_MAIN_TF,
        'b/prod.auto.tfvars': 'name = "b"\n',
        'b/main.tf': ADMIN_MAIN_TF,
        'c/iam.tf.json': '{"locals": {"team": "c"}}',
        'c/main.tf': ADMIN_MAIN_TF,
        'd/prod.tfvars': 'name = "d"\n',
        'd/main.tf': ADMIN_MAIN_TF,
      },
      asked,
    );
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    // prod.tfvars is only read with -var-file, and .terraform/ is what `terraform init` downloaded: neither is a change.
    expect(asked.map((query) => query.filter((entry) => !entry.endsWith('@base')))).toEqual([['d:a', 'd:b', 'd:c']]);
    const paths = annotationsOf(writes).map((a) => a.path);
    expect(paths).toEqual(expect.arrayContaining(['a/main.tf', 'b/main.tf', 'c/main.tf']));
    expect(paths.filter((path) => path.startsWith('d/') || path.startsWith('e/'))).toEqual([]);
  });

  it('reads a changed iam.tf with the unchanged main.tf of its directory as one module: the attachment names the role, and the role\'s own finding is reported', async () => {
    const scope = nock(API);
    const writes: Recorded[] = [];
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('iam/iam.tf')]);
    nockRepository(
      scope,
      {
        'iam/main.tf': PUBLIC_ROLE_MAIN_TF,
        'iam/iam.tf': 'resource "aws_iam_role_policy_attachment" "admin" {\n  role       = aws_iam_role.app.name\n  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n',
      },
      [],
    );
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    expect(writes[0]!.body.conclusion).toBe('failure');
    const annotations = annotationsOf(writes);
    // Without main.tf the attachment's role is unknown and nothing is found on iam.tf.
    expect(annotations).toContainEqual(
      expect.objectContaining({ path: 'iam/iam.tf', start_line: 3, title: expect.stringMatching(/^least-privilege\/full-admin/), message: expect.stringContaining('aws_iam_role.app') }),
    );
    // main.tf did not change, but it is part of the module the pull request changes: its findings are reported too.
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'iam/main.tf', start_line: 7, title: expect.stringMatching(/^cross-account-trust\/public-role-trust/) }));
  });

  it('reads a local module called with ../../modules/x and annotates its findings on the module\'s own file and line', async () => {
    const scope = nock(API);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('envs/prod/main.tf')]);
    nockRepository(scope, { 'envs/prod/main.tf': 'module "app" {\n  source = "../../modules/x"\n}\n', 'modules/x/main.tf': ADMIN_MAIN_TF }, asked);
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    expect(asked).toEqual([['d:envs/prod', 'd:envs/prod@base'], ['d:modules/x', 'd:modules/x@base']]);
    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(annotationsOf(writes)).toContainEqual(
      expect.objectContaining({ path: 'modules/x/main.tf', start_line: 26, start_column: 20, title: expect.stringMatching(/^least-privilege\/full-admin/) }),
    );
  });

  it('reads a local module the configuration excludes (the module is part of its caller) but reports nothing on its files', async () => {
    const scope = nock(API);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    nockConfigFiles(scope, { 'Codertocat/Hello-World:.github/trustgate.yml': 'exclude: ["vendor/**"]\n' }, []);
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('live/main.tf')]);
    nockRepository(scope, { 'live/main.tf': 'module "legacy" {\n  source = "../vendor/legacy"\n}\n', 'vendor/legacy/main.tf': ADMIN_MAIN_TF }, asked);
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    expect(asked.map((query) => query.filter((entry) => !entry.endsWith('@base')))).toEqual([['d:live'], ['d:vendor/legacy']]);
    expect(annotationsOf(writes).map((a) => a.path)).not.toContain('vendor/legacy/main.tf');
    expect(writes[0]!.body.output.summary).not.toContain('vendor/legacy/main.tf');
  });

  it('reports a .tf file that does not parse at its line and still checks the other files of the module and of other directories', async () => {
    const scope = nock(API);
    const writes: Recorded[] = [];
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('app/broken.tf'), changedFile('other/main.tf')]);
    nockRepository(
      scope,
      {
        'app/broken.tf': 'resource "aws_iam_role" "broken" {\n  name = "a" "b"\n}\n',
        'app/main.tf': ADMIN_MAIN_TF,
        'other/main.tf': ADMIN_MAIN_TF,
      },
      [],
    );
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    const annotations = annotationsOf(writes);
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'app/broken.tf', start_line: 2, annotation_level: 'failure', title: expect.stringMatching(/^parse-error \(high\)/) }));
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'app/main.tf', start_line: 26, title: expect.stringMatching(/^least-privilege\/full-admin/) }));
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'other/main.tf', start_line: 26, title: expect.stringMatching(/^least-privilege\/full-admin/) }));
    expect(writes[0]!.body.conclusion).toBe('failure');
  });
});

describe('Terraform against the base commit', () => {
  it('does not block on findings of the module that are already on the base: the whole directory is read at both commits, in the same queries', async () => {
    const scope = nock(API);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('iam/iam.tf')]);
    const head = { 'iam/main.tf': PUBLIC_ROLE_MAIN_TF, 'iam/iam.tf': 'locals {\n  team = "payments"\n}\n' };
    const base = { 'iam/main.tf': PUBLIC_ROLE_MAIN_TF, 'iam/iam.tf': 'locals {\n  team = "billing"\n}\n' };
    nockRepository(scope, head, asked, 5, base);
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    expect(asked).toEqual([['d:iam', 'd:iam@base']]);
    // The public trust in the unchanged main.tf was there before: listed, not blocking.
    expect(writes[0]!.body.conclusion).toBe('success');
    expect(annotationsOf(writes).filter((a) => a.annotation_level === 'failure')).toEqual([]);
    expect(writes[0]!.body.output.summary).toContain('public-role-trust');
  });

  it('blocks on what the change adds to the module and not on what the base already had', async () => {
    const scope = nock(API);
    const writes: Recorded[] = [];
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('iam/iam.tf')]);
    const attachment = 'resource "aws_iam_role_policy_attachment" "admin" {\n  role       = aws_iam_role.app.name\n  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n';
    nockRepository(scope, { 'iam/main.tf': PUBLIC_ROLE_MAIN_TF, 'iam/iam.tf': attachment }, [], 5, { 'iam/main.tf': PUBLIC_ROLE_MAIN_TF, 'iam/iam.tf': 'locals {}\n' });
    nockCheckRuns(scope, writes);

    await receive();

    expect(writes[0]!.body.conclusion).toBe('failure');
    const failures = annotationsOf(writes).filter((a) => a.annotation_level === 'failure');
    expect(failures.map((a) => [a.path, a.start_line, String(a.title).split(' ')[0]])).toEqual([['iam/iam.tf', 3, 'least-privilege/full-admin']]);
  });

  it('shows what the change grants in the module, compared whole with its directory at the base, and nothing for the module it calls', async () => {
    const scope = nock(API);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    const reads = countReads(scope);
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('iam/policy.tf')]);
    const policy = (action: string) => `resource "aws_iam_role_policy" "read" {\n  role = aws_iam_role.app.id\n  policy = jsonencode({\n    Version   = "2012-10-17"\n    Statement = [{ Effect = "Allow", Action = "${action}", Resource = "arn:aws:s3:::reports/*" }]\n  })\n}\n`;
    const role = `resource "aws_iam_role" "app" {\n  name               = "app"\n  assume_role_policy = ${TRUST_EC2}\n}\n\nmodule "extra" {\n  source = "../modules/extra"\n}\n`;
    const called = `resource "aws_iam_role" "extra" {\n  name               = "extra"\n  assume_role_policy = ${TRUST_EC2}\n}\n`;
    nockRepository(scope, { 'iam/main.tf': role, 'iam/policy.tf': policy('s3:*'), 'modules/extra/main.tf': called }, asked, 5, { 'iam/main.tf': role, 'iam/policy.tf': policy('s3:GetObject') });
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    expect(reads.length).toBeLessThanOrEqual(5);
    expect(writes).toHaveLength(1);
    const summary = writes[0]!.body.output.summary as string;
    const section = summary.slice(summary.indexOf('### What this pull request changes'));
    expect(section).toContain('**aws\\_iam\\_role.app** in `iam/`');
    expect(section).toMatch(/- \*\*adds\*\* permission: s3&#58;\\\* \\\(\d{2,} actions\\\) on arn&#58;aws&#58;s3&#58;&#58;&#58;reports\/\\\*\n/);
    expect(section).toContain('- removes permission: s3&#58;GetObject on arn&#58;aws&#58;s3&#58;&#58;&#58;reports/\\*\n');
    // The module it calls was read at the head only: the same at the base, so no access "added" to it.
    expect(section).not.toContain('extra');
  });

  it('counts the findings of a Terraform directory the pull request removes whole as fixed, and shows the access it granted as removed', async () => {
    const scope = nock(API);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    const reads = countReads(scope);
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('iam/main.tf', 'removed'), changedFile('iam/terraform.tfvars', 'removed'), changedFile('docs/iam.md', 'removed')]);
    const base = { 'iam/main.tf': ADMIN_MAIN_TF, 'iam/terraform.tfvars': 'region = "eu-west-1"\n', 'iam/README.md': '# iam\n', 'keep/main.tf': ADMIN_MAIN_TF };
    nockRepository(scope, { 'keep/main.tf': ADMIN_MAIN_TF }, asked, 5, base);
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    // The directory is gone at the head and read whole at the base, in one query.
    expect(asked).toEqual([['d:iam', 'd:iam@base']]);
    expect(reads.length).toBeLessThanOrEqual(5);
    expect(writes).toHaveLength(1);
    const body = writes[0]!.body;
    const fixed = scanFiles([{ path: 'iam/main.tf', text: ADMIN_MAIN_TF }]).findings;
    expect(fixed.map((finding) => finding.ruleId)).toContain('least-privilege/full-admin');
    // Nothing is left to judge: the check passes and says what the removal fixes.
    expect(body.conclusion).toBe('success');
    expect(annotationsOf(writes).filter((a) => a.annotation_level === 'failure')).toEqual([]);
    const summary = body.output.summary as string;
    expect(summary).toContain(`this pull request fixes ${fixed.length === 1 ? '1 finding' : `${fixed.length} findings`}`);
    expect(summary).not.toContain('not found at the base');
    const section = summary.slice(summary.indexOf('### What this pull request changes'));
    expect(section).toMatch(/aws\\_iam\\_role\.app\*\* in `iam\/`/);
    expect(section).toContain('- removes permission: s3&#58;GetObject on arn&#58;aws&#58;s3&#58;&#58;&#58;assets/\\*');
    expect(section).not.toContain('**adds**');
  });
});

describe('Terraform reads', () => {
  it('reads every Terraform file of the changed directory and of the local modules it calls (from .tf and .tf.json), one query per level, and never a remote source', async () => {
    const scope = nock(API);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('envs/prod/main.tf')]);
    nockRepository(
      scope,
      {
        'envs/prod/main.tf': [
          'module "x" {\n  source = "../../modules/x"\n}',
          'module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n  version = "5.0.0"\n}',
          'module "outside" {\n  source = "../../../elsewhere"\n}',
          'module "git" {\n  source = "git::https://example.com/m.git"\n}',
        ].join('\n'),
        'envs/prod/iam.tf': 'locals {\n  name = "prod"\n}\n',
        'envs/prod/terraform.tfvars': 'region = "eu-west-1"\n',
        'envs/prod/README.md': '# prod\n',
        'envs/prod/.terraform/modules/vpc/main.tf': 'resource "aws_vpc" "this" {}\n',
        'modules/x/main.tf': 'locals {\n  x = 1\n}\n',
        'modules/x/calls.tf.json': '{"module": {"nested": {"source": "./nested"}}, "variable": {"name": {}}}',
        'modules/x/nested/main.tf': 'locals {\n  nested = true\n}\n',
        'modules/y/main.tf': 'locals {\n  unrelated = true\n}\n',
      },
      asked,
    );
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    expect(asked.map((query) => query.filter((entry) => !entry.endsWith('@base')))).toEqual([['d:envs/prod'], ['d:modules/x'], ['d:modules/x/nested']]);
    expect(writes).toHaveLength(1);
    // The call whose path leaves the repository is not known to be safe: a low finding on its source line.
    expect(annotationsOf(writes)).toContainEqual(
      expect.objectContaining({ path: 'envs/prod/main.tf', start_line: 9, title: expect.stringMatching(/^not-checked \(low\)/), message: expect.stringContaining('a path outside the repository') }),
    );
    expect(writes[0]!.body.status).toBe('completed');
  });

  it('checks a module again when the pull request only removes one of its files (or moves it away)', async () => {
    const scope = nock(API);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('iam/deny.tf', 'removed'), changedFile('other/policy.tf', 'renamed', 'legacy/policy.tf'), changedFile('docs/gone.yaml', 'removed')]);
    nockRepository(scope, { 'iam/main.tf': ADMIN_MAIN_TF, 'other/policy.tf': 'locals {}\n', 'legacy/main.tf': 'locals {}\n' }, asked);
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    // The directory with a changed file first, then those that only lost files.
    expect(asked.map((query) => query.filter((entry) => !entry.endsWith('@base')))).toEqual([['d:other', 'd:iam', 'd:legacy']]);
    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(annotationsOf(writes)).toContainEqual(expect.objectContaining({ path: 'iam/main.tf', start_line: 26, title: expect.stringMatching(/^least-privilege\/full-admin/) }));
  });

  it('reads a symbolic link to a file of the repository as part of the link\'s module, and blocks on one that leaves the repository', async () => {
    const scope = nock(API);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('live/main.tf')]);
    nockRepository(
      scope,
      {
        'live/main.tf': 'locals {\n  name = "live"\n}\n',
        'live/iam.tf': 'symlink:../shared/iam.tf',
        'live/escape.tf': 'symlink:../../outside.tf',
        'shared/iam.tf': ADMIN_MAIN_TF,
      },
      asked,
    );
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    // The link's target rides in one more query (there is no module level to carry it).
    expect(asked.map((query) => query.filter((entry) => !entry.endsWith('@base')))).toEqual([['d:live'], ['f:shared/iam.tf']]);
    const annotations = annotationsOf(writes);
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'live/iam.tf', start_line: 26, title: expect.stringMatching(/^least-privilege\/full-admin/) }));
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'live/escape.tf', annotation_level: 'failure', message: expect.stringContaining('symbolic link to a path outside the repository') }));
  });

  it('reads at most 40 changed directories and blocks on a changed Terraform file beyond them, naming it', async () => {
    const scope = nock(API);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    const repository: Record<string, string> = {};
    const changed: Json[] = [];
    for (let index = 0; index < 41; index++) {
      const path = `stacks/s${String(index).padStart(2, '0')}/main.tf`;
      repository[path] = 'locals {\n  x = 1\n}\n';
      changed.push(changedFile(path));
    }
    nockInstallationToken(scope);
    nockFiles(scope, changed);
    nockRepository(scope, repository, asked);
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.filter((entry) => !entry.endsWith('@base'))).toHaveLength(40);
    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(annotationsOf(writes)).toEqual([
      expect.objectContaining({ path: 'stacks/s40/main.tf', annotation_level: 'failure', message: expect.stringContaining('more than 40 directories') }),
    ]);
  });

  it('reads the directories with a changed file before those that only lost files, and blocks naming the ones that lost files beyond the bound', async () => {
    const scope = nock(API);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    const base: Record<string, string> = {};
    const changed: Json[] = [];
    for (let index = 0; index < 41; index++) {
      const path = `old/m${String(index).padStart(2, '0')}/main.tf`;
      base[path] = 'locals {\n  x = 1\n}\n';
      changed.push(changedFile(path, 'removed'));
    }
    changed.push(changedFile('zz/main.tf'));
    nockInstallationToken(scope);
    nockFiles(scope, changed);
    nockRepository(scope, { 'zz/main.tf': ADMIN_MAIN_TF }, asked, 5, base);
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    expect(asked).toHaveLength(1);
    const heads = asked[0]!.filter((entry) => !entry.endsWith('@base'));
    expect(heads).toHaveLength(40);
    expect(heads[0]).toBe('d:zz');
    expect(heads).not.toContain('d:old/m39');
    // The changed module is judged where it is; the removed ones past the bound block, named.
    const annotations = annotationsOf(writes);
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'zz/main.tf', start_line: 26, title: expect.stringMatching(/^least-privilege\/full-admin/) }));
    expect(annotations.map((a) => a.path)).not.toContain('old/m40/main.tf');
    expect(writes[0]!.body.conclusion).toBe('failure');
    expect(writes[0]!.body.output.summary).toContain('what removing files changes in `old/m39`, `old/m40` is not checked');
  });

  it('follows local modules at most three levels below the changed directory: four content queries, the fourth level unread and named in the summary', async () => {
    const scope = nock(API);
    const asked: string[][] = [];
    nockInstallationToken(scope);
    nockFiles(scope, [changedFile('live/main.tf')]);
    const chain: Record<string, string> = { 'live/main.tf': 'module "m1" {\n  source = "../modules/m1"\n}\n' };
    for (let level = 1; level <= 5; level++) chain[`modules/m${level}/main.tf`] = `module "m${level + 1}" {\n  source = "../m${level + 1}"\n}\n`;
    nockRepository(scope, chain, asked, 10);
    const writes: Recorded[] = [];
    nockCheckRuns(scope, writes);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    expect(asked.map((query) => query.filter((entry) => !entry.endsWith('@base')))).toEqual([['d:live'], ['d:modules/m1'], ['d:modules/m2'], ['d:modules/m3']]);
    // The summary says which module was not read and why.
    expect(writes[0]!.body.output.summary).toContain('**Terraform modules not read.**');
    expect(writes[0]!.body.output.summary).toContain('- `modules/m4`: more than 3 levels of local modules below a changed directory');
    // And the call itself is a low finding at its source line: what modules/m4 creates is not known.
    expect(annotationsOf(writes)).toContainEqual(
      expect.objectContaining({ path: 'modules/m3/main.tf', start_line: 2, title: expect.stringMatching(/^not-checked \(low\)/), message: expect.stringContaining('module.m4 comes from "../m4", not read in this check') }),
    );
  });

  it('stays within six reads for a pull request changing 199 templates and a main.tf that calls a local module', async () => {
    const scope = nock(API);
    const reads = countReads(scope);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    const template = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n';
    const repository: Record<string, string> = {
      'stack/main.tf': 'module "x" {\n  source = "../modules/x"\n}\n',
      'modules/x/main.tf': 'locals {\n  x = 1\n}\n',
    };
    const changed: Json[] = [changedFile('stack/main.tf')];
    for (let index = 0; index < 199; index++) {
      repository[`stacks/stack-${index}.yaml`] = template;
      changed.push(changedFile(`stacks/stack-${index}.yaml`));
    }
    nockInstallationToken(scope);
    nockFiles(scope, changed);
    nockRepository(scope, repository, asked);
    nockCheckRuns(scope, writes, 10);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    // The templates (and their base versions, where they are compared) and the changed directory in one query, the module in a second.
    expect(asked).toHaveLength(2);
    expect(asked[0]!.filter((entry) => entry.startsWith('f:') && !entry.endsWith('@base'))).toHaveLength(199);
    expect(asked[0]!.filter((entry) => entry.startsWith('d:'))).toEqual(['d:stack', 'd:stack@base']);
    expect(asked[1]).toEqual(['d:modules/x', 'd:modules/x@base']);
    // Two file pages, the configuration, two content queries, the waiver comments.
    expect(reads.sort()).toEqual([`GET ${FILES_PATH}`, `GET ${FILES_PATH}`, 'POST /graphql', 'POST /graphql', 'POST /graphql', `GET ${REPO_PATH}/issues/${PULL_NUMBER}/comments`].sort());
    expect(reads.length).toBeLessThanOrEqual(6);
  });

  it('stays within six reads for a pull request of exactly 250 files: 249 templates and a main.tf that calls a local module', async () => {
    const scope = nock(API);
    const reads = countReads(scope);
    const asked: string[][] = [];
    const writes: Recorded[] = [];
    const template = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n';
    const repository: Record<string, string> = { 'stack/main.tf': 'module "x" {\n  source = "../modules/x"\n}\n', 'modules/x/main.tf': ADMIN_MAIN_TF };
    const changed: Json[] = [changedFile('stack/main.tf')];
    for (let index = 0; index < 249; index++) {
      repository[`stacks/stack-${index}.yaml`] = template;
      changed.push(changedFile(`stacks/stack-${index}.yaml`));
    }
    nockInstallationToken(scope);
    // Three pages: the first is read, the rest come from the comparison of the pull request's base and head in one read.
    scope.get(FILES_PATH).query({ per_page: '100' }).reply(200, changed.slice(0, 100), { link: `<${API}${FILES_PATH}?per_page=100&page=2>; rel="next", <${API}${FILES_PATH}?per_page=100&page=3>; rel="last"` });
    scope.get(`${REPO_PATH}/compare/${BASE_SHA}...${HEAD_SHA}`).query({ per_page: '1' }).reply(200, { status: 'ahead', files: changed });
    nockRepository(scope, repository, asked);
    nockCheckRuns(scope, writes, 10);

    await receive();

    expect(harness.requests.unmatched).toEqual([]);
    expect(asked).toHaveLength(2);
    expect(asked[0]!.filter((entry) => entry.startsWith('f:') && !entry.endsWith('@base'))).toHaveLength(249);
    expect(asked[1]).toEqual(['d:modules/x', 'd:modules/x@base']);
    // The first page, the comparison, the configuration, two content queries, the waiver comments.
    expect(reads.sort()).toEqual([`GET ${FILES_PATH}`, `GET ${REPO_PATH}/compare/${BASE_SHA}...${HEAD_SHA}`, 'POST /graphql', 'POST /graphql', 'POST /graphql', `GET ${REPO_PATH}/issues/${PULL_NUMBER}/comments`].sort());
    expect(reads.length).toBeLessThanOrEqual(6);
    // The module's admin policy is judged at its own file and line.
    expect(writes).toHaveLength(1);
    expect(annotationsOf(writes)).toContainEqual(expect.objectContaining({ path: 'modules/x/main.tf', start_line: 26, title: expect.stringMatching(/^least-privilege\/full-admin/) }));
  });
});
