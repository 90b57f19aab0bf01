import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { isCandidatePath } from '../parse/classify.js';
import { decodeFileBytes } from '../parse/decode-text.js';
import { MAX_FILE_BYTES } from '../parse/limits.js';
import type { InputFile } from '../engine/scan.js';
import { isTerraformPath } from '../terraform/index.js';

/**
 * Folders a walk does not enter: git's own data, installed dependencies and Terraform's provider cache,
 * none of which a repository deploys. Build output (`cdk.out`, `.aws-sam`, `dist`) is read: it is what
 * `cdk deploy` and `sam deploy` send to CloudFormation. Anything else is left out with `exclude`.
 */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', '.terraform']);

export type CollectResult = { ok: true; files: InputFile[]; namedFiles: string[] } | { ok: false; error: string };

/**
 * Reads the files named on the command line. A folder is walked recursively and its files are
 * reported relative to it; a file is reported as given (a Terraform file with the other Terraform files
 * of its directory: the module). Only candidate names (YAML, JSON, .template, .tf, .tf.json, tfvars)
 * are read, and files over the size limit are passed with a stub so the engine reports them.
 */
export async function collectFiles(paths: readonly string[]): Promise<CollectResult> {
  const files: InputFile[] = [];
  // Paths (as in `files`) of the files named one by one: each must be one trustgate reads.
  const namedFiles: string[] = [];
  for (const given of paths) {
    let info;
    try {
      info = await stat(given);
    } catch {
      return { ok: false, error: `${given}: no such file or folder` };
    }
    if (info.isDirectory()) {
      const wanted = (await walk(given)).map((absolute) => ({ absolute, path: relative(given, absolute).split(sep).join('/') })).filter(({ path }) => isCandidatePath(path) || isTerraformPath(path));
      const texts = await inOrder(wanted, ({ absolute }) => readBounded(absolute));
      wanted.forEach(({ path }, index) => files.push({ path, text: texts[index]! }));
    } else {
      const path = given.split(sep).join('/');
      if (isTerraformPath(path)) {
        // A Terraform module is its directory: the other .tf and tfvars files beside it are read too.
        const dir = dirname(given);
        for (const name of (await readdir(dir)).sort()) {
          const sibling = join(dir, name);
          if (isTerraformPath(name) && (await stat(sibling)).isFile() && !files.some((file) => file.path === sibling.split(sep).join('/'))) {
            files.push({ path: sibling.split(sep).join('/'), text: await readBounded(sibling) });
          }
        }
        continue;
      }
      files.push({ path: isCandidatePath(path) ? path : basename(path).endsWith('.json') ? path : path, text: await readBounded(given) });
      namedFiles.push(path);
    }
  }
  return { ok: true, files, namedFiles };
}

/** The files below `dir`, sorted by name at every level; sibling folders are listed at the same time. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  const below = await Promise.all(
    entries.map((entry) => {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) return SKIPPED_DIRECTORIES.has(entry.name) ? [] : walk(full);
      return entry.isFile() ? [full] : [];
    }),
  );
  return below.flat();
}

/**
 * `read` of every item, at most {@link READS_AT_ONCE} at a time, results in the items' order: one read
 * after another waits for the disk (through libuv's threads) once per file, which for a few hundred files
 * was a tenth of a scan.
 */
async function inOrder<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const reader = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await read(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_AT_ONCE, items.length) }, reader));
  return results;
}

const READS_AT_ONCE = 16;

/** Oversized files are not read whole: the engine only needs to know they are too large. */
export async function readBounded(path: string): Promise<string> {
  const info = await stat(path);
  // Decoded as AWS tools read it: UTF-16 by its byte order mark, else UTF-8 (src/parse/decode-text.ts).
  if (info.size <= MAX_FILE_BYTES) return decodeFileBytes(await readFile(path));
  const handle = await (await import('node:fs/promises')).open(path);
  try {
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
