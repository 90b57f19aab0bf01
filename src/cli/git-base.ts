import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import type { InputFile } from '../engine/scan.js';
import { MAX_FILE_BYTES } from '../parse/limits.js';
import { decodeFileBytes } from '../parse/decode-text.js';
import type { TerraformReads } from '../app/terraform-reads.js';
import { isTerraformPath } from '../terraform/index.js';
import { collectFiles, type CollectResult } from './collect-files.js';
import { readLocalModules } from './local-modules.js';

const run = promisify(execFile);

/**
 * Git for the CLI, never through a shell: `execFile('git', [...])` with every value its own argument,
 * and nothing checked out or executed. Used to make paths relative to the repository root (so the
 * CLI's finding ids equal the app's, wherever the scan starts) and to read base versions with
 * `git show <ref>:<path>` for `trustgate scan --base <git-ref>`.
 */

/** The repository root holding `path` (a file or folder), or `undefined` outside a repository or without git. */
export async function repositoryRoot(path: string): Promise<string | undefined> {
  let dir = resolve(path);
  try {
    if (!(await stat(dir)).isDirectory()) dir = dirname(dir);
    const { stdout } = await run('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { encoding: 'utf8' });
    const root = stdout.trim();
    return root === '' ? undefined : root;
  } catch {
    return undefined;
  }
}

export interface CollectedInRepository {
  collected: CollectResult;
  /** Display path (as the CLI reports files) → the path from the repository root, when in one. */
  repositoryPath: Map<string, { root: string; path: string }>;
  /** Each folder scanned inside a repository: its root and its path from there (`''` for the root, else ending in `/`). */
  folders: ScannedFolder[];
  /** For each path given: the local modules its Terraform directories call, what was read and what not (`readLocalModules`). */
  moduleReads: TerraformReads[];
}

export interface ScannedFolder {
  root: string;
  prefix: string;
  /**
   * A path given on the command line that is gone from the working tree but is at the `--base` ref:
   * `'folder'` (every file of it at the ref is deleted) or `'file'` (`prefix` is then that file's path
   * from the root, `shownAs` the path as given).
   */
  removed?: 'folder' | 'file';
  shownAs?: string;
}

/**
 * Collects the files of each given path as {@link collectFiles} does, and finds for each file its path
 * from the root of the git repository that holds it. Display paths stay as they were (relative to a
 * scanned folder, or as given): the JSON contract does not change, only the fingerprints.
 */
export async function collectInRepository(paths: readonly string[], { baseRef }: { baseRef?: string } = {}): Promise<CollectedInRepository> {
  const repositoryPath = new Map<string, { root: string; path: string }>();
  const files: InputFile[] = [];
  const namedFiles: string[] = [];
  const folders: ScannedFolder[] = [];
  const moduleReads: TerraformReads[] = [];
  for (const given of paths) {
    // With --base <git-ref>, a folder or file the change removed is scanned as it was: its findings are fixed.
    const removed = baseRef !== undefined ? await removedAtRef(given, baseRef) : undefined;
    if (removed !== undefined) {
      folders.push(removed);
      continue;
    }
    const collected = await collectFiles([given]);
    if (!collected.ok) return { collected, repositoryPath, folders, moduleReads };
    files.push(...collected.files);
    namedFiles.push(...collected.namedFiles);
    const root = await repositoryRoot(given);
    const isDirectory = (await stat(given)).isDirectory();
    // Local modules the scanned Terraform directories call, read from disk inside the repository (outside
    // git, inside the scanned folder), as the app reads them; display paths relative to the folder given.
    const display = (absolute: string) => (isDirectory ? relative(resolve(given), absolute) : isAbsolute(given) ? absolute : relative(resolve('.'), absolute)).split(sep).join('/');
    const boundary = root ?? (isDirectory ? resolve(given) : dirname(resolve(given)));
    const scanPath = (absolute: string) => (root !== undefined ? relative(root, absolute).split(sep).join('/') : display(absolute));
    const absoluteOf = (path: string) => (isDirectory ? resolve(given, path) : resolve(path));
    const start = collected.files.filter((file) => isTerraformPath(file.path)).map((file) => ({ absolute: absoluteOf(file.path), scanPath: scanPath(absoluteOf(file.path)), text: file.text }));
    if (start.length > 0) {
      const modules = await readLocalModules(boundary, start, scanPath);
      moduleReads.push(modules.reads);
      for (const module of modules.files) {
        const shown = display(module.absolute);
        if (files.some((file) => file.path === shown)) continue;
        files.push({ path: shown, text: module.text });
        if (root !== undefined) repositoryPath.set(shown, { root, path: module.scanPath });
      }
    }
    if (root === undefined) continue;
    if (isDirectory) {
      const prefix = relative(root, resolve(given)).split(sep).join('/');
      if (prefix !== '..' && !prefix.startsWith('../')) folders.push({ root, prefix: prefix === '' ? '' : `${prefix}/` });
    }
    for (const file of collected.files) {
      const absolute = isDirectory ? resolve(given, file.path) : resolve(file.path);
      const fromRoot = relative(root, absolute).split(sep).join('/');
      if (fromRoot.startsWith('../') || fromRoot === '..') continue;
      repositoryPath.set(file.path, { root, path: fromRoot });
    }
  }
  return { collected: { ok: true, files, namedFiles }, repositoryPath, folders, moduleReads };
}

/**
 * The path `given` as a folder or file the working tree no longer has but `ref` has (as
 * `git cat-file -t <ref>:<path>` says, from the repository that holds its nearest existing parent),
 * or `undefined` when it exists, is in no repository, or is at the ref neither.
 */
async function removedAtRef(given: string, ref: string): Promise<ScannedFolder | undefined> {
  if (ref.startsWith('-') || ref.trim() === '') return undefined;
  try {
    await stat(given);
    return undefined;
  } catch {
    // Gone from the working tree: perhaps removed since the ref.
  }
  let parent = dirname(resolve(given));
  for (;;) {
    try {
      if ((await stat(parent)).isDirectory()) break;
    } catch {
      // Not there either: one level up.
    }
    if (dirname(parent) === parent) return undefined;
    parent = dirname(parent);
  }
  const root = await repositoryRoot(parent);
  if (root === undefined) return undefined;
  const fromRoot = relative(root, resolve(given)).split(sep).join('/');
  if (fromRoot === '' || fromRoot === '..' || fromRoot.startsWith('../')) return undefined;
  try {
    const { stdout } = await run('git', ['-C', root, 'cat-file', '-t', `${ref}:${fromRoot}`], { encoding: 'utf8' });
    const type = stdout.trim();
    if (type === 'tree') return { root, prefix: `${fromRoot}/`, removed: 'folder' };
    if (type === 'blob') return { root, prefix: fromRoot, removed: 'file', shownAs: given.split(sep).join('/') };
  } catch {
    // Not at the ref: the path is a mistake, reported as it is without --base.
  }
  return undefined;
}

export type BaseRead = { ok: true; files: Map<string, string>; missing: Set<string>; unreadable: Map<string, string> } | { ok: false; error: string };

/**
 * Reads `paths` (from the repository root) as they are at `ref` with `git show <ref>:<path>`. A path
 * that does not exist at `ref` is `missing` (the file is new); a ref git does not know is an error.
 */
export async function readAtRef(root: string, ref: string, paths: readonly string[]): Promise<BaseRead> {
  // A value starting with `-` would be read by git as an option.
  if (ref.startsWith('-') || ref.trim() === '') return { ok: false, error: `--base: "${ref}" is not a git ref` };
  try {
    await run('git', ['-C', root, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { encoding: 'utf8' });
  } catch {
    return { ok: false, error: `--base: "${ref}" is neither a folder nor a commit git knows in ${root}` };
  }
  const files = new Map<string, string>();
  const missing = new Set<string>();
  const unreadable = new Map<string, string>();
  const queue = [...paths];
  const worker = async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      try {
        const { stdout } = await run('git', ['-C', root, 'show', `${ref}:${path}`], { encoding: 'buffer', maxBuffer: MAX_FILE_BYTES + 1024 });
        files.set(path, decodeFileBytes(new Uint8Array(stdout)));
      } catch (error) {
        const stderr = String((error as { stderr?: Buffer | string }).stderr ?? '');
        if (/does not exist|exists on disk, but not in/.test(stderr)) missing.add(path);
        else unreadable.set(path, stderr.trim().split('\n')[0] || (error instanceof Error ? error.message : String(error)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, paths.length) }, worker));
  return { ok: true, files, missing, unreadable };
}

/**
 * Files renamed since `ref` in the working tree (tracked or staged), new path → path at `ref`, as
 * `git diff -M --name-status` finds them; empty when git cannot tell. A renamed file is compared with
 * its previous path, as the app does.
 */
export async function renamesSince(root: string, ref: string): Promise<Map<string, string>> {
  return (await changesSince(root, ref)).renames;
}

/**
 * What `git diff -M --name-status <ref>` says about the working tree: renames (new path → path at
 * `ref`) and the paths at `ref` that are gone (deleted, not renamed). Empty when git cannot tell.
 */
export async function changesSince(root: string, ref: string): Promise<{ renames: Map<string, string>; deleted: string[] }> {
  const renames = new Map<string, string>();
  const deleted: string[] = [];
  if (ref.startsWith('-')) return { renames, deleted };
  try {
    const { stdout } = await run('git', ['-C', root, 'diff', '-M', '--name-status', '-z', ref, '--'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const parts = stdout.split('\0');
    for (let index = 0; index < parts.length; ) {
      const status = parts[index++] ?? '';
      if (status.startsWith('R') || status.startsWith('C')) {
        const before = parts[index++];
        const after = parts[index++];
        if (status.startsWith('R') && before !== undefined && after !== undefined) renames.set(after, before);
      } else if (status.startsWith('D')) {
        const path = parts[index++];
        if (path !== undefined) deleted.push(path);
      } else if (status !== '') index++;
    }
  } catch {
    // No rename information: each file is compared with the same path.
  }
  return { renames, deleted };
}
