import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import nock from 'nock';
import { Probot, ProbotOctokit } from 'probot';
import { afterEach, beforeEach } from 'vitest';
import trustgate from '../../src/app/index.js';
import { recordKeyFrom, renderRecord, type TrustgateRecord } from '../../src/waivers/records.js';

export const API = 'https://api.github.com';
export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
export const REPO_PATH = `/repos/${OWNER}/${REPO}`;
export const HEAD_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
export const BASE_SHA = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
export const PULL_NUMBER = 2;
export const INSTALLATION_ID = 1;
export const CHECK_RUN_ID = 4242;

/**
 * The server secret waiver records are signed with (HMAC). The app reads it from the environment, as a
 * deployment sets it; records a test plants as the app's must be signed with it ({@link signedRecord}).
 */
process.env['TRUSTGATE_RECORD_KEY'] = 'test-only-record-secret';
export const RECORD_KEY = recordKeyFrom({ TRUSTGATE_RECORD_KEY: 'test-only-record-secret' })!;

/** A record as the app writes it in its reply to comment `commentId` on the test pull request. */
export function signedRecord(record: TrustgateRecord, commentId = 1, binding: { repository?: string; pullNumber?: number } = {}): string {
  return renderRecord(record, { repository: binding.repository ?? `${OWNER}/${REPO}`.toLowerCase(), pullNumber: binding.pullNumber ?? PULL_NUMBER, commentId }, RECORD_KEY);
}

/** A throwaway key: Probot signs app JWTs with it; nock never checks them. */
export const PRIVATE_KEY = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
}).privateKey;

/**
 * Retries and throttling off, as Probot's testing guide says. The function form is needed: Probot
 * hands every installation client its own throttle options, which would replace a plain
 * `throttle: { enabled: false }` and space the writes a second apart.
 */
export const TestOctokit: typeof ProbotOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options['throttle'] as object | undefined), enabled: false },
}));

export function fixture(name: string): string {
  return readFileSync(join(import.meta.dirname, '..', 'fixtures', 'app', name), 'utf8');
}

export async function createApp(): Promise<Probot> {
  const probot = new Probot({ appId: 123, privateKey: PRIVATE_KEY, Octokit: TestOctokit, logLevel: (process.env['TEST_LOG_LEVEL'] as 'fatal' | undefined) ?? 'fatal' });
  await probot.load(trustgate);
  return probot;
}

interface Example {
  name: string;
  examples: Record<string, unknown>[];
}

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as Example[];

/** A real payload from @octokit/webhooks-examples (one with an installation), deep-copied. */
export function examplePayload<T = Record<string, unknown>>(event: string, action: string): T {
  const found = examples
    .find((e) => e.name === event)
    ?.examples.find((example) => example['action'] === action && example['installation'] !== undefined);
  if (found === undefined) throw new Error(`no ${event}.${action} example with an installation`);
  return structuredClone(found) as T;
}

export type Json = Record<string, any>;

export function pullRequestPayload(action: string): Json {
  const payload = examplePayload<Json>('pull_request', action);
  payload.installation.id = INSTALLATION_ID;
  payload.pull_request.number = PULL_NUMBER;
  payload.pull_request.head.sha = HEAD_SHA;
  payload.pull_request.base.sha = BASE_SHA;
  return payload;
}

/** A changed file as GitHub's pull request files API lists it. */
export function changedFile(filename: string, status = 'modified', previous?: string): Json {
  return { sha: blobSha(filename), filename, status, additions: 1, deletions: 0, changes: 1, ...(previous ? { previous_filename: previous } : {}) };
}

export function blobSha(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export interface Recorded {
  method: string;
  path: string;
  body: Json;
}

/**
 * Records every request nock answers, and every one it could not match, so tests can count writes
 * and prove nothing unexpected was sent.
 */
export function recordRequests(): { all: Recorded[]; unmatched: string[]; writes: () => Recorded[]; stop: () => void } {
  const all: Recorded[] = [];
  const unmatched: string[] = [];
  const onNoMatch = (request: { method?: string; path?: string; url?: string }) => unmatched.push(`${request.method} ${request.path ?? request.url}`);
  nock.emitter.on('no match', onNoMatch);
  return {
    all,
    unmatched,
    writes: () => all.filter((r) => r.path.includes('/check-runs')),
    stop: () => nock.emitter.off('no match', onNoMatch),
  };
}

/** The installation token exchange Probot makes before the first API call of an event. */
export function nockInstallationToken(scope: nock.Scope): nock.Scope {
  nockNoSettings(scope);
  return scope.post(`/app/installations/${INSTALLATION_ID}/access_tokens`).reply(201, {
    token: 'ghs_test',
    expires_at: '2099-01-01T00:00:00Z',
    permissions: { checks: 'write', contents: 'read', pull_requests: 'read', metadata: 'read' },
    repository_selection: 'all',
  });
}

/**
 * Answers one GraphQL blob batch from `files` (path → text; missing paths are `null`, as GitHub
 * answers for a path that does not exist at the commit). Expressions at `BASE_SHA` (or `baseRef`: the base commit
 * the check compares with) are answered from `options.base` instead, `null` for a path it does not
 * list: without it, every changed file is new in the pull request.
 */
export function nockBlobBatch(scope: nock.Scope, files: Record<string, string>, recorded: Recorded[], options: { truncated?: string[]; base?: Record<string, string>; baseRef?: string } = {}): nock.Scope {
  return scope.post('/graphql', (body: Json) => !isConfigQuery(body)).reply(200, (_uri, requestBody) => {
    const body = requestBody as Json;
    recorded.push({ method: 'POST', path: '/graphql', body });
    const repository: Json = {};
    for (const [name, expression] of Object.entries(body.variables as Record<string, string>)) {
      if (!/^e\d+$/.test(name)) continue;
      const path = expression.slice(expression.indexOf(':') + 1);
      const ref = expression.slice(0, expression.indexOf(':'));
      const text = ref === (options.baseRef ?? BASE_SHA) ? options.base?.[path] : files[path];
      const alias = `f${name.slice(1)}`;
      if (text === undefined) {
        repository[alias] = null;
        continue;
      }
      const truncated = options.truncated?.includes(path) ?? false;
      repository[alias] = { oid: blobSha(text), text: truncated ? text.slice(0, 10) : text, isTruncated: truncated, isBinary: false, byteSize: Buffer.byteLength(text) };
    }
    return { data: { repository } };
  });
}

/** A configuration query: aliased `repository(owner: $oN, name: $nN)` fields reading `HEAD:<path>`. */
export function isConfigQuery(body: Json): boolean {
  return typeof body?.variables === 'object' && body.variables !== null && 'o0' in body.variables;
}

/**
 * Answers one configuration query from `files` (`owner/repo:path` → text on the default branch).
 * Repositories without a listed file answer as GitHub does for a file that does not exist; a repository
 * named in `missingRepositories` answers NOT_FOUND with a GraphQL error, as for one the installation
 * cannot see. Records each query as the list of what it asked for, `owner/repo:<expression>`, so tests
 * see the ref (`HEAD`, the default branch) and how many requests were made.
 */
export function nockConfigFiles(
  scope: nock.Scope,
  files: Record<string, string>,
  reads: string[][],
  { missingRepositories = [], optional = false, times = 1 }: { missingRepositories?: string[]; optional?: boolean; times?: number } = {},
): nock.Scope {
  const interceptor = scope.post('/graphql', (body: Json) => isConfigQuery(body)).times(times);
  if (optional) interceptor.optionally();
  return interceptor.reply(200, (_uri, requestBody) => {
    const variables = (requestBody as Json).variables as Record<string, string>;
    const data: Json = {};
    const errors: Json[] = [];
    const asked: string[] = [];
    reads.push(asked);
    for (let index = 0; `o${index}` in variables; index++) {
      const repository = `${variables[`o${index}`]}/${variables[`n${index}`]}`;
      const expression = variables[`e${index}`]!;
      const path = expression.slice(expression.indexOf(':') + 1);
      asked.push(`${repository}:${expression}`);
      if (missingRepositories.includes(repository)) {
        data[`c${index}`] = null;
        errors.push({ type: 'NOT_FOUND', path: [`c${index}`], message: `Could not resolve to a Repository with the name '${repository}'.` });
        continue;
      }
      const text = expression.startsWith('HEAD:') ? files[`${repository}:${path}`] : undefined;
      data[`c${index}`] = { file: text === undefined ? null : { __typename: 'Blob', text, isTruncated: false } };
    }
    return errors.length > 0 ? { data, errors } : { data };
  });
}

/** Answers check run writes and records their bodies. */
export function nockCheckRuns(scope: nock.Scope, recorded: Recorded[], updates = 0): nock.Scope {
  scope.post(`${REPO_PATH}/check-runs`).reply(201, (_uri, body) => {
    recorded.push({ method: 'POST', path: `${REPO_PATH}/check-runs`, body: body as Json });
    return { id: CHECK_RUN_ID };
  });
  if (updates > 0) {
    scope
      .patch(`${REPO_PATH}/check-runs/${CHECK_RUN_ID}`)
      .times(updates)
      .reply(200, (_uri, body) => {
        recorded.push({ method: 'PATCH', path: `${REPO_PATH}/check-runs/${CHECK_RUN_ID}`, body: body as Json });
        return { id: CHECK_RUN_ID };
      });
  }
  return scope;
}

/** The app as GET /app describes it: its bot user `trustgate[bot]` alone may write waiver records. */
export const APP_IDENTITY = { id: 123, slug: 'trustgate' };

/**
 * What every check reads besides the changed files: the configuration (none in the repository or the
 * owner's .github repository, so defaults), the app's identity and the pull request's comments (no
 * waivers). Optional, so events that stop earlier do not leave them pending; tests that need a
 * configuration or waivers register their own answers first (nock uses the first match).
 */
export function nockNoSettings(scope: nock.Scope): nock.Scope {
  nockConfigFiles(scope, {}, [], { optional: true, times: 10 });
  scope.get('/app').optionally().reply(200, APP_IDENTITY);
  scope.get(/^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments/).optionally().times(10).reply(200, []);
  // The queue's idempotency lookup (check-worker.ts): no run of this app on the commit yet.
  scope.get(/^\/repos\/[^/]+\/[^/]+\/commits\/[0-9a-f]+\/check-runs/).query(true).optionally().times(10).reply(200, { total_count: 0, check_runs: [] });
  return scope;
}

/**
 * The app under test for one file: registers beforeEach/afterEach that make a fresh Probot with the
 * trustgate app, block real network access and record every request (to assert none went unmatched).
 */
export function useAppHarness(): { readonly probot: Probot; readonly requests: ReturnType<typeof recordRequests> } {
  let probot: Probot | undefined;
  let requests: ReturnType<typeof recordRequests> | undefined;
  beforeEach(async () => {
    nock.disableNetConnect();
    requests = recordRequests();
    probot = await createApp();
  });
  afterEach(() => {
    requests?.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });
  return {
    get probot() {
      return probot!;
    },
    get requests() {
      return requests!;
    },
  };
}
