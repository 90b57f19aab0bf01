import type { Context, Probot } from 'probot';
import { CHECK_NAME } from './check-run-reporter.js';
import type { CheckTarget } from './github-gateway.js';
import { OctokitGateway } from './octokit-gateway.js';
import { runCheck } from './run-check.js';
import { mergeQueuePullNumber, payloadPullRequests, targetFor } from './targets.js';
import { handleCommentCommands } from './comment-commands.js';
import { appIdentityFrom, repositoryHooks, type AppIdentityProvider } from './waiver-store.js';

/**
 * The trustgate GitHub App. Each handler decodes its event into a {@link CheckTarget} and hands it
 * to {@link runCheck}, which loads options, reads the changed files, runs the engine and reports.
 */
export default function trustgate(app: Probot): void {
  const identity = appIdentityFrom(app);
  const check = (context: Context, target: CheckTarget) => runPipeline(context, target, identity);

  app.on(
    ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'],
    async (context) => {
      const { pull_request: pull, repository } = context.payload;
      const target = targetFor(repository, pull.head.sha, { kind: 'pull-request', number: pull.number }, pull.number, pull.base.sha);
      await check(context, target);
    },
  );

  app.on('check_run.rerequested', async (context) => {
    const { check_run: run, repository } = context.payload;
    // GitHub sends re-run requests only to the run's own app; the name keeps other runs of ours out.
    if (run.name !== CHECK_NAME) return;
    await check(context, targetFor(repository, run.head_sha, { kind: 'commit', pullRequests: payloadPullRequests(repository, run.pull_requests) }));
  });

  app.on('check_suite.rerequested', async (context) => {
    const { check_suite: suite, repository } = context.payload;
    await check(context, targetFor(repository, suite.head_sha, { kind: 'commit', pullRequests: payloadPullRequests(repository, suite.pull_requests) }));
  });

  // Only `created`: an edited comment must not become a command after people have read it.
  app.on('issue_comment.created', async (context) => {
    await handleCommentCommands(context, { identity, runCheck: (target) => check(context, target) });
  });

  app.on('merge_group.checks_requested', async (context) => {
    const { merge_group: group, repository } = context.payload;
    if (repository === undefined) {
      context.log.warn({ headSha: group.head_sha }, 'merge_group event without a repository; nothing to report on');
      return;
    }
    const pullNumber = mergeQueuePullNumber(group.head_ref);
    const source = { kind: 'compare' as const, base: group.base_sha, head: group.head_sha, ...(pullNumber !== undefined ? { fallbackPullNumber: pullNumber } : {}) };
    await check(context, targetFor(repository, group.head_sha, source, pullNumber, group.base_sha));
  });
}

async function runPipeline(context: Context, target: CheckTarget, identity: AppIdentityProvider): Promise<void> {
  await runCheck(new OctokitGateway(context.octokit), target, context.log, { hooks: repositoryHooks(context.octokit, identity) });
}
