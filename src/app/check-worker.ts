import type { Logger, ProbotOctokit } from 'probot';
import { CHECK_NAME } from './check-run-reporter.js';
import type { CheckJob, JobControl, WorkOutcome } from './check-queue.js';
import type { CheckOutput, CheckRunWrite, CheckTarget, GitHubGateway } from './github-gateway.js';
import { OctokitGateway } from './octokit-gateway.js';
import { isRetryableFailure } from './resilience.js';
import { runCheck, type CheckHooks, type CheckRunResult, type RunCheckSettings } from './run-check.js';
import { repositoryHooks, type AppIdentityProvider } from './waiver-store.js';

type Octokit = InstanceType<typeof ProbotOctokit>;

/** Thrown into a check whose pull request has a newer head: the work is stopped, not failed. */
export class SupersededError extends Error {
  override name = 'SupersededError';
  constructor() {
    super('A newer commit was pushed to the pull request; this check stopped in favour of the newer one.');
  }
}

/** Thrown into a check this process handed back to the shared queue while stopping. */
export class HandedBackError extends Error {
  override name = 'HandedBackError';
  constructor() {
    super('This process is stopping and handed the check to another replica.');
  }
}

/** The title an error report of runCheck starts with (reporters/check-run.ts, buildErrorReport). */
const ERROR_TITLE = 'trustgate could not finish';

export const SUPERSEDED_OUTPUT: CheckOutput = {
  title: 'Superseded by a newer commit',
  summary: 'A newer commit was pushed to this pull request before trustgate finished checking this one. The newer commit is checked instead; this run no longer says anything about the change.',
};

export interface WorkerObserver {
  completed(conclusion: string, seconds: number): void;
}

/**
 * One attempt at a queued check, through {@link runCheck} unchanged. Around it:
 *
 * - the check run is idempotent per repository, head SHA and check name: the run this work owns (from
 *   the job, or the newest run of this app with that name on the commit) is updated instead of a new
 *   one being added;
 * - a check whose pull request moved on is stopped at its next request, and a run it owns is completed
 *   as superseded;
 * - when a retryable GitHub fault stopped the check and the queue will try again, the failure runCheck
 *   would write is held back (the run, if any, stays in progress) and the queue retries later; on the
 *   last attempt it is written, and it says to re-run.
 */
export async function runQueuedCheck(
  octokit: Octokit,
  job: CheckJob,
  control: JobControl,
  { identity, logger, settings, observer, scan }: { identity: AppIdentityProvider; logger: Logger; settings?: Partial<RunCheckSettings>; observer?: WorkerObserver; scan?: CheckHooks['scan'] },
): Promise<WorkOutcome> {
  const started = performance.now();
  let retryable: unknown;
  const hook = octokit.hook as unknown as {
    before(name: 'request', fn: (options: { method?: string; url?: string }) => void): void;
    error(name: 'request', fn: (error: unknown) => never): void;
  };
  hook.before('request', (options) => {
    // Handed back to the shared queue at shutdown: another replica finishes it; nothing more is sent from here.
    if (control.abandoned?.() === true) throw new HandedBackError();
    // Work for an older head stops at its next request, except the writes that close its own run.
    if (control.superseded() && !/\/check-runs/.test(options.url ?? '')) throw new SupersededError();
  });
  hook.error('request', (error) => {
    if (isRetryableFailure(error)) retryable = error;
    throw error;
  });
  if (job.ifUnfinished === true && job.checkRunId !== undefined) {
    const { data: run } = await octokit.rest.checks.get({ owner: job.target.owner, repo: job.target.repo, check_run_id: job.checkRunId });
    if (run.status === 'completed') return 'done';
  }
  const gateway = new OwnedRunGateway(new OctokitGateway(octokit), octokit, job, control, identity, () => retryable !== undefined && !control.lastAttempt);
  const log = logger.child({ job: job.id, attempt: job.attempts });
  let result: CheckRunResult;
  try {
    result = await runCheck(gateway, job.target, log, { hooks: { ...repositoryHooks(octokit, identity), ...(scan !== undefined ? { scan } : {}) }, ...(settings !== undefined ? { settings } : {}) });
  } catch (error) {
    // Even the final write failed (GitHub or the network is down): nothing is shown yet; try later.
    log.warn({ err: error }, 'trustgate could not write the check run; the queue tries again later');
    if (control.superseded()) return 'done';
    return 'retry';
  }
  if (control.superseded()) return 'done';
  if (gateway.heldBackFailure) {
    log.warn({ err: retryable }, 'a GitHub fault stopped the check; the queue tries again later');
    return 'retry';
  }
  observer?.completed(result.conclusion, (performance.now() - started) / 1000);
  return 'done';
}

/** A {@link GitHubGateway} whose check run writes go to the one run the job owns. */
class OwnedRunGateway implements GitHubGateway {
  heldBackFailure = false;

  constructor(
    private readonly inner: GitHubGateway,
    private readonly octokit: Octokit,
    private readonly job: CheckJob,
    private readonly control: JobControl,
    private readonly identity: AppIdentityProvider,
    private readonly willRetry: () => boolean,
  ) {}

  listChangedFiles: GitHubGateway['listChangedFiles'] = (target, source) => this.inner.listChangedFiles(target, source);
  readFiles: GitHubGateway['readFiles'] = (target, ref, paths) => this.inner.readFiles(target, ref, paths);
  readRevisions: GitHubGateway['readRevisions'] = (target, reads) => this.inner.readRevisions(target, reads);
  readDirectories: GitHubGateway['readDirectories'] = (target, directories, select, files) => this.inner.readDirectories(target, directories, select, files);
  findPullRequestsForCommit: GitHubGateway['findPullRequestsForCommit'] = (target, sha) => this.inner.findPullRequestsForCommit(target, sha);

  async createCheckRun(target: CheckTarget, name: string, body: CheckRunWrite): Promise<number> {
    // Work another replica has superseded adds no run (a shared queue learns of it by asking).
    if (this.job.checkRunId === undefined) await this.control.refresh?.();
    const write = this.rewrite(body);
    if (write === undefined) return this.job.checkRunId ?? -1;
    const owned = this.job.checkRunId ?? (this.job.mayHaveRun ? await this.findOwnedRun(target, name) : undefined);
    if (owned !== undefined) {
      this.control.ownsCheckRun(owned);
      await this.inner.updateCheckRun(target, owned, write);
      return owned;
    }
    const id = await this.inner.createCheckRun(target, name, write);
    this.control.ownsCheckRun(id);
    return id;
  }

  async updateCheckRun(target: CheckTarget, checkRunId: number, body: Partial<CheckRunWrite> & { output: CheckOutput }): Promise<void> {
    if (checkRunId < 0) return;
    const write = body.status === undefined ? (this.control.superseded() ? undefined : body) : this.rewrite(body as CheckRunWrite);
    if (write === undefined) return;
    await this.inner.updateCheckRun(target, checkRunId, write);
  }

  /** What to write instead of `body`: superseded, or nothing while a retry is coming; undefined skips it. */
  private rewrite(body: CheckRunWrite): CheckRunWrite | undefined {
    if (this.control.superseded()) {
      // Nothing to close when this work never created a run.
      if (this.job.checkRunId === undefined) return undefined;
      return { status: 'completed', conclusion: 'neutral', completed_at: new Date().toISOString(), output: SUPERSEDED_OUTPUT };
    }
    if (body.conclusion === 'failure' && body.output.title.startsWith(ERROR_TITLE) && this.willRetry()) {
      this.heldBackFailure = true;
      return undefined;
    }
    return body;
  }

  /** The newest run of this app with this name on the commit, if an earlier attempt or process created one. */
  private async findOwnedRun(target: CheckTarget, name: string): Promise<number | undefined> {
    const { id: appId } = await this.identity();
    const { data } = await this.octokit.rest.checks.listForRef({ owner: target.owner, repo: target.repo, ref: target.headSha, check_name: name, filter: 'all', per_page: 100 });
    const ours = data.check_runs.filter((run) => run.name === CHECK_NAME && run.app?.id === appId && run.head_sha === target.headSha);
    if (ours.length === 0) return undefined;
    return Math.max(...ours.map((run) => run.id));
  }
}
