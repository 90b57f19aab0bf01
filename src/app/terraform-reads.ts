import { docsUrl } from '../engine/docs-links.js';
import { NOT_CHECKED_RULE } from '../engine/terraform-scan.js';
import { fingerprintOf, type Finding } from '../findings/finding.js';
import type { EngineOptions } from '../model/options.js';
import { SourceFile } from '../parse/source-file.js';
import { codeOrEscaped } from '../reporters/untrusted-text.js';
import { parseHcl } from '../terraform/hcl.js';
import { parseTerraformJson } from '../terraform/json-syntax.js';
import { isTerraformPath, moduleDirectory, resolveLocalSource } from '../terraform/index.js';
import type { CheckTarget, DirectoryContent, FileContent, GitHubGateway } from './github-gateway.js';

/**
 * How far the app follows local module calls from the directories a pull request changed. Every level
 * costs one GraphQL query (its directories are listed and read in it), so the depth bounds the extra
 * reads; directories and files bound what is read and evaluated.
 */
export interface TerraformReadBounds {
  /** Levels of local module calls followed below a changed directory (`../modules/x` is level 1). */
  maxModuleDepth: number;
  /** Directories read per check: the changed ones and the local modules they call. */
  maxDirectories: number;
  /** Terraform files read per check: once reached, no further level is read. */
  maxFiles: number;
}

export const DEFAULT_TERRAFORM_BOUNDS: TerraformReadBounds = { maxModuleDepth: 3, maxDirectories: 40, maxFiles: 500 };

export interface TerraformReads {
  /** Every Terraform file read: those of each changed directory and of the local modules they call. */
  files: FileContent[];
  /** The directories read, in the order they were read (changed ones first, then each level of modules). */
  directories: string[];
  /** Local module directories a call names that were not read, and why. */
  notFollowed: { directory: string; reason: string }[];
  /**
   * Every `module` block with a local source (`./…`, `../…`) in what was read, with where its source is
   * written and the directory it names (`undefined` when the path leaves the repository).
   */
  calls: LocalCall[];
  /** Changed Terraform files left unread because their directory was beyond the directory bound. */
  notRead: string[];
  /**
   * Removed Terraform files whose directory was beyond the directory bound: what the module lost (a
   * deny, a boundary) is not checked, so the check must not pass. Directories the change touches only by
   * removing files are read after the changed ones, so these are the last to go.
   */
  removedNotRead?: string[];
  /** GraphQL queries this took (the first one also read `otherPaths`). */
  queries: number;
  /**
   * With a base commit: the Terraform files of the same directories at the base, for judging what the
   * change adds (a finding of an unchanged `main.tf` that is also on the base is not new).
   */
  base?: FileContent[];
}

/** A `module` block whose source is a local path. */
export interface LocalCall {
  file: SourceFile;
  /** Offsets of the `source` attribute. */
  start: number;
  end: number;
  name: string;
  source: string;
  directory: string | undefined;
}

export interface TerraformReadOptions {
  bounds?: TerraformReadBounds;
  /** Also read the same directories at this commit (the base of the change). */
  baseRef?: string;
  /** Terraform paths the change removed: their directories lost a file, so they are read as changed. */
  removed?: readonly string[];
}

/**
 * Reads, at `ref`, every Terraform file of each directory that holds one of `changed` (Terraform paths),
 * and of the local modules those call, level by level: one GraphQL query per level, the first also
 * carrying `otherPaths` (the pull request's other candidate files), so a check that changes only
 * Terraform with no local modules reads no more than one that changes templates. With `baseRef`, each
 * query also reads the same directories at the base commit (for what the change adds, issue 15), at no
 * extra request. Local calls are found with the Terraform parser (`localModuleDirectories`): only `./…`
 * and `../…` sources inside the repository are followed, and nothing is downloaded or run.
 */
export async function readTerraformDirectories(
  gateway: GitHubGateway,
  target: Pick<CheckTarget, 'owner' | 'repo'>,
  ref: string,
  changed: readonly string[],
  otherPaths: readonly string[],
  { bounds = DEFAULT_TERRAFORM_BOUNDS, baseRef, removed = [] }: TerraformReadOptions = {},
): Promise<{ terraform: TerraformReads; others: FileContent[] }> {
  // Directories with a changed file first: one only losing files (perhaps removed whole) can wait for the bound.
  const changedDirectories = [...new Set(changed.map(moduleDirectory))].sort();
  const wanted = [...changedDirectories, ...[...new Set(removed.map(moduleDirectory))].filter((directory) => !changedDirectories.includes(directory)).sort()];
  const first = wanted.slice(0, bounds.maxDirectories);
  const removedNotRead = removed.filter((path) => !first.includes(moduleDirectory(path)));
  const reads: TerraformReads = {
    files: [],
    directories: [],
    notFollowed: [],
    calls: [],
    notRead: changed.filter((path) => !first.includes(moduleDirectory(path))),
    ...(removedNotRead.length > 0 ? { removedNotRead } : {}),
    queries: 0,
    ...(baseRef !== undefined ? { base: [] } : {}),
  };
  // Symbolic links found by one level; their targets are read in the next query, under the link's path.
  let links: { ref: string; path: string; target: string }[] = [];
  const readLevel = async (directories: readonly string[], files: readonly string[] = []) => {
    const asked = [...directories.map((path) => ({ ref, path })), ...(baseRef !== undefined ? directories.map((path) => ({ ref: baseRef, path })) : [])];
    const following = links;
    links = [];
    const answer = await gateway.readDirectories(target, asked, isTerraformPath, [...files.map((path) => ({ ref, path })), ...following.map((link) => ({ ref: link.ref, path: link.target }))]);
    reads.queries++;
    following.forEach((link, index) => (link.ref === ref ? reads.files : reads.base!).push(throughLink(link.path, answer.files[files.length + index])));
    answer.directories.forEach((directory, index) => {
      if (directory.status !== 'tree') return;
      const at = index < directories.length ? ref : baseRef!;
      for (const link of directory.links ?? []) {
        const resolved = linkTarget(link.path, link.target);
        if (resolved !== undefined) links.push({ ref: at, path: link.path, target: resolved });
        else (at === ref ? reads.files : reads.base!).push({ path: link.path, status: 'unreadable', reason: 'it is a symbolic link to a path outside the repository' });
      }
    });
    for (const directory of answer.directories.slice(directories.length)) if (directory.status === 'tree') reads.base!.push(...directory.files);
    return { level: add(reads, answer.directories.slice(0, directories.length)), files: answer.files.slice(0, files.length) };
  };
  const answer = await readLevel(first, otherPaths);
  let level = answer.level;
  for (let depth = 1; level.length > 0; depth++) {
    const next: string[] = [];
    for (const directory of level) {
      const calls = localCalls(directory.path, directory.files);
      reads.calls.push(...calls);
      for (const call of calls) {
        const called = call.directory;
        if (called === undefined || called === directory.path || reads.directories.includes(called) || next.includes(called)) continue;
        const stop =
          depth > bounds.maxModuleDepth
            ? `more than ${bounds.maxModuleDepth} levels of local modules below a changed directory`
            : reads.directories.length + next.length >= bounds.maxDirectories
              ? `the check already reads ${bounds.maxDirectories} Terraform directories`
              : reads.files.length >= bounds.maxFiles
                ? `the check already reads ${bounds.maxFiles} Terraform files`
                : undefined;
        if (stop === undefined) next.push(called);
        else if (!reads.notFollowed.some((entry) => entry.directory === called)) reads.notFollowed.push({ directory: called, reason: stop });
      }
    }
    if (next.length === 0) break;
    level = (await readLevel(next)).level;
  }
  // Links found by the last level still need their targets: one more query.
  if (links.length > 0) await readLevel([]);
  return { terraform: reads, others: answer.files };
}

/**
 * The repository path a symbolic link at `path` points at (targets are relative to the link's
 * directory, as Git stores them), or `undefined` when it is absolute or leaves the repository.
 */
function linkTarget(path: string, target: string): string | undefined {
  if (target.startsWith('/') || target.includes('\0')) return undefined;
  const segments = moduleDirectory(path) === '' ? [] : moduleDirectory(path).split('/');
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) return undefined;
      segments.pop();
    } else segments.push(segment);
  }
  return segments.length > 0 ? segments.join('/') : undefined;
}

/** What a link's target gave, under the link's own path: Terraform reads the file as part of the link's directory. */
function throughLink(path: string, content: FileContent | undefined): FileContent {
  if (content === undefined || content.status === 'missing') return { path, status: 'unreadable', reason: 'it is a symbolic link to a path with no file at this commit' };
  return { ...content, path };
}

/** The local module calls of one directory's `.tf` and `.tf.json` files; files that do not parse are the engine's to report. */
export function localCalls(directory: string, files: readonly FileContent[]): LocalCall[] {
  const calls: LocalCall[] = [];
  for (const content of files) {
    if (content.status !== 'text') continue;
    const lower = content.path.toLowerCase();
    if (!lower.endsWith('.tf') && !lower.endsWith('.tf.json')) continue;
    const parsed = lower.endsWith('.tf') ? parseHcl(content.text) : parseTerraformJson(content.text);
    if (!parsed.ok) continue;
    const file = new SourceFile(content.path, content.text);
    for (const block of parsed.body.blocks) {
      if (block.type !== 'module' || block.hasError) continue;
      const attribute = block.body.attributes.find((candidate) => candidate.name === 'source');
      if (attribute?.expr.t !== 'lit' || typeof attribute.expr.value !== 'string') continue;
      const source = attribute.expr.value;
      // Registry, git and other remote sources are the engine's to report; only paths are followed here.
      if (!source.startsWith('./') && !source.startsWith('../')) continue;
      calls.push({ file, start: attribute.start, end: attribute.end, name: block.labels[0]?.value ?? '', source, directory: resolveLocalSource(directory, source) });
    }
  }
  return calls;
}

/**
 * A low `not-checked` finding on each local module call whose module this check did not read (a read
 * bound, a path that leaves the repository, a directory with no Terraform files): what such a module
 * creates is not known, and is not passed as safe.
 */
export function unreadModuleFindings(reads: TerraformReads | undefined, options: Pick<EngineOptions, 'rules'>): Finding[] {
  if (reads === undefined || options.rules[NOT_CHECKED_RULE]?.enabled === false) return [];
  const readFiles = new Set(reads.files.map((file) => moduleDirectory(file.path)));
  const findings: Finding[] = [];
  for (const call of reads.calls) {
    const bound = reads.notFollowed.find((entry) => entry.directory === call.directory);
    const why =
      call.directory === undefined
        ? 'a path outside the repository, which trustgate does not read'
        : bound !== undefined
          ? `not read in this check (${bound.reason})`
          : !readFiles.has(call.directory)
            ? 'a directory with no Terraform files at this commit'
            : undefined;
    if (why === undefined) continue;
    const address = `module.${call.name}`;
    const message = `${address} comes from "${call.source}", ${why}: the roles, policies and instances it creates are not checked.`;
    const fingerprint = fingerprintOf({ ruleId: NOT_CHECKED_RULE, file: call.file.path, resource: address, element: call.source });
    findings.push({
      id: fingerprint.slice(0, 12),
      fingerprint,
      ruleId: NOT_CHECKED_RULE,
      category: 'not-checked',
      severity: options.rules[NOT_CHECKED_RULE]?.severity ?? 'low',
      file: call.file.path,
      ...call.file.spanOf(call.start, call.end),
      resource: address,
      message,
      remediation: 'Check the module where it lives: a pull request that changes its files checks it.',
      docs: docsUrl('docs/rules/not-checked.md'),
    });
  }
  return findings;
}

/** Records what one level read; returns its directories that exist, with their files. */
function add(reads: TerraformReads, directories: readonly DirectoryContent[]): Extract<DirectoryContent, { status: 'tree' }>[] {
  const found: Extract<DirectoryContent, { status: 'tree' }>[] = [];
  for (const directory of directories) {
    reads.directories.push(directory.path);
    if (directory.status !== 'tree') continue;
    reads.files.push(...directory.files);
    found.push(directory);
  }
  return found;
}

/**
 * The contents a check scans: the candidate files of the pull request, and, when it changes Terraform,
 * every Terraform file of the changed directories and the local modules they call (read in the same
 * first query as the candidates; with `baseSha`, the same directories at the base too). A changed
 * Terraform file that was not read comes back `unreadable` with the reason, so it blocks instead of
 * passing unseen.
 */
export async function readCheckContents(
  gateway: GitHubGateway,
  target: Pick<CheckTarget, 'owner' | 'repo' | 'headSha'>,
  candidates: readonly string[],
  terraform: readonly string[],
  { bounds = DEFAULT_TERRAFORM_BOUNDS, baseSha, removed = [] }: { bounds?: TerraformReadBounds; baseSha?: string; removed?: readonly string[] } = {},
): Promise<{ contents: FileContent[]; terraform?: TerraformReads }> {
  if (terraform.length === 0 && removed.length === 0) return { contents: candidates.length > 0 ? await gateway.readFiles(target, target.headSha, candidates) : [] };
  const read = await readTerraformDirectories(gateway, target, target.headSha, terraform, candidates, { bounds, removed, ...(baseSha !== undefined ? { baseRef: baseSha } : {}) });
  const contents = [...read.others, ...read.terraform.files];
  const seen = new Set(read.terraform.files.map((file) => file.path));
  const beyond = new Set(read.terraform.notRead);
  for (const path of terraform) {
    if (seen.has(path)) continue;
    const reason = beyond.has(path)
      ? `the pull request changes Terraform in more than ${bounds.maxDirectories} directories, and a check reads at most that many`
      : `GitHub listed no such file in its directory at ${target.headSha.slice(0, 12)}`;
    contents.push({ path, status: 'unreadable', reason });
  }
  return { contents, terraform: read.terraform };
}

/**
 * The blocking problem of a check that could not read every directory the pull request removed Terraform
 * files from (the directory bound), or `undefined`. Paths come from the pull request: shown as inert text.
 */
export function removedNotReadProblem(reads: TerraformReads | undefined, bounds: TerraformReadBounds = DEFAULT_TERRAFORM_BOUNDS): string | undefined {
  const paths = reads?.removedNotRead ?? [];
  if (paths.length === 0) return undefined;
  const directories = [...new Set(paths.map(moduleDirectory))];
  const shown = directories.slice(0, 5).map((directory) => codeOrEscaped(directory === '' ? '.' : directory));
  const more = directories.length > shown.length ? ` and ${directories.length - shown.length} more` : '';
  return `The pull request changes Terraform in more than ${bounds.maxDirectories} directories, and a check reads at most that many: what removing files changes in ${shown.join(', ')}${more} is not checked.`;
}

/**
 * A note for the check run's summary naming the local modules a bound kept the check from reading, or
 * `undefined` when every one was read. Directory names come from the pull request: shown as inert text.
 */
export function terraformReadNote(reads: TerraformReads | undefined): string | undefined {
  if (reads === undefined || reads.notFollowed.length === 0) return undefined;
  const shown = reads.notFollowed.slice(0, 10).map((entry) => `- ${codeOrEscaped(entry.directory === '' ? '.' : entry.directory)}: ${entry.reason}`);
  const more = reads.notFollowed.length > shown.length ? [`- and ${reads.notFollowed.length - shown.length} more`] : [];
  return ['**Terraform modules not read.** What these local modules create is not checked:', ...shown, ...more].join('\n');
}
