import type { ChangeSource, CheckTarget, FileListSource, GitHubGateway, PullRequestRef } from './github-gateway.js';

/** The fields of a webhook's repository that a check needs. */
export interface RepositoryPayload {
  id: number;
  name: string;
  html_url: string;
  owner: { login: string };
}

/** A pull request as check_run and check_suite payloads list it. */
export interface PayloadPullRequest {
  number: number;
  head: { sha: string };
  base: { sha: string; repo: { id: number } };
}

export function targetFor(repository: RepositoryPayload, headSha: string, source: ChangeSource, pullNumber?: number, baseSha?: string): CheckTarget {
  const target: CheckTarget = { owner: repository.owner.login, repo: repository.name, headSha, htmlUrl: repository.html_url, source };
  if (pullNumber !== undefined) target.pullNumber = pullNumber;
  if (baseSha !== undefined) target.baseSha = baseSha;
  return target;
}

/** Pull requests of a check_run/check_suite payload that belong to this repository. */
export function payloadPullRequests(repository: RepositoryPayload, pulls: readonly PayloadPullRequest[]): PullRequestRef[] {
  return pulls
    .filter((pull) => pull.base.repo.id === repository.id)
    .map((pull) => ({ number: pull.number, headSha: pull.head.sha, baseSha: pull.base.sha }));
}

/** The pull request number in a merge queue branch name (`gh-readonly-queue/main/pr-104-<sha>`). */
export function mergeQueuePullNumber(headRef: string): number | undefined {
  const match = /\/pr-(\d+)-[0-9a-f]+$/.exec(headRef);
  return match ? Number(match[1]) : undefined;
}

/**
 * Turns a target's source into a file list GitHub can give. A commit event becomes its pull request
 * when the commit is that pull request's head, or the comparison from the pull request's base when the
 * pull request has moved on; `undefined` when the commit is the head of no open pull request.
 */
export async function resolveFileListSource(
  gateway: GitHubGateway,
  target: CheckTarget,
): Promise<{ source: FileListSource; pullNumber?: number; baseSha?: string } | undefined> {
  const { source } = target;
  if (source.kind !== 'commit') {
    const baseSha = target.baseSha ?? (source.kind === 'compare' ? source.base : undefined);
    return { source, ...(target.pullNumber !== undefined ? { pullNumber: target.pullNumber } : {}), ...(baseSha !== undefined ? { baseSha } : {}) };
  }
  let pulls = source.pullRequests;
  // Payloads leave pull_requests empty for pull requests from forks: ask GitHub.
  if (pulls.length === 0) pulls = await gateway.findPullRequestsForCommit(target, target.headSha);
  const exact = pulls.find((pull) => pull.headSha === target.headSha);
  if (exact !== undefined) return { source: { kind: 'pull-request', number: exact.number }, pullNumber: exact.number, baseSha: exact.baseSha };
  const moved = pulls[0];
  if (moved !== undefined) return { source: { kind: 'compare', base: moved.baseSha, head: target.headSha }, pullNumber: moved.number, baseSha: moved.baseSha };
  return undefined;
}
