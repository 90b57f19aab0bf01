/**
 * One phrase for the check run that says what went wrong, without secrets: request errors name the
 * method, path and status GitHub answered; anything else is an internal error.
 */
export function describeError(error: unknown): string {
  if (isTimeout(error)) return 'the check timed out';
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
