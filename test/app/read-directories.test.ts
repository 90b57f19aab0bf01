import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OctokitGateway } from '../../src/app/octokit-gateway.js';
import { API, BASE_SHA, blobSha, HEAD_SHA, OWNER, REPO, REPO_PATH, TestOctokit, type Json } from './helpers.js';

/** OctokitGateway.readDirectories against nock: the GraphQL it sends and how it reads GitHub's answers. */

const repository = { owner: OWNER, repo: REPO };

function blob(text: string, extra: Json = {}): Json {
  return { oid: blobSha(text), text, isTruncated: false, isBinary: false, byteSize: Buffer.byteLength(text), ...extra };
}

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('OctokitGateway.readDirectories', () => {
  it('lists directories and reads files at their refs in one query, keeping only the selected blobs directly in each directory and returning symbolic links with their targets', async () => {
    const bodies: Json[] = [];
    const long = 'resource "aws_iam_policy" "p" {}\n'.repeat(10);
    nock(API)
      .post('/graphql')
      .reply(200, (_uri, body) => {
        bodies.push(body as Json);
        return {
          data: {
            repository: {
              d0: {
                entries: [
                  { name: 'main.tf', type: 'blob', mode: 0o100644, object: blob('resource "aws_iam_role" "r" {}\n') },
                  { name: 'README.md', type: 'blob', mode: 0o100644, object: blob('# readme\n') },
                  { name: 'linked.tf', type: 'blob', mode: 0o120000, object: blob('../elsewhere/main.tf') },
                  { name: 'nested.tf', type: 'tree', mode: 0o40000, object: {} },
                  { name: 'big.tf', type: 'blob', mode: 0o100644, object: blob(long.slice(0, 20), { isTruncated: true, byteSize: long.length }) },
                ],
              },
              d1: null,
              f2: blob('Statement: []\n'),
              f3: null,
            },
          },
        };
      })
      .get(new RegExp(`${REPO_PATH}/git/blobs/${blobSha(long.slice(0, 20))}$`))
      .reply(200, long, { 'content-type': 'application/vnd.github.raw' });
    const gateway = new OctokitGateway(new TestOctokit({ auth: 'token test' }));

    const result = await gateway.readDirectories(
      repository,
      [{ ref: HEAD_SHA, path: 'infra' }, { ref: BASE_SHA, path: 'gone' }],
      (path) => path.endsWith('.tf'),
      [{ ref: HEAD_SHA, path: 'policy.yaml' }, { ref: BASE_SHA, path: 'missing.yaml' }],
    );

    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.variables).toEqual({ owner: OWNER, name: REPO, e0: `${HEAD_SHA}:infra`, e1: `${BASE_SHA}:gone`, e2: `${HEAD_SHA}:policy.yaml`, e3: `${BASE_SHA}:missing.yaml` });
    expect(bodies[0]!.query).toContain('d0: object(expression: $e0) { ... on Tree { entries { name type mode object {');
    expect(result.directories).toEqual([
      {
        path: 'infra',
        status: 'tree',
        files: [
          { path: 'infra/big.tf', status: 'text', text: long },
          { path: 'infra/main.tf', status: 'text', text: 'resource "aws_iam_role" "r" {}\n' },
        ],
        links: [{ path: 'infra/linked.tf', target: '../elsewhere/main.tf' }],
      },
      { path: 'gone', status: 'missing' },
    ]);
    expect(result.files).toEqual([
      { path: 'policy.yaml', status: 'text', text: 'Statement: []\n' },
      { path: 'missing.yaml', status: 'missing' },
    ]);
  });

  it('reads the repository root as `<ref>:`', async () => {
    const bodies: Json[] = [];
    nock(API)
      .post('/graphql')
      .reply(200, (_uri, body) => {
        bodies.push(body as Json);
        return { data: { repository: { d0: { entries: [{ name: 'main.tf', type: 'blob', mode: 0o100644, object: blob('locals {}\n') }] } } } };
      });
    const gateway = new OctokitGateway(new TestOctokit({ auth: 'token test' }));

    const result = await gateway.readDirectories(repository, [{ ref: HEAD_SHA, path: '' }], () => true);

    expect(bodies[0]!.variables['e0']).toBe(`${HEAD_SHA}:`);
    expect(result.directories).toEqual([{ path: '', status: 'tree', files: [{ path: 'main.tf', status: 'text', text: 'locals {}\n' }] }]);
  });
});
