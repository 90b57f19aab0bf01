import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { docsUrl } from '../engine/docs-links.js';
import { FILE_TOO_LARGE_RULE, scanFiles, type InputFile, type ScannedFile, type ScanResult } from '../engine/scan.js';
import { compareFindings, fingerprintOf, type Finding } from '../findings/finding.js';
import { withDefaults, type EngineOptions } from '../model/options.js';
import { isTerraformPath } from '../terraform/index.js';
import { ALL_RULES } from '../engine/all-rules.js';
import type { Rule } from '../rules/types.js';
import { customRuleSource, type CustomRuleSource } from '../rule-packs/custom-rules.js';

/**
 * Scans off the event loop: the server's checks run the engine in worker threads, each with a memory
 * limit (V8's `resourceLimits`), so webhooks, health checks and the queue's lock renewals are answered
 * while a large template is checked, and a runaway scan is stopped and reported instead of taking the
 * process down:
 *
 * - a thread that runs out of memory is ended by V8 and replaced, and the files are scanned again in
 *   smaller parts to find the one(s) that need more than the limit (see {@link ScanPool.scan}): each of
 *   those gets a blocking finding on its line 1 ({@link outOfMemoryFinding}) and is not known to be safe,
 *   while the other files are still checked and reported as usual;
 * - a scan that runs past `timeoutMs` (counted from when its thread has loaded the engine) is ended the
 *   same way and narrowed down likewise, with fewer scans ({@link MAX_TIME_ISOLATION_SCANS}): each file
 *   that takes longer alone gets {@link timeLimitFinding}.
 *
 * The thread is src/app/scan-thread.ts compiled (dist/src/app/scan-thread.js), or the TypeScript source
 * when the server itself runs from source through tsx (the tests): see {@link threadEntry}.
 */
export interface ScanPoolSettings {
  /** Threads at most (each scans one check at a time). */
  threads: number;
  /** Old-generation heap of one thread, in MB. */
  memoryMb: number;
  /** A scan running longer than this (once its thread has loaded the engine) is stopped. */
  timeoutMs: number;
}

export const DEFAULT_SCAN_POOL: ScanPoolSettings = {
  threads: Math.max(1, Math.min(4, availableParallelism() - 1)),
  // The 10 MB benchmark template peaks at ~280 MB for the whole process (docs/benchmarks.md).
  memoryMb: 1024,
  timeoutMs: 5 * 60_000,
};

export class ScanOutOfMemoryError extends Error {
  override name = 'ScanOutOfMemoryError';
  constructor(readonly memoryMb: number) {
    super(
      `Checking these files needed more than the ${memoryMb} MB of memory one check may use, so the check was stopped and fails closed. ` +
        'Split the largest template into smaller stacks, or check it locally with `trustgate scan`; operators can raise TRUSTGATE_SCAN_MEMORY_MB.',
    );
  }
}

export class ScanTimeoutError extends Error {
  override name = 'ScanTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`Checking these files took longer than ${Math.round(timeoutMs / 1000)} seconds, so the check was stopped and fails closed. Split the largest template, or check it locally with \`trustgate scan\`.`);
  }
}

/**
 * Scans a pool makes to find which files of a batch that ran out of memory need more than the limit,
 * after the batch itself: with k such files among n, halving takes about 2·k·log2(n). Past this many,
 * the files not yet told apart all get the finding (fail closed) rather than the check waiting longer.
 */
export const MAX_ISOLATION_SCANS = 24;

/**
 * Scans a pool makes at most, once a scan ran past the time limit, to find which files take longer than
 * the limit alone. Each may take the whole limit, so a check whose batch timed out takes at most
 * 1 + this many times the limit; past them the files not yet told apart all get the finding.
 */
export const MAX_TIME_ISOLATION_SCANS = 6;

/** A time limit as people read it: `300 seconds`, `1.5 seconds`, `200 ms`. */
function durationText(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 100) / 10;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/**
 * A file whose scan took longer than one scan may run: not checked, so not known to be safe. Blocks as
 * {@link outOfMemoryFinding} does (rule `file-too-large`), on its line 1, and says what to do.
 */
export function timeLimitFinding(path: string, timeoutMs: number, options: EngineOptions, withOthers = 0): Finding {
  const limit = `the ${durationText(timeoutMs)} one check may take`;
  const what = withOthers > 0 ? `took longer than ${limit} (trustgate stopped narrowing down which file took that long)` : `took longer than ${limit}`;
  return notCheckedFinding(
    path,
    'time-limit',
    what,
    withOthers,
    options,
    'Split the template into smaller stacks, or check it locally with `trustgate scan` (no time limit); the operator of this trustgate server can raise the time limit (TRUSTGATE_SCAN_TIMEOUT_MS).',
  );
}

/**
 * A file whose scan needed more memory than one scan may use: not checked, so not known to be safe.
 * It blocks as the engine's files too large to read do (rule `file-too-large`, which configuration can
 * lower), on its line 1, and says what to do.
 */
export function outOfMemoryFinding(path: string, memoryMb: number, options: EngineOptions, withOthers = 0): Finding {
  const limit = `the ${memoryMb} MB of memory one check may use`;
  const what = withOthers > 0 ? `needed more than ${limit} (trustgate stopped narrowing down which file needed it)` : `needed more than ${limit}`;
  return notCheckedFinding(
    path,
    'out-of-memory',
    what,
    withOthers,
    options,
    'Split the template into smaller stacks, or check it locally with `trustgate scan`; the operator of this trustgate server can raise the memory limit (TRUSTGATE_SCAN_MEMORY_MB).',
  );
}

/** The `file-too-large` finding of a file whose scan was stopped: `what` it did, alone or with `withOthers` other files. */
function notCheckedFinding(path: string, element: string, what: string, withOthers: number, options: EngineOptions, remediation: string): Finding {
  const fingerprint = fingerprintOf({ ruleId: FILE_TOO_LARGE_RULE, file: path, element });
  const scanning = withOthers > 0 ? `scanning it with ${withOthers} other file${withOthers === 1 ? '' : 's'}` : 'scanning it';
  return {
    id: fingerprint.slice(0, 12),
    fingerprint,
    ruleId: FILE_TOO_LARGE_RULE,
    category: 'parse-error',
    severity: options.rules[FILE_TOO_LARGE_RULE]?.severity ?? 'high',
    file: path,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    message: `${path} was not checked: ${scanning} ${what}, so the scan was stopped and the file is not known to be safe (it may hold an administrator role). The other files of this change were checked.`,
    remediation,
    docs: docsUrl('docs/rules/file-too-large.md'),
  };
}

/** What a scan ran out of. */
type OutOf = 'memory' | 'time';

/** A rule as a thread can find it again: a built-in rule by id, a custom rule by its source. */
export type RuleRef = { kind: 'built-in'; id: string } | ({ kind: 'custom' } & CustomRuleSource);

export interface ScanRequest {
  id: number;
  inputs: readonly InputFile[];
  options: EngineOptions;
  /** Absent: every built-in rule. */
  rules?: RuleRef[];
  /**
   * `terraform`: only the Terraform modules among `inputs` (the other inputs are what `file()` may read),
   * as scanFiles reads them; the files they read come back in `files` with kind `terraform`.
   */
  mode?: 'terraform';
}

export type ScanReply = { id: number; ok: true; result: ScanResult } | { id: number; ok: false; message: string };

interface Task {
  request: ScanRequest;
  resolve: (result: ScanResult) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  task: Task | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Why the thread is being ended, for its task. */
  ending: Error | undefined;
  /** Settles once the thread has loaded the engine (or has ended). */
  ready: Promise<void>;
}

const builtIn = new Set<Rule>(ALL_RULES);

/** The rules as references, or undefined when one of them cannot be rebuilt in a thread. */
function ruleRefs(rules: readonly Rule[] | undefined): RuleRef[] | undefined | 'in-process' {
  if (rules === undefined || rules === ALL_RULES) return undefined;
  const refs: RuleRef[] = [];
  for (const rule of rules) {
    if (builtIn.has(rule)) {
      refs.push({ kind: 'built-in', id: rule.meta.id });
      continue;
    }
    const source = customRuleSource(rule);
    if (source === undefined) return 'in-process';
    refs.push({ kind: 'custom', ...source });
  }
  return refs;
}

/**
 * The thread's entry: the compiled module, or, when this process runs from TypeScript source (tsx, as
 * the tests start the server), a small script that registers tsx's loader in the thread (Node 20 does
 * not carry `--import` preloads into workers) and then imports the source.
 */
function threadEntry(): { entry: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { entry: new URL('./scan-thread.js', import.meta.url), eval: false };
  const api = import.meta.resolve('tsx/esm/api');
  const source = new URL('./scan-thread.ts', import.meta.url).href;
  return { entry: `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`, eval: true };
}

export class ScanPool {
  private readonly settings: ScanPoolSettings;
  private readonly threads: Thread[] = [];
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(settings: Partial<ScanPoolSettings> = {}) {
    this.settings = { ...DEFAULT_SCAN_POOL, ...settings };
  }

  /**
   * The engine's scanFiles, in a thread. A batch that runs out of the thread's memory, or past its time
   * limit, is scanned again in parts, each in a thread of its own
   * heap (the one that ran out is replaced): the files other than Terraform halved again and again until
   * a part scans or is a single file, then the Terraform modules together (they read each other and the
   * files their `file()` calls name, as in scanFiles). A file that runs out alone gets {@link outOfMemoryFinding}
   * ({@link timeLimitFinding} for time) and the status `failed`; the others' findings are exactly what the
   * whole batch would have given. Each part has the same limits as the batch.
   */
  scan = async (inputs: readonly InputFile[], partialOptions: Partial<EngineOptions> = {}, rules?: readonly Rule[]): Promise<ScanResult> => {
    const options = withDefaults(partialOptions);
    const refs = ruleRefs(rules);
    // Rules made in this process by other means (tests, embedding) cannot cross: scanned here.
    if (refs === 'in-process') return scanFiles(inputs, options, rules);
    try {
      return await this.submit(inputs, options, refs);
    } catch (error) {
      if (!(error instanceof ScanOutOfMemoryError || error instanceof ScanTimeoutError) || this.closed) throw error;
      return this.isolate(inputs, options, refs, error instanceof ScanTimeoutError ? 'time' : 'memory');
    }
  };

  private submit(inputs: readonly InputFile[], options: EngineOptions, refs: RuleRef[] | undefined, mode?: 'terraform'): Promise<ScanResult> {
    if (this.closed) return Promise.reject(new Error('the scan pool is closed'));
    return new Promise<ScanResult>((resolve, reject) => {
      this.waiting.push({ request: { id: this.nextId++, inputs, options, ...(refs !== undefined ? { rules: refs } : {}), ...(mode !== undefined ? { mode } : {}) }, resolve, reject });
      this.dispatch();
    });
  }

  /** After a batch ran out of memory or time: which files need more than the limit (see {@link scan}). */
  private async isolate(inputs: readonly InputFile[], options: EngineOptions, refs: RuleRef[] | undefined, cause: OutOf): Promise<ScanResult> {
    const { memoryMb, timeoutMs } = this.settings;
    const findings: Finding[] = [];
    const files: ScannedFile[] = [];
    let budget = MAX_ISOLATION_SCANS;
    // Once a scan ran past the time limit, every further scan may take the whole limit: fewer of them.
    let sawTimeout = false;
    const timedOut = () => ((sawTimeout = true), (budget = Math.min(budget, MAX_TIME_ISOLATION_SCANS)));
    if (cause === 'time') timedOut();
    /** One part's scan: its result, or what it ran out of too (other errors fail the scan). */
    const attempt = async (part: readonly InputFile[], mode?: 'terraform'): Promise<ScanResult | OutOf> => {
      budget--;
      try {
        return await this.submit(part, options, refs, mode);
      } catch (error) {
        if (this.closed) throw error;
        if (error instanceof ScanOutOfMemoryError) return 'memory';
        if (error instanceof ScanTimeoutError) return (timedOut(), 'time');
        throw error;
      }
    };
    const notChecked = (part: readonly InputFile[], why: OutOf, kind?: 'terraform') => {
      for (const input of part) {
        const others = part.length > 1 && kind === undefined ? part.length - 1 : 0;
        findings.push(why === 'time' ? timeLimitFinding(input.path, timeoutMs, options, others) : outOfMemoryFinding(input.path, memoryMb, options, others));
        files.push({ path: input.path, status: 'failed', ...(kind !== undefined ? { kind } : {}) });
      }
    };

    // Each file other than Terraform is scanned on its own in scanFiles, so any split of them gives the same findings.
    const parts: ScanResult[] = [];
    /** `why`: what the larger part this one was cut from ran out of. */
    const halve = async (part: readonly InputFile[], why: OutOf): Promise<void> => {
      if (part.length === 0) return;
      if (budget <= 0) return notChecked(part, why);
      const scanned = await attempt(part);
      if (typeof scanned !== 'string') {
        parts.push(scanned);
        return;
      }
      if (part.length === 1) return notChecked(part, scanned);
      const middle = Math.ceil(part.length / 2);
      await halve(part.slice(0, middle), scanned);
      await halve(part.slice(middle), scanned);
    };
    const terraform = inputs.filter((input) => isTerraformPath(input.path));
    const others = inputs.filter((input) => !isTerraformPath(input.path));
    if (terraform.length > 0) await halve(others, cause);
    // The whole batch ran out already: start from its halves (a batch of one is that one file).
    else if (others.length === 1) notChecked(others, cause);
    else {
      const middle = Math.ceil(others.length / 2);
      await halve(others.slice(0, middle), cause);
      await halve(others.slice(middle), cause);
    }
    // Then the Terraform modules, together (they read each other and the files their file() calls name),
    // with the other files that were scanned as what file() may read. A file they read is not scanned on
    // its own in scanFiles: its own results are dropped.
    const readByTerraform = new Set<string>();
    if (terraform.length > 0) {
      const failed = new Set(files.map((file) => file.path));
      const scanned = budget <= 0 ? (sawTimeout ? 'time' : cause) : await attempt([...terraform, ...others.filter((input) => !failed.has(input.path))], 'terraform');
      if (typeof scanned === 'string') {
        // One evaluation of every module: no smaller part is the same scan. Each module file is not checked.
        notChecked(terraform, scanned, 'terraform');
      } else {
        findings.push(...scanned.findings);
        files.push(...scanned.files);
        for (const file of scanned.files) if (!isTerraformPath(file.path)) readByTerraform.add(file.path);
      }
    }
    for (const part of parts) {
      findings.push(...part.findings.filter((finding) => !readByTerraform.has(finding.file)));
      files.push(...part.files.filter((file) => !readByTerraform.has(file.path)));
    }
    return { findings: findings.sort(compareFindings), files };
  }

  /**
   * Starts every thread now and resolves once each has loaded the engine, so the first checks do not
   * wait for that (a second or so from TypeScript source, less compiled).
   */
  async warm(): Promise<void> {
    while (!this.closed && this.threads.length < this.settings.threads) this.startThread();
    await Promise.all(this.threads.map((thread) => thread.ready));
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      let thread = this.threads.find((candidate) => candidate.task === undefined && candidate.ending === undefined);
      if (thread === undefined && this.threads.length < this.settings.threads) thread = this.startThread();
      if (thread === undefined) return;
      const task = this.waiting.shift()!;
      thread.task = task;
      // The limit counts from when the thread has loaded the engine (a fresh thread takes a second or so, more
      // on a loaded machine), so a scan is not stopped for the thread's start; loading itself is bounded too.
      const arm = () => {
        clearTimeout(thread!.timer);
        thread!.timer = setTimeout(() => this.end(thread!, new ScanTimeoutError(this.settings.timeoutMs)), this.settings.timeoutMs);
      };
      arm();
      void thread.ready.then(() => {
        if (thread!.task === task) arm();
      });
      thread.worker.postMessage(task.request);
    }
  }

  private startThread(): Thread {
    const { entry, eval: isScript } = threadEntry();
    const worker = new Worker(entry, { eval: isScript, resourceLimits: { maxOldGenerationSizeMb: this.settings.memoryMb } });
    let loaded: () => void = () => undefined;
    const thread: Thread = { worker, task: undefined, timer: undefined, ending: undefined, ready: new Promise((resolve) => (loaded = resolve)) };
    this.threads.push(thread);
    worker.unref();
    worker.on('message', (reply: ScanReply | 'ready') => {
      if (reply === 'ready') return loaded();
      const task = thread.task;
      if (task === undefined || task.request.id !== reply.id) return;
      this.settle(thread);
      if (reply.ok) task.resolve(reply.result);
      else task.reject(new Error(reply.message));
      this.dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (thread.ending === undefined) thread.ending = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new ScanOutOfMemoryError(this.settings.memoryMb) : error;
    });
    worker.on('exit', () => {
      loaded();
      const index = this.threads.indexOf(thread);
      if (index >= 0) this.threads.splice(index, 1);
      const task = thread.task;
      this.settle(thread);
      task?.reject(thread.ending ?? new Error('the scan thread stopped before it answered'));
      if (!this.closed) this.dispatch();
    });
    return thread;
  }

  private settle(thread: Thread): void {
    clearTimeout(thread.timer);
    thread.timer = undefined;
    thread.task = undefined;
  }

  private end(thread: Thread, why: Error): void {
    thread.ending = why;
    void thread.worker.terminate();
  }

  /** Ends every thread; scans still running are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.waiting.splice(0)) task.reject(new Error('the scan pool is closed'));
    await Promise.all(this.threads.map((thread) => ((thread.ending = new Error('the scan pool is closed')), thread.worker.terminate())));
  }
}
