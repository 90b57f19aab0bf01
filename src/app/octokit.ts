import { ProbotOctokit } from 'probot';

/**
 * GitHub's budget for content-creating requests (POST, PATCH, PUT, DELETE and GraphQL mutations):
 * at most 80 a minute and 500 an hour per installation, or it answers 403 "secondary rate limit".
 *
 * Probot's throttling plugin spaces every write *and every GraphQL query* of an installation one
 * second apart. For trustgate that costs twice: the check run write waits a second behind the
 * GraphQL read of the file contents (every check takes over a second), and a burst of pull requests
 * drains at 60 writes a minute with the reads queued in between, instead of GitHub's 80. So the
 * plugin's write queue is replaced by {@link ContentCreationScheduler}, which spaces only requests that
 * create content, at a pace that keeps inside both budgets with room for network jitter.
 */
export const CONTENT_CREATION_LIMITS = {
  /** 60 s / 800 ms = 75 a minute: under GitHub's 80 even if a few requests arrive bunched. */
  intervalMs: 800,
  perMinute: 80,
  perHour: 500,
} as const;

export interface ContentCreationLimits {
  intervalMs: number;
  perMinute: number;
  perHour: number;
}

interface KeyState {
  tail: Promise<void>;
  /** Start times (ms) within the last hour, oldest first. */
  starts: number[];
}

/**
 * Serialises content-creating requests per key (an installation) and starts each one no sooner than
 * `intervalMs` after the previous, and never more than `perMinute`/`perHour` in a sliding window.
 */
export class ContentCreationScheduler {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly limits: ContentCreationLimits = CONTENT_CREATION_LIMITS,
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Resolves, with the slot's time, when the caller may send its request. */
  async turn(key: string): Promise<number> {
    const state = this.stateOf(key);
    const previous = state.tail;
    let release!: () => void;
    state.tail = new Promise<void>((resolve) => (release = resolve));
    try {
      await previous;
      const wait = this.waitFor(state, this.clock());
      if (wait > 0) await this.sleep(wait);
      const start = this.clock();
      state.starts.push(start);
      return start;
    } finally {
      release();
    }
  }

  private waitFor(state: KeyState, now: number): number {
    const { intervalMs, perMinute, perHour } = this.limits;
    while (state.starts.length > 0 && state.starts[0]! <= now - 3_600_000) state.starts.shift();
    const starts = state.starts;
    let wait = starts.length > 0 ? starts[starts.length - 1]! + intervalMs - now : 0;
    if (starts.length >= perHour) wait = Math.max(wait, starts[starts.length - perHour]! + 3_600_000 - now);
    if (starts.length >= perMinute) wait = Math.max(wait, starts[starts.length - perMinute]! + 60_000 - now);
    return wait;
  }

  private stateOf(key: string): KeyState {
    let state = this.keys.get(key);
    if (state === undefined) {
      // Installations come and go; drop the ones idle for an hour when a new one appears.
      const now = this.clock();
      for (const [other, value] of this.keys) if ((value.starts[value.starts.length - 1] ?? 0) <= now - 3_600_000) this.keys.delete(other);
      state = { tail: Promise.resolve(), starts: [] };
      this.keys.set(key, state);
    }
    return state;
  }
}

/** One scheduler per process: every client of an installation shares its budget. */
const scheduler = new ContentCreationScheduler();

interface RequestOptions {
  method?: string;
  url?: string;
  baseUrl?: string;
  query?: unknown;
}

/** Does GitHub count this request against the content-creation budget? */
export function isContentCreating(options: RequestOptions): boolean {
  const method = (options.method ?? 'GET').toUpperCase();
  if (method === 'GET' || method === 'HEAD') return false;
  const path = new URL(options.url ?? '/', 'http://github.test').pathname.replace(/^\/api\/v3(?=\/)/, '');
  if (path === '/graphql' || path === '/api/graphql') return typeof options.query === 'string' && /^\s*mutation\b/.test(options.query);
  // Token exchanges authenticate; they create no content.
  return !(/^\/app\/installations\/[^/]+\/access_tokens$/.test(path) || /^\/applications\/[^/]+\/token(\/scoped)?$/.test(path) || path === '/login/oauth/access_token');
}

/** Lets plugin-throttling's write queue pass everything through; {@link spaceContentCreation} spaces. */
const passThroughGroup = {
  key: () => ({ schedule: <T>(_options: unknown, job: () => Promise<T>): Promise<T> => job() }),
};

type Hook = { wrap(name: 'request', wrapper: (request: (options: RequestOptions) => Promise<unknown>, options: RequestOptions) => Promise<unknown>): void };

/**
 * Octokit plugin: waits for the installation's turn before each content-creating request. Registered
 * after plugin-throttling, so it runs before it (octokit's outer hook); throttling still limits
 * concurrency and handles rate-limit answers.
 */
function spaceContentCreation(octokit: { hook: unknown }, options: object): Record<string, never> {
  const throttle = (options as { throttle?: { enabled?: boolean; id?: string } }).throttle;
  if (throttle?.enabled === false) return {};
  const key = throttle?.id ?? 'app';
  (octokit.hook as Hook).wrap('request', async (request, requestOptions) => {
    if (isContentCreating(requestOptions)) await scheduler.turn(key);
    return request(requestOptions);
  });
  return {};
}

/**
 * The Octokit the server gives Probot (src/app/server.ts): Probot's own, with writes scheduled by
 * {@link ContentCreationScheduler} instead of plugin-throttling's one-a-second queue shared with reads.
 */
export const TrustgateOctokit: typeof ProbotOctokit = ProbotOctokit.plugin(spaceContentCreation).defaults((options: Record<string, unknown>) => ({
  ...options,
  throttle: { ...(options['throttle'] as object | undefined), write: passThroughGroup },
}));
