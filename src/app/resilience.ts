import { isContentCreating } from './octokit.js';

/**
 * Retries of what GitHub asks to retry, as one octokit plugin around every request of the server's
 * clients (registered last, so it wraps the write scheduling and the installation token exchange:
 * a retry is spaced like any write and fetches a token again when that was what failed).
 *
 * - Secondary rate limits (403 or 429 with `retry-after`, or GitHub's "secondary rate limit" message):
 *   wait `retry-after`, or the documented minimum of 60 s when it is absent, then try again.
 * - 5xx answers, network errors and timeouts: back off (1 s, 2 s, 4 s, …) and try again.
 * - Everything else (4xx) is an answer, not a fault: it is passed on at once.
 *
 * Every wait goes through {@link ResilienceSettings.sleep}, so tests run the same code with short waits.
 */
export interface ResilienceSettings {
  /** Attempts at one request for 5xx, network errors and timeouts (first one included). */
  faultAttempts: number;
  /** Wait before retry number `retry` (1-based) after a fault. */
  backoffMs: (retry: number) => number;
  /** Attempts at one request for secondary rate limits (first one included). */
  secondaryLimitAttempts: number;
  /** Wait when GitHub says nothing about when to retry; GitHub documents at least a minute. */
  secondaryLimitMinimumMs: number;
  /** A read GitHub never answers is abandoned after this long (writes have their own deadline, octokit.ts). */
  readTimeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Told of every answer (status, or 0 for no answer) and of every wait, for metrics. */
  observer?: ResilienceObserver;
}

export interface ResilienceObserver {
  response(status: number): void;
  waited(reason: 'secondary-rate-limit' | 'fault', ms: number): void;
}

export const SECONDARY_LIMIT_MINIMUM_MS = 60_000;

/** Sleeps that scale with `scale` (tests set TRUSTGATE_TIME_SCALE=0.001 so a minute lasts 60 ms). */
export function scaledSleep(scale: number): (ms: number) => Promise<void> {
  return (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.round(ms * scale))));
}

export const DEFAULT_RESILIENCE: ResilienceSettings = {
  faultAttempts: 4,
  backoffMs: (retry) => 1000 * 2 ** (retry - 1),
  // With a retry-after of 60 s, six attempts ride out five minutes of secondary limiting.
  secondaryLimitAttempts: 6,
  secondaryLimitMinimumMs: SECONDARY_LIMIT_MINIMUM_MS,
  readTimeoutMs: 30_000,
  sleep: scaledSleep(1),
};

interface RequestError {
  status?: number;
  message?: string;
  name?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** How a failed request should be treated. */
export type FaultKind = { kind: 'secondary-rate-limit'; waitMs: number } | { kind: 'fault' } | { kind: 'answer' };

export function classifyFailure(error: unknown, minimumMs = SECONDARY_LIMIT_MINIMUM_MS): FaultKind {
  // This process stopped sending (it handed its checks to another replica): nothing to retry.
  if (error instanceof Error && error.name === 'HandedBackError') return { kind: 'answer' };
  const failure = (typeof error === 'object' && error !== null ? error : {}) as RequestError;
  const status = typeof failure.status === 'number' ? failure.status : undefined;
  const headers = failure.response?.headers ?? {};
  const message = String(failure.message ?? '');
  if (status === 403 || status === 429) {
    const retryAfter = headers['retry-after'];
    if (retryAfter !== undefined || /secondary rate limit/i.test(message)) {
      const seconds = Number(retryAfter);
      const waitMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : minimumMs;
      return { kind: 'secondary-rate-limit', waitMs: Math.max(waitMs, retryAfter === undefined ? minimumMs : 0) };
    }
    return { kind: 'answer' };
  }
  if (status === undefined || status >= 500 || status === 0) return { kind: 'fault' };
  return { kind: 'answer' };
}

/** Is this error one GitHub (or the network) may not repeat: worth trying the whole check again later? */
export function isRetryableFailure(error: unknown): boolean {
  if (error instanceof Error && ['CheckTimeoutError', 'CheckRunClosedError', 'ScanOutOfMemoryError', 'ScanTimeoutError'].includes(error.name)) return false;
  return classifyFailure(error).kind !== 'answer';
}

interface RequestOptions {
  method?: string;
  url?: string;
  query?: unknown;
  request?: { signal?: AbortSignal };
}
type Request = (options: RequestOptions) => Promise<{ status: number }>;
type Hook = { wrap(name: 'request', wrapper: (request: Request, options: RequestOptions) => Promise<unknown>): void };

/** The octokit plugin. `settings` are read on every request, so the server can tune them once at start. */
export function resiliencePlugin(settings: () => ResilienceSettings) {
  return (octokit: { hook: unknown }): Record<string, never> => {
    (octokit.hook as Hook).wrap('request', async (request, options) => {
      const config = settings();
      let faults = 0;
      let limits = 0;
      for (;;) {
        // A read without a deadline of its own gets one per attempt; writes get theirs in octokit.ts,
        // so that time spent waiting for the installation's write slot is not counted.
        const reading = !isContentCreating(options);
        const hadSignal = options.request?.signal !== undefined;
        if (reading && !hadSignal) options.request = { ...options.request, signal: AbortSignal.timeout(config.readTimeoutMs) };
        try {
          const response = await request(options);
          config.observer?.response(response.status);
          return response;
        } catch (error) {
          const status = (error as RequestError).status;
          config.observer?.response(typeof status === 'number' ? status : 0);
          const failure = classifyFailure(error, config.secondaryLimitMinimumMs);
          if (failure.kind === 'answer') throw error;
          let waitMs: number;
          if (failure.kind === 'secondary-rate-limit') {
            if (++limits >= config.secondaryLimitAttempts) throw error;
            waitMs = failure.waitMs;
            config.observer?.waited('secondary-rate-limit', waitMs);
          } else {
            if (++faults >= config.faultAttempts) throw error;
            waitMs = config.backoffMs(faults);
            config.observer?.waited('fault', waitMs);
          }
          await config.sleep(waitMs);
        } finally {
          if (reading && !hadSignal && options.request !== undefined) delete options.request.signal;
        }
      }
    });
    return {};
  };
}
