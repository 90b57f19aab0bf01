import { FILE_TOO_LARGE_RULE, scanFiles, type InputFile, type ScanResult } from '../engine/scan.js';
import type { Baseline } from '../findings/baseline.js';
import type { EngineOptions } from '../model/options.js';
import { codeOrEscaped } from '../reporters/untrusted-text.js';
import type { Rule } from '../rules/types.js';
import type { ChangedFile, FileContent, GitHubGateway, RevisionRead } from './github-gateway.js';

/** The engine step a check runs (in a worker thread on the server). */
type BaseScan = (...input: Parameters<typeof scanFiles>) => ScanResult | Promise<ScanResult>;

/** A changed file's head path and the path of its base version (its old name when renamed). */
interface BasePair {
  head: string;
  base: string;
  /** A file the change deletes: its base findings are all fixed, and nothing about it is "judged whole". */
  removed?: true;
}

/**
 * The base versions of a check's changed files, read in the same GraphQL queries as the head versions:
 * {@link BaseReads.attach} wraps the gateway so that the check's read of the head contents carries
 * the base reads too (one batch of `head:path` and `base:path` expressions), and
 * {@link BaseReads.baseline} scans what came back. When the head is read with Terraform directories
 * (readDirectories), the base versions ride in that first query the same way.
 */
export class BaseReads {
  private contents: Promise<FileContent[]> | undefined;
  /** The base versions of the Terraform directories read (terraform-reads.ts reads them with the head's). */
  private readonly terraform: InputFile[] = [];
  private computed: Promise<Baseline & { inputs: InputFile[] }> | undefined;

  private constructor(
    private readonly baseSha: string | undefined,
    private readonly pairs: readonly BasePair[],
    /** Changed files whose base cannot be compared, with the reason. */
    private readonly unknown: ReadonlyMap<string, string>,
  ) {}

  /**
   * Plans the reads: every candidate that existed before the change (not `added`), under its old name
   * when renamed, and every candidate path the change deletes (its findings at the base are fixed).
   * Without a base commit nothing can be compared: every finding is new, and the summary says so.
   */
  static plan(candidates: readonly ChangedFile[], baseSha: string | undefined, deleted: readonly string[] = []): BaseReads {
    if (baseSha === undefined) {
      const why = 'the base commit of this change is not known, so its files are judged whole';
      return new BaseReads(undefined, [], new Map(candidates.map((file) => [file.path, why])));
    }
    const pairs: BasePair[] = candidates.filter((file) => file.status !== 'added').map((file) => ({ head: file.path, base: file.previousPath ?? file.path }));
    const kept = new Set(pairs.map((pair) => pair.head));
    for (const path of new Set(deleted)) if (!kept.has(path)) pairs.push({ head: path, base: path, removed: true });
    return new BaseReads(baseSha, pairs, new Map());
  }

  /** A gateway whose first read of head contents also reads the base versions, in the same queries. */
  attach(gateway: GitHubGateway, headSha: string): GitHubGateway {
    const reads = this;
    return Object.create(gateway, {
      readFiles: {
        value: async (target: Parameters<GitHubGateway['readFiles']>[0], ref: string, paths: readonly string[]): Promise<FileContent[]> => {
          if (reads.contents !== undefined || reads.baseSha === undefined || reads.pairs.length === 0 || ref !== headSha) return gateway.readFiles(target, ref, paths);
          const baseReads: RevisionRead[] = reads.pairs.map((pair) => ({ ref: reads.baseSha!, path: pair.base }));
          const all = gateway.readRevisions(target, [...paths.map((path) => ({ ref, path })), ...baseReads]);
          reads.contents = all.then((contents) => contents.slice(paths.length));
          // A failed read fails the check through the head read; the base promise must not go unhandled.
          reads.contents.catch(() => undefined);
          return (await all).slice(0, paths.length);
        },
      },
      readDirectories: {
        value: async (...[target, directories, select, files = []]: Parameters<GitHubGateway['readDirectories']>) => {
          if (reads.contents !== undefined || reads.baseSha === undefined || reads.pairs.length === 0) return gateway.readDirectories(target, directories, select, files);
          const baseReads: RevisionRead[] = reads.pairs.map((pair) => ({ ref: reads.baseSha!, path: pair.base }));
          const all = gateway.readDirectories(target, directories, select, [...files, ...baseReads]);
          reads.contents = all.then((answer) => answer.files.slice(files.length));
          reads.contents.catch(() => undefined);
          const answer = await all;
          return { directories: answer.directories, files: answer.files.slice(0, files.length) };
        },
      },
    }) as GitHubGateway;
  }

  /** Adds the base versions of the Terraform directories the check read: they are scanned with the other base files. */
  addTerraformBase(contents: readonly FileContent[] | undefined): void {
    for (const content of contents ?? []) if (content.status === 'text') this.terraform.push({ path: content.path, text: content.text });
  }

  /**
   * The findings of the base versions, under the head paths (a renamed file is compared with its old
   * self), and the files whose base could not be used with the reason. Reads the base now if the
   * head read did not carry it.
   */
  baseline(
    gateway: GitHubGateway,
    target: Parameters<GitHubGateway['readFiles']>[0],
    headPaths: ReadonlySet<string>,
    options: EngineOptions,
    rules: readonly Rule[] | undefined,
    scan: BaseScan = scanFiles,
  ): Promise<Baseline & { inputs: InputFile[] }> {
    // Asked by Access Analyzer's CheckNoNewAccess and by the classification: read and scanned once.
    this.computed ??= this.compute(gateway, target, headPaths, options, rules, scan);
    return this.computed;
  }

  private async compute(
    gateway: GitHubGateway,
    target: Parameters<GitHubGateway['readFiles']>[0],
    headPaths: ReadonlySet<string>,
    options: EngineOptions,
    rules: readonly Rule[] | undefined,
    scan: BaseScan,
  ): Promise<Baseline & { inputs: InputFile[] }> {
    const unavailable = new Map(this.unknown);
    // A deleted file has no head to scan: its base is read and scanned all the same (its findings are fixed).
    const pairs = this.pairs.filter((pair) => pair.removed === true || headPaths.has(pair.head));
    if (this.baseSha === undefined || (pairs.length === 0 && this.terraform.length === 0)) return { findings: [], unavailable, inputs: [] };
    const baseSha = this.baseSha;
    const read = this.contents ?? (pairs.length > 0 ? gateway.readRevisions(target, pairs.map((pair) => ({ ref: baseSha, path: pair.base }))) : Promise.resolve([]));
    const contents = await read;
    const byBasePath = new Map<string, FileContent>();
    // The piggybacked read covers every planned pair; pick the ones whose head was scanned.
    const planned = this.contents !== undefined ? this.pairs : pairs;
    planned.forEach((pair, index) => {
      const content = contents[index];
      if (content !== undefined) byBasePath.set(pair.head, content);
    });
    const inputs: InputFile[] = [];
    const short = baseSha.slice(0, 12);
    for (const pair of pairs) {
      const content = byBasePath.get(pair.head);
      // Nothing of a deleted file is judged: a base that cannot be read only means no fixed findings from it.
      if (pair.removed === true) {
        if (content?.status === 'text') inputs.push({ path: pair.head, text: content.text });
        continue;
      }
      // Paths are written by whoever opened the pull request: shown as inert text only.
      const name = pair.base === pair.head ? codeOrEscaped(pair.head) : `${codeOrEscaped(pair.base)} (now ${codeOrEscaped(pair.head)})`;
      if (content === undefined || content.status === 'missing') unavailable.set(pair.head, `${name} was not found at the base commit ${short}`);
      else if (content.status === 'text') inputs.push({ path: pair.head, text: content.text });
      else if (content.status === 'too-large') unavailable.set(pair.head, `${name} is too large to read at the base commit ${short}`);
      else if (content.status === 'unreadable') unavailable.set(pair.head, `${name} could not be read at the base commit ${short} (${content.reason})`);
      else unavailable.set(pair.head, `${name} is binary at the base commit ${short}`);
    }
    // A Terraform module is judged whole, so its base is the whole directory at the base commit.
    inputs.push(...this.terraform);
    // The check's own engine step (the server runs it in worker threads, off the event loop).
    const scanned = await scan(inputs, options, rules);
    const removed = new Set(pairs.filter((pair) => pair.removed === true).map((pair) => pair.head));
    // A base the scan could not finish (it ran out of the scan thread's memory: scan-pool.ts) is not a syntax error.
    const notChecked = new Set(scanned.findings.filter((finding) => finding.ruleId === FILE_TOO_LARGE_RULE).map((finding) => finding.file));
    for (const file of scanned.files) {
      if (file.status !== 'failed' || removed.has(file.path)) continue;
      unavailable.set(file.path, notChecked.has(file.path) ? `the base version of ${codeOrEscaped(file.path)} (at ${short}) could not be checked (too large)` : `the base version of ${codeOrEscaped(file.path)} (at ${short}) does not parse`);
    }
    return { findings: scanned.findings, unavailable, inputs };
  }
}
