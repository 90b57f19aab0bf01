import { chunkAnnotations, type CheckRunReport } from '../reporters/check-run.js';
import type { CheckTarget, GitHubGateway } from './github-gateway.js';

/** The check run's name: what branch protection requires. */
export const CHECK_NAME = 'trustgate';

/** Thrown by writes of a run that was already closed by {@link CheckRunReporter.fail}. */
export class CheckRunClosedError extends Error {
  constructor() {
    super('The check run was already completed by the error path; this write was dropped.');
  }
}

/**
 * Writes one check run with as few requests as GitHub allows: a run that was never started is
 * created already completed with its first 50 annotations, then one update per further 50. Every
 * write counts against the installation's content-creation limit, so nothing is written twice.
 */
export class CheckRunReporter {
  private checkRunId: number | undefined;
  private closed = false;
  /** Writes sent so far (creates and updates), for logs and tests. */
  writes = 0;

  constructor(
    private readonly gateway: GitHubGateway,
    private readonly target: CheckTarget,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get id(): number | undefined {
    return this.checkRunId;
  }

  /** Creates the run in progress; for runs that will take long enough for people to wonder. */
  async start(output: { title: string; summary: string }): Promise<void> {
    this.assertOpen();
    if (this.checkRunId !== undefined) return;
    this.writes++;
    this.checkRunId = await this.gateway.createCheckRun(this.target, CHECK_NAME, { status: 'in_progress', started_at: this.now().toISOString(), output });
  }

  /** Completes the run with its report. */
  async complete(report: CheckRunReport): Promise<void> {
    this.assertOpen();
    await this.write(report, false);
  }

  /**
   * Completes the run with an error report, whatever state it is in, and closes it: later writes of
   * an abandoned pipeline (one that timed out) are dropped instead of overwriting the error.
   */
  async fail(report: CheckRunReport): Promise<void> {
    this.closed = true;
    await this.write(report, true);
  }

  private async write(report: CheckRunReport, closing: boolean): Promise<void> {
    const [first = [], ...rest] = chunkAnnotations(report.annotations);
    const base = { title: report.output.title, summary: report.output.summary };
    const output = { ...report.output, ...(first.length > 0 ? { annotations: first } : {}) };
    const body = { status: 'completed' as const, conclusion: report.conclusion, completed_at: this.now().toISOString(), output };
    this.writes++;
    if (this.checkRunId === undefined) {
      this.checkRunId = await this.gateway.createCheckRun(this.target, CHECK_NAME, { ...body, started_at: body.completed_at });
    } else {
      await this.gateway.updateCheckRun(this.target, this.checkRunId, body);
    }
    const id = this.checkRunId;
    // GitHub appends the annotations of each update; title and summary must be sent again.
    for (const annotations of rest) {
      if (this.closed && !closing) throw new CheckRunClosedError();
      this.writes++;
      await this.gateway.updateCheckRun(this.target, id, { output: { ...base, annotations } });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new CheckRunClosedError();
  }
}
