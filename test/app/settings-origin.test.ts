import nock from 'nock';
import { describe, expect, it } from 'vitest';
import {
  API,
  changedFile,
  fixture,
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
 * Issue 13: `_extends` to a repository of another owner is refused unless the repository's own owner
 * allows it, and the summary shows where each setting came from. Through the app, GitHub answered by nock.
 */
const harness = useAppHarness();
let deliveries = 0;

const REPO_CONFIG = 'Codertocat/Hello-World:.github/trustgate.yml';
const ORG_CONFIG = 'Codertocat/.github:.github/trustgate.yml';

async function check(configFiles: Record<string, string>, { changed = ['infra/scoped.yaml'] }: { changed?: string[] } = {}): Promise<{ body: Json; queries: string[][] }> {
  const scope = nock(API);
  const queries: string[][] = [];
  nockConfigFiles(scope, configFiles, queries, { times: 3, optional: true });
  const writes: Recorded[] = [];
  scope.get(`${REPO_PATH}/pulls/${PULL_NUMBER}/files`).query(true).optionally().reply(200, changed.map((path) => changedFile(path, 'added')));
  nockBlobBatch(scope, { 'infra/scoped.yaml': fixture('scoped-role.yaml'), 'infra/admin.yaml': fixture('admin-role.yaml') }, []);
  nockCheckRuns(scope, writes);
  nockInstallationToken(scope);
  await harness.probot.receive({ id: `origin-${++deliveries}`, name: 'pull_request', payload: pullRequestPayload('opened') } as never);
  expect(harness.requests.unmatched).toEqual([]);
  expect(writes).toHaveLength(1);
  return { body: writes[0]!.body, queries };
}

describe('_extends to another owner', () => {
  it('is refused, without reading that owner\'s file, unless the repository\'s owner allows it', async () => {
    const { body, queries } = await check({ [REPO_CONFIG]: '_extends: acme/policies\n', 'acme/policies:.github/trustgate.yml': 'failOn: critical\n' });
    expect(body.conclusion).toBe('failure');
    expect(body.output.summary).toContain('_extends "acme/policies" names a repository of another owner (acme); list it in `allowExtendsFrom` in a configuration of Codertocat to allow that');
    expect(queries.flat().some((read) => read.startsWith('acme/'))).toBe(false);
  });

  it('is followed when allowExtendsFrom in a file of the owner lists it, and the summary says which file set what', async () => {
    const { body } = await check(
      {
        [REPO_CONFIG]: '_extends: .github\nreportOnly: false\n',
        [ORG_CONFIG]: '_extends: acme/policies\nallowExtendsFrom: [acme]\nrules:\n  least-privilege/full-admin: critical\n',
        'acme/policies:.github/trustgate.yml': 'failOn: critical\nwaivers:\n  permission: admin\n',
      },
      { changed: ['infra/admin.yaml'] },
    );
    // acme's failOn: critical applies (full-admin is critical, so it still blocks) ...
    expect(body.conclusion).toBe('failure');
    const summary = body.output.summary as string;
    // ... and every setting names its file.
    expect(summary).toContain('<details><summary>Settings from `Codertocat/Hello-World:.github/trustgate.yml`, `Codertocat/.github:.github/trustgate.yml`, `acme/policies:.github/trustgate.yml`</summary>');
    expect(summary).toContain('| `failOn` | `acme/policies:.github/trustgate.yml` |');
    expect(summary).toContain('| `waivers.permission` | `acme/policies:.github/trustgate.yml` |');
    expect(summary).toContain('| `rules.least-privilege/full-admin` | `Codertocat/.github:.github/trustgate.yml` |');
    expect(summary).toContain('| `allowExtendsFrom` | `Codertocat/.github:.github/trustgate.yml` |');
    expect(summary).toContain('| `reportOnly` | `Codertocat/Hello-World:.github/trustgate.yml` |');
    expect(summary).toContain('| `_extends` | `Codertocat/Hello-World:.github/trustgate.yml` |');
  });

  it('cannot be allowed by the other owner\'s own file: acme cannot let in a third owner', async () => {
    const { body, queries } = await check({
      [REPO_CONFIG]: '_extends: acme/policies\nallowExtendsFrom: [acme]\n',
      'acme/policies:.github/trustgate.yml': '_extends: mallory/loose\nallowExtendsFrom: [mallory]\n',
      'mallory/loose:.github/trustgate.yml': 'failOn: critical\nreportOnly: true\n',
    });
    expect(body.conclusion).toBe('failure');
    expect(body.output.summary).toContain('names a repository of another owner (mallory)');
    expect(queries.flat().some((read) => read.startsWith('mallory/'))).toBe(false);
  });
});

describe('where the settings came from', () => {
  it('is shown when nothing was checked too: an exclude that leaves every file out is not silent', async () => {
    const { body } = await check({ [ORG_CONFIG]: 'exclude: ["infra/**"]\n' });
    expect(body).toMatchObject({ conclusion: 'success', output: { title: 'No infrastructure files changed' } });
    expect(body.output.summary).toContain('| `exclude` | `Codertocat/.github:.github/trustgate.yml` |');
  });

  it('is not shown when only defaults apply', async () => {
    const { body } = await check({});
    expect(body.output.summary).not.toContain('Settings from');
  });
});
