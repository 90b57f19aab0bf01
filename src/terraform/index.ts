/**
 * Terraform support: the one entry point the engine, the CLI and the app use.
 *
 * The unit is the module = directory. `scanFiles` (src/engine/scan.ts) groups every Terraform file of
 * its inputs by directory and reads each directory as one module through {@link readTerraformModule};
 * findings land on the `.tf` file and line where the value is written. Callers therefore pass every
 * Terraform file of a directory whose files changed (and of the local modules it calls, see
 * {@link localModuleDirectories}) in the inputs of `scanFiles`; nothing else is needed.
 */
import { posix } from 'node:path';
import { parseHcl } from './hcl.js';
import { isTerraformPath, resolveLocalSource } from './paths.js';

export { readTerraformModule, type ReadOptions, type TerraformModule, type TerraformProblem, type Unchecked } from './module.js';
export { hclUnavailable } from './hcl.js';

export interface TerraformInput {
  /** Path relative to the repository or scanned root, `/`-separated. */
  path: string;
  text: string;
}

export { isTerraformPath, isTfvarsPath } from './paths.js';

/** The module (directory) a Terraform file belongs to: `modules/iam` for `modules/iam/main.tf`, `` at the root. */
export function moduleDirectory(path: string): string {
  const dir = posix.dirname(path);
  return dir === '.' ? '' : dir;
}

/** Terraform inputs grouped by directory, in first-seen order. */
export function groupByModule<T extends TerraformInput>(inputs: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const input of inputs) {
    if (!isTerraformPath(input.path)) continue;
    const dir = moduleDirectory(input.path);
    let group = groups.get(dir);
    if (group === undefined) groups.set(dir, (group = []));
    group.push(input);
  }
  return groups;
}

/** At most this many local module directories are followed from one module. */
export const MAX_LOCAL_MODULES = 16;

/**
 * The directories of the local modules (`source = "./…"` or `"../…"`) the `.tf` files of one directory
 * call, normalised relative to the repository root. Sources that leave the repository, registry and
 * git sources are not returned (they are reported as not checked by the engine). Files that do not
 * parse are skipped here; the engine reports them.
 */
export function localModuleDirectories(dir: string, files: readonly TerraformInput[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    if (!file.path.toLowerCase().endsWith('.tf')) continue;
    const parsed = parseHcl(file.text);
    if (!parsed.ok) continue;
    for (const block of parsed.body.blocks) {
      if (block.type !== 'module' || block.hasError) continue;
      const source = block.body.attributes.find((attribute) => attribute.name === 'source')?.expr;
      if (source?.t !== 'lit' || typeof source.value !== 'string') continue;
      const target = resolveLocalSource(dir, source.value);
      if (target !== undefined && !out.includes(target) && out.length < MAX_LOCAL_MODULES) out.push(target);
    }
  }
  return out;
}

export { resolveLocalSource } from './paths.js';
