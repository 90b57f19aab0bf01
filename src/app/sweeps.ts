import type { Logger, ProbotOctokit } from 'probot';
import { CHECK_NAME } from './check-run-reporter.js';
import type { CheckTarget } from './github-gateway.js';
import type { OpenRun, OpenRuns, ParkedCheck } from './open-runs.js';
import { targetFor } from './targets.js';

type Octokit = InstanceType<typeof ProbotOctokit>;

/** GitHub keeps an app's webhook deliveries for three days. */
const DELIVERY_RETENTION_MS = 3 * 24 * 3_600_000;
/** Pages of 100 deliveries read per sweep at most. */
const MAX_PAGES = 10;
/** Redeliveries asked for one GUID before the sweep leaves it alone (it keeps failing for a reason). */
const MAX_REDELIVERIES = 3;

interface Delivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
}

/** A redelivery GitHub has not attempted after this long is asked for again. */
const REASK_AFTER_MS = 10 * 60_000;

/** What the sweep weighs before asking for a redelivery of one GUID. */
export interface RedeliveryClaim {
  /** Now, on this process's clock. */
  now: number;
  /** When GitHub's newest attempt at the GUID was made (its `delivered_at`). */
  latestAttemptAt: number;
  /** Redeliveries asked for one GUID at most. */
  max: number;
  /** A redelivery asked for and not attempted since is asked for again only after this long. */
  reaskAfterMs: number;
}

/**
 * How many redeliveries were asked for each GUID, and when last: counted once for every replica (in
 * Redis, redis-queue.ts) or for this process ({@link InMemoryRedeliveries}).
 */
export interface RedeliveryCounts {
  /**
   * Counts one more redelivery of `guid` and resolves true, unless `max` were already asked for, or one
   * was asked for after GitHub's newest attempt less than `reaskAfterMs` ago (it may still be on its
   * way); then false, counting nothing. Atomic: two sweeps never both claim the same redelivery.
   */
  claim(guid: string, claim: RedeliveryClaim): Promise<boolean>;
}

/** Redelivery counts of one process: the last 10,000 GUIDs. */
export class InMemoryRedeliveries implements RedeliveryCounts {
  private readonly asked = new Map<string, { times: number; at: number }>();

  async claim(guid: string, { now, latestAttemptAt, max, reaskAfterMs }: RedeliveryClaim): Promise<boolean> {
    const previous = this.asked.get(guid);
    if (previous !== undefined && previous.times >= max) return false;
    if (previous !== undefined && latestAttemptAt <= previous.at && now - previous.at < reaskAfterMs) return false;
    this.asked.delete(guid);
    this.asked.set(guid, { times: (previous?.times ?? 0) + 1, at: now });
    if (this.asked.size > 10_000) this.asked.delete(this.asked.keys().next().value!);
    return true;
  }
}

const processRedeliveries = new InMemoryRedeliveries();

/**
 * GitHub never redelivers a failed webhook by itself. Lists the app's recent deliveries
 * (`GET /app/hook/deliveries`, app-authenticated) and asks GitHub to redeliver each one whose every
 * attempt failed (`POST /app/hook/deliveries/{id}/attempts`); a GUID that succeeded once is left
 * alone, whatever its other attempts did, and one is asked for at most 3 times (it keeps failing for a
 * reason), counted in `counts` — shared by every replica when they share Redis. The queue drops a
 * redelivery it has already accepted. Resolves with the number of redeliveries asked for.
 */
export async function sweepFailedDeliveries(octokit: Octokit, log: Logger, now: () => number = Date.now, counts: RedeliveryCounts = processRedeliveries): Promise<number> {
  const byGuid = new Map<string, Delivery[]>();
  let pages = 0;
  let old = false;
  for await (const { data } of octokit.paginate.iterator(octokit.rest.apps.listWebhookDeliveries, { per_page: 100 })) {
    for (const delivery of data as Delivery[]) {
      if (now() - Date.parse(delivery.delivered_at) > DELIVERY_RETENTION_MS) old = true;
      const list = byGuid.get(delivery.guid) ?? [];
      list.push(delivery);
      byGuid.set(delivery.guid, list);
    }
    if (old || ++pages >= MAX_PAGES) break;
  }
  let redelivered = 0;
  for (const [guid, deliveries] of byGuid) {
    if (deliveries.some((delivery) => delivery.status_code >= 200 && delivery.status_code < 300)) continue;
    const latest = deliveries.reduce((a, b) => (Date.parse(b.delivered_at) > Date.parse(a.delivered_at) || b.id > a.id ? b : a));
    const latestAttemptAt = Math.max(...deliveries.map((delivery) => Date.parse(delivery.delivered_at)).filter(Number.isFinite));
    if (!(await counts.claim(guid, { now: now(), latestAttemptAt, max: MAX_REDELIVERIES, reaskAfterMs: REASK_AFTER_MS }))) continue;
    try {
      await octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: latest.id });
      redelivered++;
      log.info({ guid, deliveryId: latest.id, statusCode: latest.status_code }, 'trustgate asked GitHub to redeliver a failed webhook');
    } catch (error) {
      log.warn({ err: error, guid }, 'trustgate could not ask GitHub to redeliver a failed webhook');
    }
  }
  return redelivered;
}

/** A run of this app that is not completed and started longer ago than the deadline. */
export interface StaleCheckRun {
  installationId: number;
  checkRunId: number;
  target: CheckTarget;
  startedAt: string;
  /** What the run checks: an open pull request's head, or a merge queue commit (coalesced per commit). */
  event: 'pull-request' | 'merge-group';
}

export interface StaleSweepSettings {
  /** The app's id: only its own runs are taken up. */
  appId: number;
  /** A run not completed this long after its `started_at` is stale. */
  staleAfterMs: number;
  /**
   * Commits looked at per sweep at most (open pull request heads and merge queue heads; each costs one
   * read); the rest wait for the next sweep.
   */
  maxPullRequests: number;
  now?: () => number;
}

/** Open pull requests read per repository per sweep at most (pages of 100). */
const MAX_PULL_PAGES = 3;
/** The branches GitHub's merge queue makes: `gh-readonly-queue/<base branch>/pr-<number>-<sha>`. */
const MERGE_QUEUE_PREFIX = 'gh-readonly-queue/';

type Repository = Parameters<typeof targetFor>[0];

/** The base branch and pull request number of a merge queue branch (`refs/heads/gh-readonly-queue/release/1.x/pr-7-<sha>`). */
export function parseMergeQueueRef(ref: string): { baseBranch: string; pullNumber: number } | undefined {
  const match = /^(?:refs\/heads\/)?gh-readonly-queue\/(.+)\/pr-(\d+)-[0-9a-f]+$/.exec(ref);
  return match === null ? undefined : { baseBranch: match[1]!, pullNumber: Number(match[2]) };
}

/**
 * Check runs of this app left `queued` or `in_progress` beyond a deadline, across every repository of
 * every installation (GitHub-wide, not only the work this process knows about: a process killed with
 * its journal lost, or a replica that died, leaves runs no queue remembers). The runs looked at are the
 * `trustgate` runs a required check waits on: on the heads of open pull requests, and on the heads of
 * the merge queue's branches (`GET /repos/{owner}/{repo}/git/matching-refs/heads/gh-readonly-queue/`,
 * one read per repository; GitHub deletes a queue branch once its group is merged or dropped). Each
 * stale run found is handed to `rerun`, which queues the check again on that run (it is updated, not
 * duplicated, and completed whatever happens). Resolves with the runs found.
 *
 * A merge queue run is checked again against the merge base of its base branch and its head (one
 * comparison read): the queue's own base commit is in the webhook only, and the merge base is that
 * commit or an older one, so the files compared are the group's or more, never fewer.
 */
export async function sweepStaleCheckRuns(
  appOctokit: Octokit,
  installationOctokit: (installationId: number) => Promise<Octokit>,
  settings: StaleSweepSettings,
  rerun: (run: StaleCheckRun) => Promise<void> | void,
  log: Logger,
): Promise<StaleCheckRun[]> {
  const now = settings.now ?? Date.now;
  const found: StaleCheckRun[] = [];
  let budget = settings.maxPullRequests;

  /** This app's unfinished `trustgate` runs on `sha` started before the deadline. */
  const staleRunsOn = async (octokit: Octokit, repository: Repository, sha: string) => {
    const { data } = await octokit.rest.checks.listForRef({ owner: repository.owner.login, repo: repository.name, ref: sha, check_name: CHECK_NAME, filter: 'latest', per_page: 100 });
    return data.check_runs.filter((run) => {
      if (run.name !== CHECK_NAME || run.app?.id !== settings.appId || run.head_sha !== sha || run.status === 'completed') return false;
      const startedAt = Date.parse(run.started_at ?? '');
      return Number.isFinite(startedAt) && now() - startedAt >= settings.staleAfterMs;
    });
  };
  const take = async (stale: StaleCheckRun, where: Record<string, unknown>) => {
    found.push(stale);
    log.warn({ checkRunId: stale.checkRunId, owner: stale.target.owner, repo: stale.target.repo, ...where, startedAt: stale.startedAt }, 'trustgate found its check run left unfinished past the deadline; it checks the commit again on that run');
    try {
      await rerun(stale);
    } catch (error) {
      log.warn({ err: error, checkRunId: stale.checkRunId }, 'trustgate could not queue a stale check run again; the next sweep tries again');
    }
  };

  const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
  for (const installation of installations) {
    if (budget <= 0) break;
    let octokit: Octokit;
    try {
      octokit = await installationOctokit(installation.id);
    } catch (error) {
      log.warn({ err: error, installationId: installation.id }, 'trustgate could not act as an installation to look for stale check runs');
      continue;
    }
    const repositories = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    for (const repository of repositories) {
      if (budget <= 0) break;
      let pages = 0;
      for await (const { data: pulls } of octokit.paginate.iterator(octokit.rest.pulls.list, { owner: repository.owner.login, repo: repository.name, state: 'open', per_page: 100 })) {
        for (const pull of pulls) {
          if (budget-- <= 0) break;
          for (const run of await staleRunsOn(octokit, repository, pull.head.sha)) {
            const target = targetFor(repository, pull.head.sha, { kind: 'pull-request', number: pull.number }, pull.number, pull.base.sha);
            await take({ installationId: installation.id, checkRunId: run.id, target, startedAt: run.started_at!, event: 'pull-request' }, { pull: pull.number });
          }
        }
        if (budget <= 0 || ++pages >= MAX_PULL_PAGES) break;
      }
      if (budget <= 0) break;
      await sweepMergeQueue(octokit, repository, installation.id);
    }
  }
  return found;

  /** The heads of the repository's merge queue branches (one page: GitHub builds a few groups at a time). */
  async function sweepMergeQueue(octokit: Octokit, repository: Repository, installationId: number): Promise<void> {
    let refs: { ref: string; object: { sha: string; type: string } }[];
    try {
      ({ data: refs } = await octokit.rest.git.listMatchingRefs({ owner: repository.owner.login, repo: repository.name, ref: `heads/${MERGE_QUEUE_PREFIX}`, per_page: 100 }));
    } catch (error) {
      // A repository without the contents permission, or emptied meanwhile: its pull requests were still looked at.
      log.warn({ err: error, owner: repository.owner.login, repo: repository.name }, 'trustgate could not list the merge queue branches to look for stale check runs');
      return;
    }
    for (const ref of refs) {
      const queue = parseMergeQueueRef(ref.ref);
      if (queue === undefined || ref.object.type !== 'commit') continue;
      if (budget-- <= 0) return;
      const sha = ref.object.sha;
      const stale = await staleRunsOn(octokit, repository, sha);
      if (stale.length === 0) continue;
      const { data: comparison } = await octokit.rest.repos.compareCommitsWithBasehead({ owner: repository.owner.login, repo: repository.name, basehead: `${queue.baseBranch}...${sha}`, per_page: 1 });
      const base = comparison.merge_base_commit.sha;
      const target = targetFor(repository, sha, { kind: 'compare', base, head: sha, fallbackPullNumber: queue.pullNumber }, queue.pullNumber, base);
      for (const run of stale) await take({ installationId, checkRunId: run.id, target, startedAt: run.started_at!, event: 'merge-group' }, { mergeQueueRef: ref.ref });
    }
  }
}

/** Records older than this are dropped unread (an installation removed meanwhile, a repository gone). */
const OPEN_RUN_MAX_AGE_MS = 7 * 24 * 3_600_000;

/**
 * The runs this app recorded as its own and has not seen completed (open-runs.ts), on whatever commit
 * they are: each is read (`GET /repos/{owner}/{repo}/check-runs/{id}`, one request); a completed or
 * deleted one is dropped from the record, and one still unfinished more than `staleAfterMs` after its
 * `started_at` is handed to `rerun`. At most `max` are read per sweep, oldest first. Resolves with the
 * runs handed on.
 */
export async function sweepOpenRuns(
  runs: OpenRuns,
  installationOctokit: (installationId: number) => Promise<Octokit>,
  settings: { staleAfterMs: number; max: number; now?: () => number },
  rerun: (run: OpenRun) => Promise<void> | void,
  log: Logger,
): Promise<OpenRun[]> {
  const now = settings.now ?? Date.now;
  const found: OpenRun[] = [];
  for (const run of await runs.list(settings.max)) {
    if (now() - run.recordedAt > OPEN_RUN_MAX_AGE_MS) {
      await runs.closed(run.checkRunId);
      continue;
    }
    let status: string;
    let startedAt: number;
    try {
      const octokit = await installationOctokit(run.installationId);
      const { data } = await octokit.rest.checks.get({ owner: run.target.owner, repo: run.target.repo, check_run_id: run.checkRunId });
      status = data.status;
      startedAt = Date.parse(data.started_at ?? '');
    } catch (error) {
      if ((error as { status?: number }).status === 404) await runs.closed(run.checkRunId);
      else log.warn({ err: error, checkRunId: run.checkRunId }, 'trustgate could not read a check run it recorded as unfinished; the next sweep tries again');
      continue;
    }
    if (status === 'completed') {
      await runs.closed(run.checkRunId);
      continue;
    }
    if (!Number.isFinite(startedAt) || now() - startedAt < settings.staleAfterMs) continue;
    found.push(run);
    log.warn({ checkRunId: run.checkRunId, owner: run.target.owner, repo: run.target.repo, sha: run.target.headSha }, 'trustgate found a check run it recorded left unfinished past the deadline; it checks the commit again on that run');
    try {
      await rerun(run);
    } catch (error) {
      log.warn({ err: error, checkRunId: run.checkRunId }, 'trustgate could not queue a stale check run again; the next sweep tries again');
    }
  }
  return found;
}

/**
 * The work to queue for a recorded run: a pull request's run is checked as its commit (the pull request's
 * head may have moved on since, and its work must not be superseded by this), which finds the pull request
 * again and compares from its base when the commit is no longer its head.
 */
export function recordedRunWork(run: Pick<OpenRun, 'key' | 'target'>): { key: string; target: CheckTarget } {
  if (run.target.source.kind !== 'pull-request') return { key: run.key, target: run.target };
  const { pullNumber: _pull, baseSha: _base, ...rest } = run.target;
  const target: CheckTarget = { ...rest, source: { kind: 'commit', pullRequests: [] } };
  return { key: `commit:${`${target.owner}/${target.repo}`.toLowerCase()}@${target.headSha}`, target };
}

/** Parked checks older than this (GitHub's retention of the delivery that asked for them) are dropped. */
const PARKED_MAX_AGE_MS = 3 * 24 * 3_600_000;

/**
 * Checks the queue gave up on before their run existed (open-runs.ts, `ParkedCheck`): each parked at
 * least `retryAfterMs` ago is handed to `requeue` and then unparked (if GitHub still fails, the queue
 * gives up on it again and parks it again); one accepted more than 3 days ago is dropped. At most `max`
 * per sweep. Resolves with the checks queued again.
 */
export async function sweepParkedChecks(
  runs: OpenRuns,
  settings: { retryAfterMs: number; max: number; now?: () => number },
  requeue: (check: ParkedCheck) => Promise<void>,
  log: Logger,
): Promise<ParkedCheck[]> {
  const now = settings.now ?? Date.now;
  const queued: ParkedCheck[] = [];
  for (const check of await runs.listParked(settings.max)) {
    if (now() - check.acceptedAt > PARKED_MAX_AGE_MS) {
      log.warn({ owner: check.target.owner, repo: check.target.repo, sha: check.target.headSha }, 'trustgate drops a check it could never report on: it was accepted more than 3 days ago');
      await runs.unpark(check.id);
      continue;
    }
    if (now() - check.parkedAt < settings.retryAfterMs) continue;
    try {
      await requeue(check);
    } catch (error) {
      log.warn({ err: error, owner: check.target.owner, repo: check.target.repo, sha: check.target.headSha }, 'trustgate could not queue a parked check again; the next sweep tries again');
      continue;
    }
    await runs.unpark(check.id);
    queued.push(check);
    log.info({ owner: check.target.owner, repo: check.target.repo, sha: check.target.headSha }, 'trustgate queued again a check it had given up on before GitHub created its run');
  }
  return queued;
}
