import type { Context, Probot, ProbotOctokit } from 'probot';
import { CHECK_NAME } from './check-run-reporter.js';
import { CheckQueue, coalescingKey, type WorkQueue } from './check-queue.js';
import { runQueuedCheck, type WorkerObserver } from './check-worker.js';
import type { CheckTarget } from './github-gateway.js';
import type { CheckHooks, RunCheckSettings } from './run-check.js';
import { mergeQueuePullNumber, payloadPullRequests, targetFor } from './targets.js';
import { handleCommentCommands } from './comment-commands.js';
import { appIdentityFrom } from './waiver-store.js';

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface TrustgateAppOptions {
  /**
   * The queue checks go through. Absent: a queue of this app that runs each check while its webhook
   * waits, with no retries from the queue (embedding and tests). The server passes its own queue, and
   * webhooks are answered as soon as the check is accepted.
   */
  queue?: WorkQueue;
  settings?: Partial<RunCheckSettings>;
  observer?: WorkerObserver;
  /** Where the engine runs (the server's: worker threads, scan-pool.ts); absent: in this thread. */
  scan?: CheckHooks['scan'];
}

/**
 * The trustgate GitHub App. Each handler decodes its event into a {@link CheckTarget} and queues it;
 * a worker runs {@link runCheck} (through check-worker.ts), which loads options, reads the changed
 * files, runs the engine and reports.
 */
export default function trustgate(app: Probot): void {
  createTrustgate()(app);
}

export function createTrustgate(options: TrustgateAppOptions = {}): (app: Probot) => void {
  return (app) => setUp(app, options);
}

function setUp(app: Probot, options: TrustgateAppOptions): void {
  const identity = appIdentityFrom(app);
  const inline = options.queue === undefined;
  const queue = options.queue ?? new CheckQueue({ maxAttempts: 1, concurrency: Number.MAX_SAFE_INTEGER });
  void queue.start(async (job, control) => {
    const octokit = (await app.auth(job.installationId)) as Octokit;
    return runQueuedCheck(octokit, job, control, { identity, logger: app.log, ...(options.settings !== undefined ? { settings: options.settings } : {}), ...(options.observer !== undefined ? { observer: options.observer } : {}), ...(options.scan !== undefined ? { scan: options.scan } : {}) });
  });
  let sequence = 0;
  const check = async (context: Context, target: CheckTarget, event: 'pull-request' | 'commit' | 'merge-group' = 'commit', checkRunId?: number, newCommit = false) => {
    const installationId = (context.payload as { installation?: { id?: number } }).installation?.id;
    if (installationId === undefined) {
      context.log.warn({ headSha: target.headSha }, 'event without an installation; nothing to report on');
      return;
    }
    const key = coalescingKey(event, target);
    // GitHub's redeliveries keep the delivery's GUID: the same GUID for the same work is a duplicate.
    const deliveryId = context.id !== undefined && context.id !== '' ? `${context.id}:${key}@${target.headSha}` : undefined;
    // Awaited: with a shared queue, a store that cannot be reached fails the delivery (GitHub records
    // it as failed and the redelivery sweep sends it again) instead of losing it.
    const { finished } = await queue.enqueue({
      id: `${context.id || 'local'}-${++sequence}`,
      ...(deliveryId !== undefined ? { deliveryId } : {}),
      key,
      installationId,
      target,
      // opened and synchronize name a commit trustgate has not seen: no run to look for (a read saved).
      mayHaveRun: !newCommit,
      ...(checkRunId !== undefined ? { checkRunId } : {}),
    });
    if (inline) await finished;
  };

  app.on(
    ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'],
    async (context) => {
      const { pull_request: pull, repository } = context.payload;
      const target = targetFor(repository, pull.head.sha, { kind: 'pull-request', number: pull.number }, pull.number, pull.base.sha);
      const newCommit = context.payload.action === 'opened' || context.payload.action === 'synchronize';
      await check(context, target, 'pull-request', undefined, newCommit);
    },
  );

  app.on('check_run.rerequested', async (context) => {
    const { check_run: run, repository } = context.payload;
    // GitHub sends re-run requests only to the run's own app; the name keeps other runs of ours out.
    if (run.name !== CHECK_NAME) return;
    // The re-run updates the run it was asked on instead of adding a second one.
    await check(context, targetFor(repository, run.head_sha, { kind: 'commit', pullRequests: payloadPullRequests(repository, run.pull_requests) }), 'commit', run.id);
  });

  app.on('check_suite.rerequested', async (context) => {
    const { check_suite: suite, repository } = context.payload;
    await check(context, targetFor(repository, suite.head_sha, { kind: 'commit', pullRequests: payloadPullRequests(repository, suite.pull_requests) }));
  });

  // Only `created`: an edited comment must not become a command after people have read it.
  app.on('issue_comment.created', async (context) => {
    await handleCommentCommands(context, { identity, runCheck: (target) => check(context, target, target.pullNumber !== undefined ? 'pull-request' : 'commit') });
  });

  app.on('merge_group.checks_requested', async (context) => {
    const { merge_group: group, repository } = context.payload;
    if (repository === undefined) {
      context.log.warn({ headSha: group.head_sha }, 'merge_group event without a repository; nothing to report on');
      return;
    }
    const pullNumber = mergeQueuePullNumber(group.head_ref);
    const source = { kind: 'compare' as const, base: group.base_sha, head: group.head_sha, ...(pullNumber !== undefined ? { fallbackPullNumber: pullNumber } : {}) };
    await check(context, targetFor(repository, group.head_sha, source, pullNumber, group.base_sha), 'merge-group');
  });
}
