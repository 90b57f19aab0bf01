/**
 * One phrase for the check run that says what went wrong, without secrets: request errors name the
 * method, path and status GitHub answered; anything else is an internal error.
 */
export function describeError(error: unknown): string {
  if (isTimeout(error)) return 'the check timed out';
  if (error instanceof Error && error.name === 'ScanOutOfMemoryError') return 'the check ran out of memory';
  if (error instanceof Error && error.name === 'ScanTimeoutError') return 'checking the files took too long';
  const network = networkFailure(error);
  if (network !== undefined) return network;
  const request = requestErrorParts(error);
  if (request !== undefined) {
    const path = request.url.replace(/^https?:\/\/[^/]+/, '').split('?')[0];
    return `GitHub answered ${request.status} to ${request.method} ${path}`;
  }
  if (error instanceof Error && error.name === 'GraphqlResponseError') return 'GitHub\'s GraphQL API returned errors';
  return 'an internal error';
}

function isTimeout(error: unknown): boolean {
  return error instanceof CheckTimeoutError;
}

/** The pipeline ran past its deadline. */
export class CheckTimeoutError extends Error {
  override name = 'CheckTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`The check did not finish within ${Math.round(timeoutMs / 1000)} seconds.`);
  }
}

function requestErrorParts(error: unknown): { status: number; method: string; url: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, request } = error as { status?: unknown; request?: { method?: unknown; url?: unknown } };
  if (typeof status !== 'number' || typeof request?.method !== 'string' || typeof request.url !== 'string') return undefined;
  return { status, method: request.method, url: request.url };
}

/** Codes of a request that never reached GitHub or was never answered (DNS, connection, TLS). */
const NETWORK_CODES: Record<string, string> = {
  ENOTFOUND: 'the GitHub host name could not be resolved (DNS); check the network and GHE_HOST',
  EAI_AGAIN: 'the GitHub host name could not be resolved (DNS, temporary); check the network and GHE_HOST',
  ECONNREFUSED: 'the connection to GitHub was refused; check the network, proxy and GHE_HOST',
  ECONNRESET: 'the connection to GitHub was reset before it answered; check the network and proxy',
  ETIMEDOUT: 'the connection to GitHub timed out; check the network and proxy',
  EHOSTUNREACH: 'GitHub could not be reached (host unreachable); check the network',
  ENETUNREACH: 'GitHub could not be reached (network unreachable); check the network',
  UND_ERR_CONNECT_TIMEOUT: 'the connection to GitHub timed out; check the network and proxy',
  UND_ERR_SOCKET: 'the connection to GitHub closed before it answered; check the network and proxy',
};

/**
 * A request that GitHub never answered: Octokit reports it with status 500 and the fetch error as its
 * cause, so it must not be described as an answer from GitHub.
 */
function networkFailure(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let current: unknown = error; typeof current === 'object' && current !== null && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES[code] !== undefined) return NETWORK_CODES[code];
  }
  if (error instanceof Error && error.name === 'HttpError' && /fetch failed/i.test(error.message)) return 'GitHub could not be reached (the request failed before any answer); check the network';
  return undefined;
}
