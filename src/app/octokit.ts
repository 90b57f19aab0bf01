import { ProbotOctokit } from 'probot';

/**
 * GitHub's budget for content-creating requests (POST, PATCH, PUT, DELETE and GraphQL mutations):
 * at most 80 a minute and 500 an hour per installation, or it answers 403 "secondary rate limit".
 * Its REST best practices add: make requests serially rather than concurrently (a queue), and wait
 * between mutative requests (https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api).
 *
 * Probot's throttling plugin spaces every write *and every GraphQL query* of an installation one
 * second apart. For trustgate that costs twice: the check run write waits a second behind the
 * GraphQL read of the file contents (every check takes over a second), and a burst of pull requests
 * drains at 60 writes a minute with the reads queued in between, instead of GitHub's 80. So the
 * plugin's write queue is replaced by {@link ContentCreationScheduler}, which spaces only requests that
 * create content.
 */
export const CONTENT_CREATION_LIMITS = {
  /**
   * 60 s / 800 ms = 75 starts a minute: the minute budget (80) never binds, so a burst drains at a
   * steady pace instead of spending 80 in the first minute and then stalling, and a few requests that
   * reach GitHub bunched still stay under it. 100 writes take 80 s, 1.07 times the 75 s that 80 a
   * minute allows.
   */
  intervalMs: 800,
  /**
   * Quiet time between one request's answer (or error) and the next one's start. Spacing starts alone
   * is not enough: a busy event loop (the app scans other pull requests on the same thread) can send a
   * request late, so that it reaches GitHub right before the next one. Waiting for the answer first
   * means requests reach GitHub at least this far apart whatever the delays. GitHub's guidance is
   * about a second between mutative requests, but a second after every answer would cap a burst at
   * under 60 a minute (105 s for 100 writes at 50 ms a round trip, 1.4 times the budget's floor).
   * 600 ms keeps the interval above in charge while an answer takes up to 200 ms (then a burst
   * drains at 75 a minute); slower answers stretch the pace to answer + 600 ms, closer to the second
   * GitHub asks for.
   */
  gapMs: 600,
  perMinute: 80,
  perHour: 500,
} as const;

export interface ContentCreationLimits {
  /** Least time (ms) between the starts of two content-creating requests of one installation. */
  intervalMs: number;
  /** Least time (ms) between one request finishing (answer or error) and the next one starting. */
  gapMs: number;
  /** Most starts in any sliding minute. */
  perMinute: number;
  /** Most starts in any sliding hour. */
  perHour: number;
}

interface KeyState {
  /** Settles when the current holder of the installation's slot lets go. */
  queue: Promise<void>;
  /** Callers holding or waiting for the slot; a key is forgotten only when none are. */
  pending: number;
  /** Attempt start times (ms) within the last hour, oldest first. */
  starts: number[];
  /** When the last attempt finished (answer or error), or -Infinity. */
  lastFinish: number;
}

/**
 * Runs the content-creating requests of one key (an installation) strictly one at a time: the next
 * starts only when the previous has finished and {@link ContentCreationLimits.gapMs} has passed, no
 * sooner than {@link ContentCreationLimits.intervalMs} after the previous start, and never more than
 * `perMinute`/`perHour` in a sliding window. Every attempt counts, retries included.
 */
export class ContentCreationScheduler {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly limits: ContentCreationLimits = CONTENT_CREATION_LIMITS,
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Sends one request in the key's turn: {@link exclusive} around a single {@link attempt}. */
  run<T>(key: string, send: () => Promise<T>): Promise<T> {
    return this.exclusive(key, () => this.attempt(key, send));
  }

  /**
   * Holds the key's slot while `work` runs, so nothing else of the key is sent meanwhile; `work` starts
   * when an attempt may. The slot is let go however `work` ends, so a failure never stalls the queue.
   * `work` sends through {@link attempt}, once or more (retries).
   */
  async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const state = this.stateOf(key);
    const previous = state.queue;
    let release!: () => void;
    state.queue = new Promise<void>((resolve) => (release = resolve));
    state.pending++;
    try {
      await previous;
      await this.ready(state);
      return await work();
    } finally {
      state.lastFinish = Math.max(state.lastFinish, this.clock());
      state.pending--;
      release();
    }
  }

  /**
   * One attempt at a request, first or retry, by a caller inside {@link exclusive}: waits until the
   * limits allow a start, counts it, and notes when it finished.
   */
  async attempt<T>(key: string, send: () => Promise<T>): Promise<T> {
    const state = this.stateOf(key);
    await this.ready(state);
    state.starts.push(this.clock());
    try {
      return await send();
    } finally {
      state.lastFinish = Math.max(state.lastFinish, this.clock());
    }
  }

  private async ready(state: KeyState): Promise<void> {
    for (let wait = this.waitFor(state, this.clock()); wait > 0; wait = this.waitFor(state, this.clock())) await this.sleep(wait);
  }

  private waitFor(state: KeyState, now: number): number {
    const { intervalMs, gapMs, perMinute, perHour } = this.limits;
    while (state.starts.length > 0 && state.starts[0]! <= now - 3_600_000) state.starts.shift();
    const starts = state.starts;
    let wait = state.lastFinish + gapMs - now;
    if (starts.length > 0) wait = Math.max(wait, starts[starts.length - 1]! + intervalMs - now);
    if (starts.length >= perHour) wait = Math.max(wait, starts[starts.length - perHour]! + 3_600_000 - now);
    if (starts.length >= perMinute) wait = Math.max(wait, starts[starts.length - perMinute]! + 60_000 - now);
    return wait;
  }

  private stateOf(key: string): KeyState {
    let state = this.keys.get(key);
    if (state === undefined) {
      // Installations come and go; drop the ones idle for an hour when a new one appears.
      const now = this.clock();
      for (const [other, value] of this.keys) {
        const last = Math.max(value.lastFinish, value.starts[value.starts.length - 1] ?? -Infinity);
        if (value.pending === 0 && last <= now - 3_600_000) this.keys.delete(other);
      }
      state = { queue: Promise.resolve(), pending: 0, starts: [], lastFinish: -Infinity };
      this.keys.set(key, state);
    }
    return state;
  }
}

/** One scheduler per process: every client of an installation shares its budget. */
const processScheduler = new ContentCreationScheduler();

interface RequestOptions {
  method?: string;
  url?: string;
  baseUrl?: string;
  query?: unknown;
  request?: { signal?: AbortSignal };
}

/**
 * How long one attempt at a write may take before it is abandoned. A write holds its installation's
 * slot until it is answered, so a request GitHub never answers would otherwise hold every other pull
 * request of the installation until Node's 300 s header timeout. A check run write is answered in
 * well under a second; 30 s is generous, and an abandoned attempt fails like any network error
 * (plugin-retry may try again, through the scheduler).
 */
export const WRITE_ATTEMPT_TIMEOUT_MS = 30_000;

/** Deadlines set by the scheduler (replaced on a retry), as opposed to a caller's own signal. */
const attemptSignals = new WeakSet<AbortSignal>();

/** Does GitHub count this request against the content-creation budget? */
export function isContentCreating(options: RequestOptions): boolean {
  const method = (options.method ?? 'GET').toUpperCase();
  if (method === 'GET' || method === 'HEAD') return false;
  const path = new URL(options.url ?? '/', 'http://github.test').pathname.replace(/^\/api\/v3(?=\/)/, '');
  if (path === '/graphql' || path === '/api/graphql') return typeof options.query === 'string' && /^\s*mutation\b/.test(options.query);
  // Token exchanges authenticate; they create no content.
  return !(/^\/app\/installations\/[^/]+\/access_tokens$/.test(path) || /^\/applications\/[^/]+\/token(\/scoped)?$/.test(path) || path === '/login/oauth/access_token');
}

/** Lets plugin-throttling's write queue pass everything through; the scheduler spaces instead. */
const passThroughGroup = {
  key: () => ({ schedule: <T>(_options: unknown, job: () => Promise<T>): Promise<T> => job() }),
};

type Request = (options: RequestOptions) => Promise<unknown>;
type Hook = { wrap(name: 'request', wrapper: (request: Request, options: RequestOptions) => Promise<unknown>): void };
type Plugin = (octokit: { hook: unknown }, options: object) => Record<string, never>;

/** The installation's key, or undefined when throttling (and so scheduling) is off for this client. */
function schedulingKey(options: object): string | undefined {
  const throttle = (options as { throttle?: { enabled?: boolean; id?: string } }).throttle;
  return throttle?.enabled === false ? undefined : (throttle?.id ?? 'app');
}

/**
 * Two octokit plugins around one scheduler. The outer one (registered last, so it wraps all of
 * Probot's plugins) holds the installation's slot from the first attempt until the request has
 * finished, retries included; waiting there keeps queued writes out of plugin-throttling's
 * concurrency slots, which reads need. The inner one (registered first, so plugin-retry and
 * plugin-throttling call through it on every retry) makes each attempt wait for the limits and
 * count against the budgets.
 */
function schedulingPlugins(scheduler: ContentCreationScheduler, attemptTimeoutMs: number): { holdSlot: Plugin; spaceAttempt: Plugin } {
  const wrapWrites = (send: (key: string, request: Request, options: RequestOptions) => Promise<unknown>): Plugin => (octokit, options) => {
    const key = schedulingKey(options);
    if (key === undefined) return {};
    (octokit.hook as Hook).wrap('request', (request, requestOptions) => (isContentCreating(requestOptions) ? send(key, request, requestOptions) : request(requestOptions)));
    return {};
  };
  return {
    holdSlot: wrapWrites((key, request, options) => scheduler.exclusive(key, () => request(options))),
    spaceAttempt: wrapWrites((key, request, options) =>
      scheduler.attempt(key, () => {
        // before-after-hook binds the options to the whole chain when the request starts (what a hook
        // passes on is ignored), so the attempt's deadline is set on them in place; each attempt gets a
        // fresh one, and a signal the caller gave is kept.
        const current = options.request?.signal;
        if (current === undefined || attemptSignals.has(current)) {
          const signal = AbortSignal.timeout(attemptTimeoutMs);
          attemptSignals.add(signal);
          options.request = { ...options.request, signal };
        }
        return request(options);
      }),
    ),
  };
}

/**
 * Probot's Octokit with content-creating requests run by `scheduler` instead of plugin-throttling's
 * one-a-second queue shared with reads. Exported for tests; the server uses {@link TrustgateOctokit}.
 */
export function trustgateOctokit(scheduler: ContentCreationScheduler, attemptTimeoutMs = WRITE_ATTEMPT_TIMEOUT_MS): typeof ProbotOctokit {
  const { holdSlot, spaceAttempt } = schedulingPlugins(scheduler, attemptTimeoutMs);
  const WithSlot = ProbotOctokit.plugin(holdSlot);
  // Octokit applies a class's plugins in the order of its static list; octokit's hooks run the
  // last-registered outermost, so the first plugin sees every attempt that plugin-retry and
  // plugin-throttling make (test/app/write-scheduling.test.ts checks that a retry is counted).
  class Scheduled extends WithSlot {
    static override plugins = [spaceAttempt, ...WithSlot.plugins];
  }
  return Scheduled.defaults((options: Record<string, unknown>) => ({
    ...options,
    throttle: { ...(options['throttle'] as object | undefined), write: passThroughGroup },
  }));
}

/** The Octokit the server gives Probot (src/app/server.ts), scheduling writes per installation. */
export const TrustgateOctokit: typeof ProbotOctokit = trustgateOctokit(processScheduler);
