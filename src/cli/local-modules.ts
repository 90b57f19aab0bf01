import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { DEFAULT_TERRAFORM_BOUNDS, localCalls, type LocalCall, type TerraformReadBounds, type TerraformReads } from '../app/terraform-reads.js';
import type { FileContent } from '../app/github-gateway.js';
import { isTerraformPath, moduleDirectory, resolveLocalSource } from '../terraform/index.js';
import { MAX_TERRAFORM_FILE_CHARS } from '../terraform/module.js';
import { readBounded } from './collect-files.js';

/** A Terraform file the scan starts from: its absolute path and the path it is scanned under. */
export interface StartFile {
  absolute: string;
  scanPath: string;
  text: string;
}

/** A file of a local module read from disk: where it is, how the CLI shows it and the path it is scanned under. */
export interface ModuleFile {
  absolute: string;
  scanPath: string;
  text: string;
}

export interface LocalModuleRead {
  /** Files of the local modules the scanned directories call, not among the start files. */
  files: ModuleFile[];
  /**
   * What was read and followed, in the shape the app's reads have (paths from `root`), for
   * `unreadModuleFindings`: each local call that was not read becomes a low not-checked finding.
   */
  reads: TerraformReads;
}

/**
 * The CLI reads the local modules (`source = "./…"`, `"../…"`) that the Terraform directories it scans
 * call, as the app does: from disk, inside `root` (the git top-level, or the scanned folder outside
 * git), with the app's bounds (levels, directories, files). A call whose path leaves `root`, a module
 * directory (or a Terraform file in it) that is a symbolic link out of `root`, and a call beyond a bound
 * are not read; the caller turns them into not-checked findings on the call's `source` line.
 * `scanPath(absolute)` gives the path a file is scanned under (for the call findings' file).
 */
export async function readLocalModules(
  root: string,
  start: readonly StartFile[],
  scanPath: (absolute: string) => string,
  bounds: TerraformReadBounds = DEFAULT_TERRAFORM_BOUNDS,
): Promise<LocalModuleRead> {
  const reads: TerraformReads = { files: [], directories: [], notFollowed: [], calls: [], notRead: [], queries: 0 };
  const out: ModuleFile[] = [];
  const realRoot = await realpath(root).catch(() => resolve(root));
  const inside = (path: string) => {
    const rel = relative(realRoot, path);
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel));
  };
  const fromRoot = (absolute: string) => relative(root, absolute).split(sep).join('/');
  // Directory (from root) → its Terraform files, under their scan paths (what localCalls parses).
  const byDirectory = new Map<string, FileContent[]>();
  for (const file of start) {
    if (!isTerraformPath(file.absolute)) continue;
    // Files too large to parse are the engine's to report (file-too-large); their calls are not looked for.
    if (file.text.length > MAX_TERRAFORM_FILE_CHARS) continue;
    const rel = fromRoot(file.absolute);
    if (rel === '..' || rel.startsWith('../')) continue;
    const directory = moduleDirectory(rel);
    if (!byDirectory.has(directory)) byDirectory.set(directory, []);
    byDirectory.get(directory)!.push({ path: file.scanPath, status: 'text', text: file.text });
    reads.files.push({ path: rel, status: 'text', text: '' });
  }
  reads.directories.push(...byDirectory.keys());
  // The folders given are read whole; the bounds are on what is read beyond them (directories, files).
  let modules = 0;
  let moduleFiles = 0;
  let level = [...byDirectory.keys()];
  for (let depth = 1; level.length > 0; depth++) {
    const next: string[] = [];
    for (const directory of level) {
      // Only files with a local source naming a directory not read yet are parsed: a second parse of every
      // file would add half the scan's parse time, and a call into a scanned directory needs no finding.
      const needed = (byDirectory.get(directory) ?? []).filter((file) => file.status === 'text' && localSources(file.text).some((source) => {
        const target = resolveLocalSource(directory, source);
        return target === undefined || !reads.directories.includes(target);
      }));
      const calls: LocalCall[] = localCalls(directory, needed);
      reads.calls.push(...calls);
      for (const call of calls) {
        const called = call.directory;
        if (called === undefined || called === directory || reads.directories.includes(called) || next.includes(called)) continue;
        if (reads.notFollowed.some((entry) => entry.directory === called)) continue;
        const stop =
          depth > bounds.maxModuleDepth
            ? `more than ${bounds.maxModuleDepth} levels of local modules below a scanned directory`
            : modules + next.length >= bounds.maxDirectories
              ? `the scan already reads ${bounds.maxDirectories} module directories`
              : moduleFiles >= bounds.maxFiles
                ? `the scan already reads ${bounds.maxFiles} module files`
                : undefined;
        if (stop === undefined) next.push(called);
        else reads.notFollowed.push({ directory: called, reason: stop });
      }
    }
    const followed: string[] = [];
    for (const directory of next) {
      const read = await readModuleDirectory(resolve(root, directory), inside);
      if (typeof read === 'string') {
        reads.notFollowed.push({ directory, reason: read });
        continue;
      }
      reads.directories.push(directory);
      modules++;
      moduleFiles += read.length;
      const contents: FileContent[] = [];
      for (const file of read) {
        const shown = scanPath(file.absolute);
        out.push({ absolute: file.absolute, scanPath: shown, text: file.text });
        if (file.text.length <= MAX_TERRAFORM_FILE_CHARS) contents.push({ path: shown, status: 'text', text: file.text });
        reads.files.push({ path: fromRoot(file.absolute), status: 'text', text: '' });
      }
      if (contents.length > 0) {
        byDirectory.set(directory, contents);
        followed.push(directory);
      }
    }
    level = followed;
  }
  return { files: out, reads };
}

/**
 * The Terraform files of one module directory, or why it is not read: a directory that resolves (through
 * symbolic links) outside the root, or holds a Terraform file that does, is refused whole. A path with no
 * directory gives no files (the call is then reported as a directory with no Terraform files).
 */
async function readModuleDirectory(absolute: string, inside: (real: string) => boolean): Promise<{ absolute: string; text: string }[] | string> {
  let real: string;
  try {
    real = await realpath(absolute);
  } catch {
    return [];
  }
  if (!inside(real)) return 'a symbolic link to a folder outside the repository, which trustgate does not read';
  if (!(await stat(real)).isDirectory()) return [];
  const files: { absolute: string; text: string }[] = [];
  for (const name of (await readdir(absolute)).sort()) {
    if (!isTerraformPath(name)) continue;
    const full = join(absolute, name);
    let target: string;
    try {
      target = await realpath(full);
    } catch {
      continue;
    }
    if (!inside(target)) return `${name} in it is a symbolic link to a file outside the repository, which trustgate does not read`;
    if (!(await stat(target)).isFile()) continue;
    files.push({ absolute: full, text: await readBounded(full) });
  }
  return files;
}

/**
 * The local sources (`"./…"`, `"../…"`) written in a file, found by their text: a superset of what the
 * parser reads as a module's literal `source` (HCL `source = "…"`, JSON `"source": "…"`).
 */
function localSources(text: string): string[] {
  if (!text.includes('./')) return [];
  return [...text.matchAll(/["\s{,]source"?\s*[=:]\s*"(\.\.?\/[^"]*)"/g)].map((match) => match[1]!);
}
