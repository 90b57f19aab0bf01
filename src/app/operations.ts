import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkQueue } from './check-queue.js';
import type { WorkerObserver } from './check-worker.js';
import type { ResilienceObserver } from './resilience.js';

/**
 * What operators watch: Prometheus metrics at `/metrics`, liveness at `/health/live` (the process
 * answers) and readiness at `/health/ready` (GitHub accepts the app's credentials, the queue
 * accepts work and the scan threads have loaded). One registry per server, so tests can start several.
 */
export class Operations {
  readonly registry = new Registry();
  readonly checks = new Counter({ name: 'trustgate_checks_total', help: 'Checks completed, by conclusion', labelNames: ['conclusion'], registers: [this.registry] });
  readonly durations = new Histogram({
    name: 'trustgate_check_duration_seconds',
    help: 'Time from the start of an attempt to the completed check run',
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly requests = new Counter({ name: 'trustgate_github_requests_total', help: 'Answers from GitHub by status (0: no answer)', labelNames: ['status'], registers: [this.registry] });
  readonly waits = new Counter({ name: 'trustgate_github_retry_waits_total', help: 'Waits before retrying a GitHub request, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly waitSeconds = new Counter({ name: 'trustgate_github_retry_wait_seconds_total', help: 'Time spent waiting before retries, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly redeliveries = new Counter({ name: 'trustgate_redeliveries_total', help: 'Failed webhook deliveries this app asked GitHub to redeliver', registers: [this.registry] });
  readonly staleRuns = new Counter({ name: 'trustgate_stale_check_runs_total', help: 'Check runs of this app found unfinished past the deadline and checked again', registers: [this.registry] });
  readonly recovered = new Counter({ name: 'trustgate_recovered_checks_total', help: 'Checks taken up again from the journal after a restart', registers: [this.registry] });

  constructor(
    private readonly queue: WorkQueue,
    /** A problem of the process itself (e.g. scan threads still loading), or undefined. */
    private readonly localProblem: () => string | undefined,
    private readonly credentialsWork: () => Promise<void>,
  ) {
    collectDefaultMetrics({ register: this.registry });
    const stats = queue.stats;
    new Gauge({ name: 'trustgate_queue_depth', help: 'Checks accepted and not finished (running included)', registers: [this.registry], async collect() { this.set(await queue.currentDepth().catch(() => -1)); } });
    new Gauge({ name: 'trustgate_queue_running', help: 'Checks running now', registers: [this.registry], collect() { this.set(stats.running); } });
    new Gauge({ name: 'trustgate_queue_retries_total', help: 'Checks put back in the queue after a GitHub fault', registers: [this.registry], collect() { this.set(stats.retried); } });
    new Gauge({ name: 'trustgate_queue_superseded_total', help: 'Checks superseded by a newer head of their pull request', registers: [this.registry], collect() { this.set(stats.superseded); } });
    new Gauge({ name: 'trustgate_queue_duplicates_total', help: 'Deliveries or requests for work already queued', registers: [this.registry], collect() { this.set(stats.duplicates); } });
    new Gauge({ name: 'trustgate_queue_gave_up_total', help: 'Checks the queue stopped retrying (their run was completed as failed)', registers: [this.registry], collect() { this.set(stats.gaveUp); } });
  }

  readonly resilienceObserver: ResilienceObserver = {
    response: (status) => this.requests.inc({ status: String(status) }),
    waited: (reason, ms) => {
      this.waits.inc({ reason });
      this.waitSeconds.inc({ reason }, ms / 1000);
    },
  };

  readonly workerObserver: WorkerObserver = {
    completed: (conclusion, seconds) => {
      this.checks.inc({ conclusion });
      this.durations.observe(seconds);
    },
  };

  /** A Probot server handler (`addHandler`): true when it answered the request. */
  handler = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (request.method !== 'GET') return false;
    const path = (request.url ?? '').split('?')[0];
    if (path === '/health/live') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('live');
      return true;
    }
    if (path === '/health/ready') {
      const problem = await this.readiness();
      response.writeHead(problem === undefined ? 200 : 503, { 'content-type': 'text/plain' }).end(problem ?? 'ready');
      return true;
    }
    if (path === '/metrics') {
      response.writeHead(200, { 'content-type': this.registry.contentType }).end(await this.registry.metrics());
      return true;
    }
    return false;
  };

  private async readiness(): Promise<string | undefined> {
    if (!this.queue.accepting) return 'not ready: shutting down';
    try {
      await this.credentialsWork();
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      return `not ready: GitHub did not accept the app's credentials (${typeof status === 'number' ? `status ${status}` : 'no answer'})`;
    }
    try {
      await this.queue.reachable();
    } catch (error) {
      return `not ready: the queue's store cannot be reached (${error instanceof Error ? error.message : String(error)})`;
    }
    return this.localProblem();
  }
}
