import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the GitHub API, for benchmarks and end-to-end tests: a real HTTP server on
 * 127.0.0.1 that answers the endpoints trustgate calls, waits a configurable latency before every
 * answer, counts requests by kind, and enforces GitHub's secondary rate limits on content-creating
 * requests the way GitHub documents them, so a client that writes too fast is told so (403 with the
 * "secondary rate limit" message) instead of being measured as fast.
 *
 * Paths are answered both as on api.github.com (`/repos/...`, `/graphql`) and as on GitHub Enterprise
 * Server (`/api/v3/repos/...`, `/api/graphql`), so a client can point either `baseUrl` or `GHE_HOST` at it.
 */

/** How a request counts. `auth`: token exchange; `app`: calls made with the app's JWT. */
export type RequestKind = 'auth' | 'app' | 'read' | 'write';

export interface RecordedRequest {
  /** Milliseconds since the server started, when the request arrived. */
  at: number;
  method: string;
  path: string;
  kind: RequestKind;
  installationId: number | undefined;
  status: number;
}

export interface SecondaryRateLimits {
  /** Content-creating requests per installation in any sliding 60 s window (GitHub: 80). */
  perMinute: number;
  /** Content-creating requests per installation in any sliding hour (GitHub: 500). */
  perHour: number;
  /**
   * Smallest gap between two content-creating requests of one installation, in ms. GitHub documents
   * no hard number (it asks clients to wait about a second); this guard rejects bursts.
   */
  minIntervalMs: number;
  /** Requests of one installation in flight at once (GitHub: 100 concurrent requests). */
  maxConcurrent: number;
}

export const GITHUB_SECONDARY_LIMITS: SecondaryRateLimits = { perMinute: 80, perHour: 500, minIntervalMs: 500, maxConcurrent: 100 };

export interface FakeGitHubOptions {
  /** Added before every answer, like the round trip to GitHub (default 50 ms). */
  latencyMs?: number;
  limits?: Partial<SecondaryRateLimits>;
  /** GraphQL `Blob.text` is cut short (isTruncated) above this many bytes (default 512 KiB). */
  blobTextLimitBytes?: number;
}

export interface FakeFile {
  path: string;
  /** Absent for removed files. */
  text?: string;
  status?: 'added' | 'modified' | 'removed' | 'renamed';
  previousPath?: string;
}

export interface FakePullRequest {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  baseSha: string;
  files: FakeFile[];
  /** Files of the head commit the pull request does not change (a module's other files): readable, not listed. */
  context?: FakeFile[];
}

export interface FakeMergeGroup {
  owner: string;
  repo: string;
  baseBranch: string;
  baseSha: string;
  headSha: string;
  pullNumber: number;
  files: FakeFile[];
}

export interface FakeCheckRun {
  id: number;
  owner: string;
  repo: string;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | undefined;
  title: string | undefined;
  annotations: number;
  /** Successful creates and updates of this run. */
  writes: number;
  createdAt: number;
  /** When a write first set status completed. */
  completedAt: number | undefined;
  /** `started_at` as GitHub lists it (ISO time): the create's, or the time it was created. */
  startedAt: string;
  lastWriteAt: number;
}

const SECONDARY_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.';

/** A request as faults and request listeners see it. */
export interface FaultRequest {
  /** The port the request came in on (see listenAlso). */
  port: number;
  method: string;
  path: string;
  kind: RequestKind;
  body: unknown;
}

/** An answer instead of GitHub's, `hang` (never answered), or undefined to let the request through. */
export type Fault = (request: FaultRequest) => { status: number; body?: unknown; headers?: Record<string, string> } | 'hang' | undefined;

export interface FakeDelivery {
  id: number;
  guid: string;
  event: string;
  action: string | undefined;
  status_code: number;
  delivered_at: string;
  redelivery: boolean;
  /** What the test needs to send it again. */
  body: string;
}

interface Route {
  method: string;
  pattern: RegExp;
  kind: RequestKind;
  handle: (context: RouteContext) => Reply;
}

interface RouteContext {
  params: string[];
  query: URLSearchParams;
  body: unknown;
  installationId: number | undefined;
  request: IncomingMessage;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw text answer (contents in raw format). */
  text?: string;
}

/** A fake GitHub API; `start()` listens on 127.0.0.1 on a free port. */
export class FakeGitHub {
  readonly latencyMs: number;
  readonly limits: SecondaryRateLimits;
  readonly blobTextLimitBytes: number;
  readonly requests: RecordedRequest[] = [];
  readonly checkRuns = new Map<number, FakeCheckRun>();
  /** Reactions the app added to comments. */
  readonly reactions: { commentId: number; content: string }[] = [];
  /** Writes the rate limiter refused, also counted in `requests` with status 403. */
  secondaryLimitResponses = 0;
  /** Why each refused request was refused, in order. */
  readonly secondaryLimitReasons: string[] = [];
  private readonly pulls = new Map<string, FakePullRequest>();
  /** `owner/repo@sha:path` → text. */
  private readonly blobs = new Map<string, string>();
  private readonly blobsBySha = new Map<string, string>();
  /** Default-branch files (configuration) by `owner/repo:path`. */
  private readonly defaultBranchFiles = new Map<string, string>();
  private readonly writeTimes = new Map<number, number[]>();
  private readonly inFlight = new Map<number, number>();
  private readonly routes: Route[];
  private server: Server | undefined;
  private readonly extraServers: Server[] = [];
  private started = 0;
  private nextCheckRunId = 1;
  /** Files of each commit by `owner/repo@sha` (lower case), paths as written: what directory listings answer from. */
  private readonly trees = new Map<string, Map<string, string>>();
  private listeners: ((run: FakeCheckRun) => void)[] = [];
  /** Fault injection: the first fault that answers for a request replaces GitHub's answer. */
  private faults: Fault[] = [];
  private requestListeners: ((request: FaultRequest, phase: 'arrived' | 'handled') => void)[] = [];
  /** The app's webhook deliveries, as GET /app/hook/deliveries lists them (newest last). */
  readonly deliveries: FakeDelivery[] = [];
  /** Merge queue groups by head commit: their branch (GET …/git/matching-refs) and comparison. */
  private readonly mergeGroups = new Map<string, FakeMergeGroup>();
  /** Installations (GET /app/installations) and the repositories each can reach (GET /installation/repositories). */
  private readonly installations = new Map<number, { owner: string; repo: string }[]>();
  /** Called when the app asks for a redelivery (POST /app/hook/deliveries/{id}/attempts). */
  onRedeliver: ((delivery: FakeDelivery) => void) | undefined;
  url = '';

  constructor(options: FakeGitHubOptions = {}) {
    this.latencyMs = options.latencyMs ?? 50;
    this.limits = { ...GITHUB_SECONDARY_LIMITS, ...options.limits };
    this.blobTextLimitBytes = options.blobTextLimitBytes ?? 512 * 1024;
    this.routes = this.buildRoutes();
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.started = performance.now();
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  /**
   * Serves the same GitHub on one more port, so that tests with several app processes can tell whose
   * request is whose (`FaultRequest.port`). Resolves with its URL.
   */
  async listenAlso(): Promise<string> {
    const server = createServer((request, response) => void this.handle(request, response));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.extraServers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const extra of this.extraServers.splice(0)) {
      extra.closeAllConnections();
      await new Promise<void>((resolve) => extra.close(() => resolve()));
    }
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Milliseconds on the fake's clock (the `at` of recorded requests). */
  now(): number {
    return performance.now() - this.started;
  }

  addPullRequest(pull: FakePullRequest): void {
    this.pulls.set(`${pull.owner}/${pull.repo}#${pull.number}`.toLowerCase(), pull);
    for (const file of [...pull.files, ...(pull.context ?? [])]) {
      if (file.text === undefined) continue;
      this.blobs.set(`${pull.owner}/${pull.repo}@${pull.headSha}:${file.path}`.toLowerCase(), file.text);
      this.blobsBySha.set(blobSha(file.text), file.text);
      const commit = `${pull.owner}/${pull.repo}@${pull.headSha}`.toLowerCase();
      const tree = this.trees.get(commit) ?? new Map<string, string>();
      tree.set(file.path, file.text);
      this.trees.set(commit, tree);
    }
  }

  /**
   * A merge queue group: its branch `gh-readonly-queue/<baseBranch>/pr-<pullNumber>-<baseSha>` points at
   * `headSha`, whose files are readable; the comparison of `baseSha` (or `baseBranch`, whose merge base
   * with the head is `baseSha`) with the head lists `files`. Removed once merged (`removeMergeGroup`).
   */
  addMergeGroup(group: FakeMergeGroup): void {
    this.mergeGroups.set(group.headSha, group);
    const commit = `${group.owner}/${group.repo}@${group.headSha}`.toLowerCase();
    const tree = this.trees.get(commit) ?? new Map<string, string>();
    for (const file of group.files) {
      if (file.text === undefined) continue;
      this.blobs.set(`${commit}:${file.path}`.toLowerCase(), file.text);
      this.blobsBySha.set(blobSha(file.text), file.text);
      tree.set(file.path, file.text);
    }
    this.trees.set(commit, tree);
  }

  removeMergeGroup(headSha: string): void {
    this.mergeGroups.delete(headSha);
  }

  /** Adds (or replaces) an installation of the app with the repositories it can reach. */
  setInstallation(id: number, repositories: { owner: string; repo: string }[]): void {
    this.installations.set(id, repositories);
  }

  /**
   * A check run as another process of the app left it (e.g. in progress, started long ago), written
   * straight into GitHub's state: no request is recorded and no write is counted.
   */
  addCheckRun(run: { owner: string; repo: string; headSha: string; name?: string; status: string; startedAt: Date }): FakeCheckRun {
    const at = this.now();
    const created: FakeCheckRun = {
      id: this.nextCheckRunId++,
      owner: run.owner,
      repo: run.repo,
      name: run.name ?? 'trustgate',
      headSha: run.headSha,
      status: run.status,
      conclusion: undefined,
      title: undefined,
      annotations: 0,
      writes: 0,
      createdAt: at,
      completedAt: undefined,
      startedAt: run.startedAt.toISOString(),
      lastWriteAt: at,
    };
    this.checkRuns.set(created.id, created);
    return created;
  }

  /** A file on the default branch (e.g. `.github/trustgate.yml`); absent files answer 404. */
  setDefaultBranchFile(owner: string, repo: string, path: string, text: string): void {
    this.defaultBranchFiles.set(`${owner}/${repo}:${path}`.toLowerCase(), text);
  }

  /** Called after every successful check run write. */
  onCheckRunWrite(listener: (run: FakeCheckRun) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  /** Adds a fault; returns a function that removes it. */
  addFault(fault: Fault): () => void {
    this.faults.push(fault);
    return () => (this.faults = this.faults.filter((f) => f !== fault));
  }

  /** Called when a request arrives and again when it was handled, just before its answer is sent. */
  onRequest(listener: (request: FaultRequest, phase: 'arrived' | 'handled') => void): () => void {
    this.requestListeners.push(listener);
    return () => (this.requestListeners = this.requestListeners.filter((l) => l !== listener));
  }

  /** Records a webhook delivery as GitHub would list it. */
  recordDelivery(delivery: Omit<FakeDelivery, 'id' | 'delivered_at'>): FakeDelivery {
    const recorded = { ...delivery, id: this.deliveries.length + 1, delivered_at: new Date().toISOString() };
    this.deliveries.push(recorded);
    return recorded;
  }

  /** Forgets recorded requests and check runs (pull requests and blobs stay). */
  reset(): void {
    this.requests.length = 0;
    this.checkRuns.clear();
    this.secondaryLimitResponses = 0;
    this.secondaryLimitReasons.length = 0;
    this.writeTimes.clear();
  }

  /** Counts of recorded requests by kind, optionally only those after `since` (fake clock). */
  counts(filter: (request: RecordedRequest) => boolean = () => true): Record<RequestKind | 'total', number> {
    const counts = { auth: 0, app: 0, read: 0, write: 0, total: 0 };
    for (const request of this.requests) {
      if (!filter(request)) continue;
      counts[request.kind]++;
      counts.total++;
    }
    return counts;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const arrived = this.now();
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/^\/api\/v3(?=\/)/, '').replace(/^\/api\/graphql$/, '/graphql');
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    const installationId = installationOf(request.headers.authorization);
    const route = this.routes.find((r) => r.method === method && r.pattern.test(path));
    const kind: RequestKind = route === undefined ? 'read' : route.kind === 'read' && isGraphQLMutation(path, body) ? 'write' : route.kind;
    const record: RecordedRequest = { at: arrived, method, path: url.pathname + url.search, kind, installationId, status: 0 };
    this.requests.push(record);
    if (installationId !== undefined) this.inFlight.set(installationId, (this.inFlight.get(installationId) ?? 0) + 1);
    try {
      let reply: Reply;
      const seen: FaultRequest = { port: request.socket.localPort ?? 0, method, path, kind, body };
      for (const listener of this.requestListeners) listener(seen, 'arrived');
      let faulted: ReturnType<Fault>;
      for (const fault of this.faults) {
        faulted = fault(seen);
        if (faulted !== undefined) break;
      }
      if (faulted === 'hang') {
        record.status = -1;
        await new Promise<void>((resolve) => request.socket.once('close', () => resolve()));
        return;
      }
      const limited = faulted !== undefined || installationId === undefined ? undefined : this.secondaryLimit(installationId, kind, arrived);
      if (faulted !== undefined) {
        reply = faulted;
      } else if (limited !== undefined) {
        this.secondaryLimitResponses++;
        this.secondaryLimitReasons.push(`${method} ${path}: ${limited}`);
        reply = { status: 403, body: { message: `${SECONDARY_LIMIT_MESSAGE} (${limited})`, documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits' }, headers: { 'retry-after': '60' } };
      } else if (route === undefined) {
        reply = { status: 404, body: { message: `Not Found (the fake GitHub API does not serve ${method} ${path})` } };
      } else {
        const match = route.pattern.exec(path)!;
        try {
          reply = route.handle({ params: match.slice(1).map(decodeURIComponent), query: url.searchParams, body, installationId, request });
        } catch (error) {
          reply = { status: 500, body: { message: (error as Error).message } };
        }
      }
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      for (const listener of this.requestListeners) listener(seen, 'handled');
      record.status = reply.status;
      const headers: Record<string, string> = { 'x-github-request-id': `FAKE:${this.requests.length}`, ...reply.headers };
      if (reply.text !== undefined) {
        response.writeHead(reply.status, { 'content-type': 'application/vnd.github.raw', ...headers }).end(reply.text);
      } else {
        response.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      }
    } finally {
      if (installationId !== undefined) this.inFlight.set(installationId, this.inFlight.get(installationId)! - 1);
    }
  }

  /** Why a request must be refused, or undefined. Writes are counted when they arrive, as GitHub does. */
  private secondaryLimit(installationId: number, kind: RequestKind, at: number): string | undefined {
    if (this.inFlight.get(installationId)! > this.limits.maxConcurrent) return `more than ${this.limits.maxConcurrent} concurrent requests`;
    if (kind !== 'write') return undefined;
    const times = this.writeTimes.get(installationId) ?? [];
    this.writeTimes.set(installationId, times);
    const last = times[times.length - 1];
    const lastMinute = times.filter((t) => t > at - 60_000).length;
    const lastHour = times.filter((t) => t > at - 3_600_000).length;
    // Refused writes count too: hammering a limit does not reset it.
    times.push(at);
    if (last !== undefined && at - last < this.limits.minIntervalMs) return `content-creating requests ${Math.round(at - last)} ms apart, under ${this.limits.minIntervalMs} ms`;
    if (lastMinute >= this.limits.perMinute) return `more than ${this.limits.perMinute} content-creating requests in a minute`;
    if (lastHour >= this.limits.perHour) return `more than ${this.limits.perHour} content-creating requests in an hour`;
    return undefined;
  }

  private pull(owner: string, repo: string, number: string): FakePullRequest | undefined {
    return this.pulls.get(`${owner}/${repo}#${number}`.toLowerCase());
  }

  private buildRoutes(): Route[] {
    const repo = '/repos/([^/]+)/([^/]+)';
    return [
      {
        method: 'POST',
        pattern: /^\/app\/installations\/(\d+)\/access_tokens$/,
        kind: 'auth',
        handle: ({ params }) => ({
          status: 201,
          body: {
            token: `ghs_fake_${params[0]}`,
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            permissions: { checks: 'write', contents: 'read', pull_requests: 'read', metadata: 'read' },
            repository_selection: 'all',
          },
        }),
      },
      { method: 'GET', pattern: /^\/app$/, kind: 'app', handle: () => ({ status: 200, body: { id: 1, slug: 'trustgate', name: 'trustgate' } }) },
      {
        method: 'GET',
        pattern: new RegExp(`^${repo}/pulls/(\\d+)/files$`),
        kind: 'read',
        handle: ({ params, query, request }) => {
          const pull = this.pull(params[0]!, params[1]!, params[2]!);
          if (pull === undefined) return { status: 404, body: { message: 'Not Found' } };
          const listed = pull.files.slice(0, 3000).map((file) => ({
            sha: file.text === undefined ? '0'.repeat(40) : blobSha(file.text),
            filename: file.path,
            status: file.status ?? 'modified',
            additions: 1,
            deletions: 0,
            changes: 1,
            ...(file.previousPath !== undefined ? { previous_filename: file.previousPath } : {}),
          }));
          return paginate(listed, query, request);
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${repo}/pulls/(\\d+)$`),
        kind: 'read',
        handle: ({ params }) => {
          const pull = this.pull(params[0]!, params[1]!, params[2]!);
          return pull === undefined ? { status: 404, body: { message: 'Not Found' } } : { status: 200, body: pullJson(pull) };
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${repo}/commits/([0-9a-f]+)/pulls$`),
        kind: 'read',
        handle: ({ params }) => ({
          status: 200,
          body: [...this.pulls.values()].filter((pull) => pull.headSha === params[2]).map(pullJson),
        }),
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${repo}/compare/(.+?)\\.\\.\\.([0-9a-f]+)$`),
        kind: 'read',
        handle: ({ params }) => {
          const group = this.mergeGroups.get(params[3]!);
          if (group !== undefined && group.owner.toLowerCase() === params[0]!.toLowerCase() && group.repo.toLowerCase() === params[1]!.toLowerCase() && (params[2] === group.baseSha || params[2] === group.baseBranch)) {
            const files = group.files.slice(0, 300).map((file) => ({ filename: file.path, status: file.status ?? 'modified' }));
            return { status: 200, body: { status: 'ahead', merge_base_commit: { sha: group.baseSha }, files } };
          }
          const pull = [...this.pulls.values()].find((p) => p.headSha === params[3]);
          if (pull === undefined) return { status: 404, body: { message: 'Not Found' } };
          // Like GitHub, a comparison lists at most 300 files and does not paginate them.
          const files = pull.files.slice(0, 300).map((file) => ({ filename: file.path, status: file.status ?? 'modified', ...(file.previousPath !== undefined ? { previous_filename: file.previousPath } : {}) }));
          return { status: 200, body: { status: 'ahead', files } };
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${repo}/git/blobs/([0-9a-f]+)$`),
        kind: 'read',
        handle: ({ params, request }) => {
          const text = this.blobsBySha.get(params[2]!);
          if (text === undefined) return { status: 404, body: { message: 'Not Found' } };
          if ((request.headers.accept ?? '').includes('raw')) return { status: 200, text };
          return { status: 200, body: { sha: params[2], size: Buffer.byteLength(text), encoding: 'base64', content: Buffer.from(text).toString('base64') } };
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${repo}/contents/(.+)$`),
        kind: 'read',
        handle: ({ params, request }) => {
          const text = this.defaultBranchFiles.get(`${params[0]}/${params[1]}:${params[2]}`.toLowerCase());
          if (text === undefined) return { status: 404, body: { message: 'Not Found' } };
          if ((request.headers.accept ?? '').includes('raw')) return { status: 200, text };
          return { status: 200, body: { type: 'file', path: params[2], encoding: 'base64', content: Buffer.from(text).toString('base64') } };
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${repo}/issues/(\\d+)/comments$`),
        kind: 'read',
        handle: () => ({ status: 200, body: [] }),
      },
      {
        // A reaction to a command comment (the app's 👍 or 😕): recorded, nothing else.
        method: 'POST',
        pattern: new RegExp(`^${repo}/issues/comments/(\\d+)/reactions$`),
        kind: 'write',
        handle: ({ params, body }) => {
          this.reactions.push({ commentId: Number(params[2]), content: String((body as { content?: unknown }).content) });
          return { status: 201, body: { id: this.reactions.length, content: (body as { content?: unknown }).content } };
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${repo}/pulls/(\\d+)/commits$`),
        kind: 'read',
        handle: ({ params }) => {
          const pull = this.pull(params[0]!, params[1]!, params[2]!);
          return pull === undefined ? { status: 404, body: { message: 'Not Found' } } : { status: 200, body: [{ sha: pull.headSha }] };
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${repo}/commits/([0-9a-f]+)/check-runs$`),
        kind: 'read',
        handle: ({ params, query }) => {
          const name = query.get('check_name');
          const status = query.get('status');
          const runs = [...this.checkRuns.values()]
            .filter((run) => run.owner.toLowerCase() === params[0]!.toLowerCase() && run.repo.toLowerCase() === params[1]!.toLowerCase() && run.headSha === params[2] && (name === null || run.name === name) && (status === null || run.status === status))
            .reverse()
            .map((run) => ({ id: run.id, name: run.name, head_sha: run.headSha, status: run.status, conclusion: run.conclusion ?? null, started_at: run.startedAt, app: { id: 1, slug: 'trustgate' } }));
          return { status: 200, body: { total_count: runs.length, check_runs: runs } };
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${repo}/git/matching-refs/(.+)$`),
        kind: 'read',
        handle: ({ params }) => {
          const refs = [...this.mergeGroups.values()]
            .filter((group) => group.owner.toLowerCase() === params[0]!.toLowerCase() && group.repo.toLowerCase() === params[1]!.toLowerCase())
            .map((group) => ({ ref: `refs/heads/gh-readonly-queue/${group.baseBranch}/pr-${group.pullNumber}-${group.baseSha}`, object: { sha: group.headSha, type: 'commit' } }))
            .filter((ref) => ref.ref.startsWith(`refs/${params[2]}`));
          return { status: 200, body: refs };
        },
      },
      {
        method: 'GET',
        pattern: /^\/app\/installations$/,
        kind: 'app',
        handle: ({ query, request }) => paginate([...this.installations.keys()].map((id) => ({ id, account: { login: this.installations.get(id)![0]?.owner ?? 'owner' } })), query, request),
      },
      {
        method: 'GET',
        pattern: /^\/installation\/repositories$/,
        kind: 'read',
        handle: ({ query, request, installationId }) => {
          const repositories = (this.installations.get(installationId ?? -1) ?? []).map(({ owner, repo }, index) => ({ id: 1000 + index, name: repo, full_name: `${owner}/${repo}`, html_url: `https://github.com/${owner}/${repo}`, owner: { login: owner } }));
          const page = paginate(repositories, query, request);
          return { ...page, body: { total_count: repositories.length, repositories: page.body } };
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${repo}/pulls$`),
        kind: 'read',
        handle: ({ params, query, request }) => {
          const open = [...this.pulls.values()].filter((pull) => pull.owner.toLowerCase() === params[0]!.toLowerCase() && pull.repo.toLowerCase() === params[1]!.toLowerCase());
          return paginate(open.map(pullJson), query, request);
        },
      },
      {
        method: 'GET',
        pattern: /^\/app\/hook\/deliveries$/,
        kind: 'app',
        handle: () => ({ status: 200, body: [...this.deliveries].reverse().map(({ body: _body, ...listed }) => listed) }),
      },
      {
        method: 'POST',
        pattern: /^\/app\/hook\/deliveries\/(\d+)\/attempts$/,
        kind: 'app',
        handle: ({ params }) => {
          const delivery = this.deliveries.find((d) => d.id === Number(params[0]));
          if (delivery === undefined) return { status: 404, body: { message: 'Not Found' } };
          setImmediate(() => this.onRedeliver?.(delivery));
          return { status: 202, body: {} };
        },
      },
      { method: 'POST', pattern: /^\/graphql$/, kind: 'read', handle: ({ body }) => this.graphql(body) },
      {
        method: 'POST',
        pattern: new RegExp(`^${repo}/check-runs$`),
        kind: 'write',
        handle: ({ params, body }) => {
          const input = body as CheckRunBody & { name: string; head_sha: string };
          const at = this.now();
          const run: FakeCheckRun = {
            id: this.nextCheckRunId++,
            owner: params[0]!,
            repo: params[1]!,
            name: input.name,
            headSha: input.head_sha,
            status: input.status ?? 'queued',
            conclusion: undefined,
            title: undefined,
            annotations: 0,
            writes: 0,
            createdAt: at,
            completedAt: undefined,
            startedAt: typeof input.started_at === 'string' ? input.started_at : new Date().toISOString(),
            lastWriteAt: at,
          };
          this.checkRuns.set(run.id, run);
          this.applyCheckRunWrite(run, input, at);
          return { status: 201, body: { id: run.id, head_sha: run.headSha, status: run.status, conclusion: run.conclusion ?? null, name: run.name } };
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${repo}/check-runs/(\\d+)$`),
        kind: 'read',
        handle: ({ params }) => {
          const run = this.checkRuns.get(Number(params[2]));
          if (run === undefined) return { status: 404, body: { message: 'Not Found' } };
          return { status: 200, body: { id: run.id, name: run.name, head_sha: run.headSha, status: run.status, conclusion: run.conclusion ?? null, started_at: run.startedAt, app: { id: 1, slug: 'trustgate' } } };
        },
      },
      {
        method: 'PATCH',
        pattern: new RegExp(`^${repo}/check-runs/(\\d+)$`),
        kind: 'write',
        handle: ({ params, body }) => {
          const run = this.checkRuns.get(Number(params[2]));
          if (run === undefined) return { status: 404, body: { message: 'Not Found' } };
          this.applyCheckRunWrite(run, body as CheckRunBody, this.now());
          return { status: 200, body: { id: run.id, head_sha: run.headSha, status: run.status, conclusion: run.conclusion ?? null, name: run.name } };
        },
      },
    ];
  }

  private applyCheckRunWrite(run: FakeCheckRun, body: CheckRunBody, at: number): void {
    const annotations = body.output?.annotations ?? [];
    if (annotations.length > 50) throw new Error(`a check run write carries at most 50 annotations, not ${annotations.length}`);
    if (body.status !== undefined) run.status = body.status;
    if (typeof body.started_at === 'string') run.startedAt = body.started_at;
    if (body.conclusion !== undefined) {
      run.conclusion = body.conclusion;
      run.status = 'completed';
    }
    if (run.status === 'completed' && run.completedAt === undefined) run.completedAt = at;
    if (body.output?.title !== undefined) run.title = body.output.title;
    run.annotations += annotations.length;
    run.writes++;
    run.lastWriteAt = at;
    for (const listener of this.listeners) listener(run);
  }

  private graphql(body: unknown): Reply {
    const { query, variables } = body as { query: string; variables: Record<string, string> };
    if (isGraphQLMutation('/graphql', body)) return { status: 200, body: { data: null, errors: [{ message: 'the fake GitHub API serves no mutations' }] } };
    if (typeof query === 'string' && variables['o0'] !== undefined) return this.configQuery(variables);
    const owner = variables['owner'];
    const name = variables['name'];
    if (typeof query !== 'string' || owner === undefined || name === undefined) {
      return { status: 200, body: { data: null, errors: [{ message: 'the fake GitHub API answers only repository object(expression:) queries' }] } };
    }
    const repository: Record<string, unknown> = {};
    // Each alias `fN: object(expression: $eN)` is answered from the expression `<ref>:<path>`.
    for (const match of query.matchAll(/(\w+)\s*:\s*object\(expression:\s*\$(\w+)\)/g)) {
      const expression = variables[match[2]!];
      if (expression === undefined) continue;
      const colon = expression.indexOf(':');
      // A directory (`... on Tree { entries { … } }`): its direct entries, blobs with their content.
      if (query.slice(match.index! + match[0].length).trimStart().startsWith('{ ... on Tree')) {
        repository[match[1]!] = this.treeAt(`${owner}/${name}@${expression.slice(0, colon)}`.toLowerCase(), expression.slice(colon + 1));
        continue;
      }
      const text = this.blobs.get(`${owner}/${name}@${expression.slice(0, colon)}:${expression.slice(colon + 1)}`.toLowerCase());
      if (text === undefined) {
        repository[match[1]!] = null;
        continue;
      }
      const byteSize = Buffer.byteLength(text);
      const truncated = byteSize > this.blobTextLimitBytes;
      repository[match[1]!] = { oid: blobSha(text), text: truncated ? text.slice(0, 1024) : text, isTruncated: truncated, isBinary: false, byteSize };
    }
    return { status: 200, body: { data: { repository } } };
  }

  /** A directory of a commit as GraphQL's `Tree.entries` gives it, or null when the commit has nothing under it. */
  private treeAt(commit: string, directory: string): unknown {
    const prefix = directory === '' ? '' : `${directory}/`;
    const entries = new Map<string, unknown>();
    for (const [path, text] of this.trees.get(commit) ?? []) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) entries.set(rest.slice(0, slash), { name: rest.slice(0, slash), type: 'tree', mode: 0o40000, object: {} });
      else entries.set(rest, { name: rest, type: 'blob', mode: 0o100644, object: { oid: blobSha(text), text, isTruncated: false, isBinary: false, byteSize: Buffer.byteLength(text) } });
    }
    return entries.size === 0 ? null : { entries: [...entries.values()] };
  }

  /**
   * The app's configuration query: aliases `cN: repository(owner: $oN, name: $nN) { file: object(expression: $eN) }`,
   * answered from the default-branch files (`HEAD:<path>`); anything else is absent, as in a repository without it.
   */
  private configQuery(variables: Record<string, string>): Reply {
    const data: Record<string, unknown> = {};
    for (let index = 0; variables[`o${index}`] !== undefined; index++) {
      const expression = variables[`e${index}`] ?? '';
      const colon = expression.indexOf(':');
      const text = expression.slice(0, colon) === 'HEAD' ? this.defaultBranchFiles.get(`${variables[`o${index}`]}/${variables[`n${index}`]}:${expression.slice(colon + 1)}`.toLowerCase()) : undefined;
      data[`c${index}`] = { file: text === undefined ? null : { __typename: 'Blob', text, isTruncated: false } };
    }
    return { status: 200, body: { data } };
  }
}

interface CheckRunBody {
  status?: string;
  started_at?: string;
  conclusion?: string;
  output?: { title?: string; summary?: string; annotations?: unknown[] };
}

/** Git's blob id of a text. */
export function blobSha(text: string): string {
  const bytes = Buffer.from(text);
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function installationOf(authorization: string | undefined): number | undefined {
  const match = /^(?:token|bearer) ghs_fake_(\d+)$/i.exec(authorization ?? '');
  return match === null ? undefined : Number(match[1]);
}

function isGraphQLMutation(path: string, body: unknown): boolean {
  if (path !== '/graphql' || typeof body !== 'object' || body === null) return false;
  const query = (body as { query?: unknown }).query;
  return typeof query === 'string' && /^\s*mutation\b/.test(query);
}

function pullJson(pull: FakePullRequest): Record<string, unknown> {
  return { number: pull.number, state: 'open', user: { login: 'octocat', id: 583231, type: 'User' }, head: { sha: pull.headSha, ref: `branch-${pull.number}` }, base: { sha: pull.baseSha, ref: 'main' } };
}

/** GitHub's page-number pagination with a Link header. */
function paginate(items: unknown[], query: URLSearchParams, request: IncomingMessage): Reply {
  const perPage = Math.min(Math.max(Number(query.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const headers: Record<string, string> = {};
  if (page < last) {
    const base = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    const link = (n: number): string => {
      base.searchParams.set('per_page', String(perPage));
      base.searchParams.set('page', String(n));
      return base.toString();
    };
    headers['link'] = `<${link(page + 1)}>; rel="next", <${link(last)}>; rel="last"`;
  }
  return { status: 200, body: items.slice((page - 1) * perPage, page * perPage), headers };
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
