import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docsPagesHandler, publishDocs } from './docs-pages.js';
import { operatorLog } from './operator-log.js';
import { run, type ApplicationFunctionOptions, type Probot, type ProbotOctokit } from 'probot';
import { withBodyLimit } from './body-limit.js';
import { CheckQueue, coalescingKey, DEFAULT_QUEUE_SETTINGS, type CheckJob, type WorkQueue } from './check-queue.js';
import { RedisContentCreationScheduler } from './redis-pacing.js';
import { onceAcrossReplicas, RedisCheckQueue, RedisRedeliveries } from './redis-queue.js';
import { createTrustgate } from './index.js';
import { ContentCreationScheduler, trustgateOctokit, WRITE_ATTEMPT_TIMEOUT_MS } from './octokit.js';
import { Operations } from './operations.js';
import { DEFAULT_RESILIENCE, resiliencePlugin, scaledSleep, type ResilienceSettings } from './resilience.js';
import { DEFAULT_SCAN_POOL, ScanPool } from './scan-pool.js';
import { recordedRunWork, sweepFailedDeliveries, sweepOpenRuns, sweepParkedChecks, sweepStaleCheckRuns } from './sweeps.js';
import { FileOpenRuns, MemoryOpenRuns, parkedCheckOf, parkedJobId, recordingOpenRuns, RedisOpenRuns, type OpenRuns } from './open-runs.js';
import type { CheckTarget } from './github-gateway.js';
import { appIdentityFrom } from './waiver-store.js';

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * The server's settings, from the environment (docs/github-app.md lists them):
 *
 * - `TRUSTGATE_QUEUE_DIR`: where accepted checks are kept until done, so a restart (or a crash) picks
 *   them up again (and, in `open-runs/`, the runs they own until completed: open-runs.ts); default
 *   `<tmpdir>/trustgate-queue-<APP_ID>`; empty keeps them in memory only.
 * - `TRUSTGATE_DRAIN_MS`: on SIGTERM/SIGINT, how long running checks may finish (default 20 s, inside
 *   Docker's and Kubernetes' default grace periods of 10/30 s… set it below yours).
 * - `TRUSTGATE_CONCURRENCY`, `TRUSTGATE_MAX_ATTEMPTS`: checks at once, attempts per check.
 * - `TRUSTGATE_SWEEP_MS`: how often failed webhook deliveries are looked for and redelivered (5 min; 0: never).
 * - `TRUSTGATE_STALE_SWEEP_MS`: how often runs of this app left in progress are looked for (10 min; 0: never),
 *   `TRUSTGATE_STALE_AFTER_MS`: how long after its start a run not completed is stale (15 min: longer than
 *   a check's 8-minute deadline plus the drain), `TRUSTGATE_STALE_MAX_PULLS`: commits (open pull request heads and merge queue heads) read per sweep.
 * - `TRUSTGATE_REQUEST_TIMEOUT_MS`: one GitHub request attempt is abandoned after this long (30 s).
 * - `TRUSTGATE_SCAN_THREADS`: worker threads the engine runs in (default: CPUs - 1, at most 4; 0 scans on the
 *   event loop), `TRUSTGATE_SCAN_MEMORY_MB`: heap of one thread (1024; a check that needs more fails, saying
 *   so), `TRUSTGATE_SCAN_TIMEOUT_MS`: a scan running longer is stopped and its check fails (5 min).
 * - `TRUSTGATE_REDIS_URL`: several replicas share the queue, the write pacing, de-duplication and the
 *   sweeps through this Redis (redis-queue.ts; not `REDIS_URL`, which switches Probot's own throttling to
 *   Bottleneck clustering); `TRUSTGATE_REDIS_PREFIX` (default `trustgate`) separates apps sharing one Redis,
 *   `TRUSTGATE_REDIS_LOCK_MS` (30 s) is how long a dead replica holds its checks before another takes them.
 *   Without it the queue is in-process (and TRUSTGATE_QUEUE_DIR applies).
 * - `TRUSTGATE_TIME_SCALE`: multiplies every retry wait (tests use 0.001: GitHub's minute lasts 60 ms).
 */
export interface ServerSettings {
  queueDir: string | undefined;
  drainMs: number;
  concurrency: number;
  maxAttempts: number;
  sweepMs: number;
  staleSweepMs: number;
  staleAfterMs: number;
  staleMaxPulls: number;
  requestTimeoutMs: number;
  timeScale: number;
  scanThreads: number;
  scanMemoryMb: number;
  scanTimeoutMs: number;
  redisUrl: string | undefined;
  redisPrefix: string;
  redisLockMs: number;
}

function numberFrom(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`expected a number, not ${JSON.stringify(value)}`);
  return parsed;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerSettings {
  const dir = env['TRUSTGATE_QUEUE_DIR'];
  return {
    queueDir: dir === undefined ? join(tmpdir(), `trustgate-queue-${(env['APP_ID'] ?? 'app').replace(/[^0-9A-Za-z_-]/g, '_')}`) : dir === '' ? undefined : dir,
    drainMs: numberFrom(env['TRUSTGATE_DRAIN_MS'], 20_000),
    concurrency: numberFrom(env['TRUSTGATE_CONCURRENCY'], DEFAULT_QUEUE_SETTINGS.concurrency),
    maxAttempts: numberFrom(env['TRUSTGATE_MAX_ATTEMPTS'], DEFAULT_QUEUE_SETTINGS.maxAttempts),
    sweepMs: numberFrom(env['TRUSTGATE_SWEEP_MS'], 5 * 60_000),
    staleSweepMs: numberFrom(env['TRUSTGATE_STALE_SWEEP_MS'], 10 * 60_000),
    staleAfterMs: numberFrom(env['TRUSTGATE_STALE_AFTER_MS'], 15 * 60_000),
    staleMaxPulls: numberFrom(env['TRUSTGATE_STALE_MAX_PULLS'], 2_000),
    requestTimeoutMs: numberFrom(env['TRUSTGATE_REQUEST_TIMEOUT_MS'], WRITE_ATTEMPT_TIMEOUT_MS),
    timeScale: numberFrom(env['TRUSTGATE_TIME_SCALE'], 1),
    scanThreads: numberFrom(env['TRUSTGATE_SCAN_THREADS'], DEFAULT_SCAN_POOL.threads),
    scanMemoryMb: numberFrom(env['TRUSTGATE_SCAN_MEMORY_MB'], DEFAULT_SCAN_POOL.memoryMb),
    scanTimeoutMs: numberFrom(env['TRUSTGATE_SCAN_TIMEOUT_MS'], DEFAULT_SCAN_POOL.timeoutMs),
    redisUrl: env['TRUSTGATE_REDIS_URL'] === undefined || env['TRUSTGATE_REDIS_URL'].trim() === '' ? undefined : env['TRUSTGATE_REDIS_URL'].trim(),
    redisPrefix: env['TRUSTGATE_REDIS_PREFIX'] === undefined || env['TRUSTGATE_REDIS_PREFIX'] === '' ? 'trustgate' : env['TRUSTGATE_REDIS_PREFIX'],
    redisLockMs: numberFrom(env['TRUSTGATE_REDIS_LOCK_MS'], 30_000),
  };
}

/**
 * `npm start`: Probot's server (same environment variables as `probot run`) with trustgate's queue,
 * retries, health endpoints, metrics, redelivery sweeps and clean shutdown.
 */
export async function startServer(settings: ServerSettings = settingsFromEnv()): Promise<void> {
  const docs = publishDocs();
  const retryDelayMs = (attempt: number) => DEFAULT_QUEUE_SETTINGS.retryDelayMs(attempt) * settings.timeScale;
  // Several replicas share the queue, the write pacing, de-duplication and the sweeps through Redis.
  // A check given up on before its run existed is parked (the record below is made once the queue is).
  let park: (job: CheckJob) => void = () => undefined;
  const onGiveUp = (job: CheckJob) => park(job);
  const shared =
    settings.redisUrl !== undefined
      ? new RedisCheckQueue({ url: settings.redisUrl, prefix: settings.redisPrefix, lockMs: settings.redisLockMs, concurrency: settings.concurrency, maxAttempts: settings.maxAttempts, retryDelayMs, onGiveUp })
      : undefined;
  const local =
    shared === undefined
      ? new CheckQueue({ concurrency: settings.concurrency, maxAttempts: settings.maxAttempts, retryDelayMs, onGiveUp, ...(settings.queueDir !== undefined ? { journalDir: settings.queueDir } : {}) })
      : undefined;
  // The runs checks own, until done: the stale-run sweep finds one left unfinished on any commit.
  const openRuns: OpenRuns = shared !== undefined ? new RedisOpenRuns(shared.redis, settings.redisPrefix) : settings.queueDir !== undefined ? new FileOpenRuns(join(settings.queueDir, 'open-runs')) : new MemoryOpenRuns();
  let recordLog: ((error: unknown) => void) | undefined;
  const queue: WorkQueue = recordingOpenRuns((shared ?? local)!, openRuns, (error) => recordLog?.(error));
  // A run that exists stays recorded; work that never got one is parked, to be queued again by the sweep.
  park = (job) => {
    if (job.checkRunId === undefined)
      void openRuns
        .park(parkedCheckOf(job))
        .then(() => probot?.log.warn({ owner: job.target.owner, repo: job.target.repo, sha: job.target.headSha }, 'trustgate parked a check it gave up on before GitHub created its run; the stale-run sweep queues it again'))
        .catch((error: unknown) => recordLog?.(error));
  };
  const scans = settings.scanThreads > 0 ? new ScanPool({ threads: settings.scanThreads, memoryMb: settings.scanMemoryMb, timeoutMs: settings.scanTimeoutMs }) : undefined;
  // Threads load the engine while Probot starts; the server is ready once they have.
  const warmStarted = performance.now();
  let warmMs: number | undefined;
  void scans?.warm().then(() => (warmMs = Math.round(performance.now() - warmStarted)));
  let operations: Operations | undefined;
  const resilience: ResilienceSettings = {
    ...DEFAULT_RESILIENCE,
    readTimeoutMs: settings.requestTimeoutMs,
    sleep: scaledSleep(settings.timeScale),
    observer: {
      response: (status) => operations?.resilienceObserver.response(status),
      waited: (reason, ms) => operations?.resilienceObserver.waited(reason, ms),
    },
  };
  // Retries are this app's (resilience.ts, with waits tests can shorten), not plugin-retry's.
  const sharedScheduler = shared !== undefined ? new RedisContentCreationScheduler(shared.redis, settings.redisPrefix) : undefined;
  shared?.onAbandon(() => sharedScheduler?.halt());
  const scheduler = sharedScheduler ?? new ContentCreationScheduler();
  const Octokit = trustgateOctokit(scheduler, settings.requestTimeoutMs)
    .plugin(resiliencePlugin(() => resilience))
    .defaults((options: Record<string, unknown>) => ({ ...options, retry: { enabled: false } }));

  let probot: Probot | undefined;
  // Bodies above GitHub's 25 MB cap are refused (413) while read, before Probot buffers them to check the signature.
  const server = await withBodyLimit(async () =>
    run(
    async (app: Probot, { addHandler }: ApplicationFunctionOptions) => {
      probot = app;
      let verifiedAt = -Infinity;
      operations = new Operations(queue, () => (scans !== undefined && warmMs === undefined ? 'not ready: the scan threads are still loading the engine' : undefined), async () => {
        // GET /app with the app's JWT: the credentials work. Asked at most every 30 s.
        if (performance.now() - verifiedAt < 30_000) return;
        const octokit = (await app.auth()) as Octokit;
        await octokit.rest.apps.getAuthenticated();
        verifiedAt = performance.now();
      });
      addHandler(operations.handler);
      addHandler(docsPagesHandler());
      createTrustgate({ queue, observer: operations.workerObserver, ...(scans !== undefined ? { scan: scans.scan } : {}) })(app);
      if (local !== undefined && local.depth > 0) app.log.info({ recovered: local.depth }, 'trustgate took up checks an earlier process accepted and did not finish');
      operations.recovered.inc(local?.depth ?? 0);
      if (shared !== undefined) app.log.info({ prefix: settings.redisPrefix }, 'trustgate shares its queue, write pacing and sweeps with other replicas through Redis');
    },
    { Octokit, log: await operatorLog() },
  ));

  const log = probot!.log;
  recordLog = (error) => log.warn({ err: error }, 'trustgate could not update its record of unfinished check runs');
  if (scans !== undefined) void scans.warm().then(() => log.info({ threads: settings.scanThreads, memoryMb: settings.scanMemoryMb, loadMs: warmMs }, 'trustgate scans in worker threads'));
  if (docs.warning !== undefined) log.warn(docs.warning);
  let sweepTimer: NodeJS.Timeout | undefined;
  /** A sweep runs on one replica per interval when they share Redis. */
  const onOneReplica = async (name: string, intervalMs: number, work: () => Promise<void>) => {
    if (shared === undefined) await work();
    else await onceAcrossReplicas(shared.redis, settings.redisPrefix, name, intervalMs, work);
  };
  const redeliveries = shared !== undefined ? new RedisRedeliveries(shared.redis, settings.redisPrefix) : undefined;
  const sweep = async () => {
    try {
      await onOneReplica('redeliveries', settings.sweepMs, async () => {
        const octokit = (await probot!.auth()) as Octokit;
        // Counted once for every replica when they share Redis.
        const redelivered = await sweepFailedDeliveries(octokit, log, Date.now, redeliveries);
        operations?.redeliveries.inc(redelivered);
      });
    } catch (error) {
      log.warn({ err: error }, 'trustgate could not look for failed webhook deliveries; it tries again at the next sweep');
    }
  };
  if (settings.sweepMs > 0) {
    void sweep();
    sweepTimer = setInterval(() => void sweep(), settings.sweepMs);
    sweepTimer.unref();
  }
  const identity = appIdentityFrom(probot!);
  let staleTimer: NodeJS.Timeout | undefined;
  let staleRunning = false;
  // Runs queued again recently: a sweep that overlaps the check it queued does not queue it twice.
  const requeued = new Map<number, number>();
  const staleSweep = async () => {
    if (staleRunning || !queue.accepting) return;
    staleRunning = true;
    try {
      await onOneReplica('stale-runs', settings.staleSweepMs, async () => {
        const octokit = (await probot!.auth()) as Octokit;
        const { id: appId } = await identity();
        const installationOctokit = async (installationId: number) => (await probot!.auth(installationId)) as Octokit;
        const requeue = async (run: { checkRunId: number; installationId: number; key: string; target: CheckTarget }) => {
          if (shared !== undefined) {
            // Across replicas: one re-run per stale run and deadline.
            if ((await shared.redis.set(`${settings.redisPrefix}:tg:stale:${run.checkRunId}`, '1', 'PX', Math.max(1, settings.staleAfterMs), 'NX')) === null) return;
          }
          const at = requeued.get(run.checkRunId);
          if (at !== undefined && Date.now() - at < settings.staleAfterMs) return;
          requeued.set(run.checkRunId, Date.now());
          if (requeued.size > 10_000) requeued.delete(requeued.keys().next().value!);
          // Queued on the run it found: updated and completed, never a second run; a check of the same
          // commit already queued or running here answers for it.
          await queue.enqueue({ id: `stale-${run.checkRunId}-${Date.now()}`, key: run.key, installationId: run.installationId, target: run.target, checkRunId: run.checkRunId, mayHaveRun: true, ifUnfinished: true });
          operations?.staleRuns.inc();
        };
        // GitHub-wide first: a run on an open pull request's head coalesces with that pull request's work.
        const found = await sweepStaleCheckRuns(octokit, installationOctokit, { appId, staleAfterMs: settings.staleAfterMs, maxPullRequests: settings.staleMaxPulls }, (run) => requeue({ ...run, key: coalescingKey(run.event, run.target) }), log);
        // Then the runs this app recorded as unfinished, on any commit (checked as that commit).
        const recorded = await sweepOpenRuns(openRuns, installationOctokit, { staleAfterMs: settings.staleAfterMs, max: settings.staleMaxPulls }, (run) => requeue({ ...run, ...recordedRunWork(run) }), log);
        // And the checks given up on before their run existed: queued again once GitHub may answer.
        const parked = await sweepParkedChecks(openRuns, { retryAfterMs: settings.staleAfterMs, max: settings.staleMaxPulls }, async (check) => {
          await queue.enqueue({ id: parkedJobId(check), ...recordedRunWork(check), installationId: check.installationId, mayHaveRun: true });
        }, log);
        if (found.length + recorded.length + parked.length > 0) log.info({ found: found.length, recorded: recorded.length, parked: parked.length }, 'the stale-run sweep is done');
      });
    } catch (error) {
      log.warn({ err: error }, 'trustgate could not look for check runs left in progress; it tries again at the next sweep');
    } finally {
      staleRunning = false;
    }
  };
  if (settings.staleSweepMs > 0) {
    void staleSweep();
    staleTimer = setInterval(() => void staleSweep(), settings.staleSweepMs);
    staleTimer.unref();
  }

  // Probot's own SIGINT handler waits for idle keep-alive connections and drains nothing.
  process.removeAllListeners('SIGINT');
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(sweepTimer);
    clearInterval(staleTimer);
    log.info({ signal, running: queue.stats.running, queued: local?.depth }, 'trustgate is stopping: no new work, draining running checks');
    // New deliveries are refused (500): GitHub records them as failed and the next sweep redelivers them.
    void server.stop().catch(() => undefined);
    const left = await queue.close(settings.drainMs);
    if (shared !== undefined && shared.handedBack > 0) log.info({ handedBack: shared.handedBack }, 'checks still running at the drain bound were handed back to the shared queue for another replica');
    await scans?.close();
    if (left.length > 0) {
      if (settings.queueDir !== undefined) log.info({ left: left.length }, 'unfinished checks stay in the queue directory for the next process');
      else log.warn({ left: left.length }, 'unfinished checks are dropped: TRUSTGATE_QUEUE_DIR is empty, so nothing keeps them');
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
