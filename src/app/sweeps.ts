import type { Logger, ProbotOctokit } from 'probot';
import { CHECK_NAME } from './check-run-reporter.js';
import type { CheckTarget } from './github-gateway.js';
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

const asked = new Map<string, number>();
/** When each GUID was last asked for, so a redelivery still on its way is not asked for again. */
const askedAt = new Map<string, number>();
/** A redelivery GitHub has not attempted after this long is asked for again. */
const REASK_AFTER_MS = 10 * 60_000;

/**
 * GitHub never redelivers a failed webhook by itself. Lists the app's recent deliveries
 * (`GET /app/hook/deliveries`, app-authenticated) and asks GitHub to redeliver each one whose every
 * attempt failed (`POST /app/hook/deliveries/{id}/attempts`); a GUID that succeeded once is left
 * alone, whatever its other attempts did. The queue drops a redelivery it has already accepted.
 * Resolves with the number of redeliveries asked for.
 */
export async function sweepFailedDeliveries(octokit: Octokit, log: Logger, now: () => number = Date.now, memory: Map<string, number> = asked): Promise<number> {
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
    const times = memory.get(guid) ?? 0;
    if (times >= MAX_REDELIVERIES) continue;
    const latest = deliveries.reduce((a, b) => (Date.parse(b.delivered_at) > Date.parse(a.delivered_at) || b.id > a.id ? b : a));
    // Asked for before and GitHub has listed no attempt since: the redelivery may still be on its way.
    const last = askedAt.get(guid);
    if (last !== undefined && Date.parse(latest.delivered_at) <= last && now() - last < REASK_AFTER_MS) continue;
    memory.set(guid, times + 1);
    askedAt.set(guid, now());
    if (askedAt.size > 10_000) askedAt.delete(askedAt.keys().next().value!);
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
}

export interface StaleSweepSettings {
  /** The app's id: only its own runs are taken up. */
  appId: number;
  /** A run not completed this long after its `started_at` is stale. */
  staleAfterMs: number;
  /** Open pull requests looked at per sweep at most (each costs one read); the rest wait for the next sweep. */
  maxPullRequests: number;
  now?: () => number;
}

/** Open pull requests read per repository per sweep at most (pages of 100). */
const MAX_PULL_PAGES = 3;

/**
 * Check runs of this app left `queued` or `in_progress` beyond a deadline, across every repository of
 * every installation (GitHub-wide, not only the work this process knows about: a process killed with
 * its journal lost, or a replica that died, leaves runs no queue remembers). The runs looked at are the
 * `trustgate` runs on the heads of open pull requests, the runs a required check waits on. Each stale
 * run found is handed to `rerun`, which queues the check again on that run (it is updated, not
 * duplicated, and completed whatever happens). Resolves with the runs found.
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
          const { data } = await octokit.rest.checks.listForRef({ owner: repository.owner.login, repo: repository.name, ref: pull.head.sha, check_name: CHECK_NAME, filter: 'latest', per_page: 100 });
          for (const run of data.check_runs) {
            if (run.name !== CHECK_NAME || run.app?.id !== settings.appId || run.head_sha !== pull.head.sha || run.status === 'completed') continue;
            const startedAt = Date.parse(run.started_at ?? '');
            if (!Number.isFinite(startedAt) || now() - startedAt < settings.staleAfterMs) continue;
            const stale: StaleCheckRun = {
              installationId: installation.id,
              checkRunId: run.id,
              target: targetFor(repository, pull.head.sha, { kind: 'pull-request', number: pull.number }, pull.number, pull.base.sha),
              startedAt: run.started_at!,
            };
            found.push(stale);
            log.warn({ checkRunId: run.id, owner: repository.owner.login, repo: repository.name, pull: pull.number, startedAt: run.started_at }, 'trustgate found its check run left unfinished past the deadline; it checks the commit again on that run');
            try {
              await rerun(stale);
            } catch (error) {
              log.warn({ err: error, checkRunId: run.id }, 'trustgate could not queue a stale check run again; the next sweep tries again');
            }
          }
        }
        if (budget <= 0 || ++pages >= MAX_PULL_PAGES) break;
      }
    }
  }
  return found;
}
