import { describe, expect, it } from 'vitest';
import { RequestError } from '@octokit/request-error';
import { describeError } from '../../src/app/describe-error.js';

const request = { method: 'GET' as const, url: 'https://api.github.com/repos/o/r/pulls/1/files?per_page=100', headers: {} };

describe('describeError', () => {
  it('names the status GitHub answered', () => {
    const error = new RequestError('Not Found', 404, { request, response: { status: 404, url: request.url, headers: {}, data: {} } });
    expect(describeError(error)).toBe('GitHub answered 404 to GET /repos/o/r/pulls/1/files');
  });

  it('does not say GitHub answered 500 when DNS failed and GitHub never answered', async () => {
    // A real fetch to a name that cannot resolve, wrapped as Octokit wraps it (status 500, cause kept).
    let cause: unknown;
    try {
      await fetch('http://trustgate-no-such-host.invalid/');
    } catch (error) {
      cause = error;
    }
    const error = new RequestError('fetch failed', 500, { request, cause });
    const text = describeError(error);
    expect(text).not.toMatch(/answered 500/);
    expect(text).toMatch(/DNS|could not be reached/);
  });

  it('reports a refused connection as one', () => {
    const cause = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    const error = new RequestError('fetch failed', 500, { request, cause });
    expect(describeError(error)).toMatch(/refused/);
  });
});
