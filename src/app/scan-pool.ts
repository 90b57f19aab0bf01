import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { scanFiles, type InputFile, type ScanResult } from '../engine/scan.js';
import { withDefaults, type EngineOptions } from '../model/options.js';
import { ALL_RULES } from '../rules/index.js';
import type { Rule } from '../rules/types.js';
import { customRuleSource, type CustomRuleSource } from '../rule-packs/custom-rules.js';

/**
 * Scans off the event loop: the server's checks run the engine in worker threads, each with a memory
 * limit (V8's `resourceLimits`), so webhooks, health checks and the queue's lock renewals are answered
 * while a large template is checked, and a runaway scan is stopped and reported instead of taking the
 * process down:
 *
 * - a thread that runs out of memory is ended by V8 and replaced; the check fails closed with
 *   {@link ScanOutOfMemoryError}, which says so;
 * - a scan that runs past `timeoutMs` is ended the same way, with {@link ScanTimeoutError}.
 *
 * The thread is src/app/scan-thread.ts compiled (dist/src/app/scan-thread.js), or the TypeScript source
 * when the server itself runs from source through tsx (the tests): see {@link threadEntry}.
 */
export interface ScanPoolSettings {
  /** Threads at most (each scans one check at a time). */
  threads: number;
  /** Old-generation heap of one thread, in MB. */
  memoryMb: number;
  /** A scan running longer than this is stopped. */
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

/** A rule as a thread can find it again: a built-in rule by id, a custom rule by its source. */
export type RuleRef = { kind: 'built-in'; id: string } | ({ kind: 'custom' } & CustomRuleSource);

export interface ScanRequest {
  id: number;
  inputs: readonly InputFile[];
  options: EngineOptions;
  /** Absent: every built-in rule. */
  rules?: RuleRef[];
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

  /** The engine's scanFiles, in a thread. Rejects with ScanOutOfMemoryError or ScanTimeoutError. */
  scan = (inputs: readonly InputFile[], partialOptions: Partial<EngineOptions> = {}, rules?: readonly Rule[]): Promise<ScanResult> => {
    const options = withDefaults(partialOptions);
    const refs = ruleRefs(rules);
    // Rules made in this process by other means (tests, embedding) cannot cross: scanned here.
    if (refs === 'in-process') return Promise.resolve(scanFiles(inputs, options, rules));
    if (this.closed) return Promise.reject(new Error('the scan pool is closed'));
    return new Promise<ScanResult>((resolve, reject) => {
      this.waiting.push({ request: { id: this.nextId++, inputs, options, ...(refs !== undefined ? { rules: refs } : {}) }, resolve, reject });
      this.dispatch();
    });
  };

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
      thread.timer = setTimeout(() => this.end(thread, new ScanTimeoutError(this.settings.timeoutMs)), this.settings.timeoutMs);
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
