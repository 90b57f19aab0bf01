import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The directory holding trustgate's package.json and data/, found from this module's location so it
 * works both from src/ (tsx, vitest) and from dist/src/ (the built package).
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'data')))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('trustgate: cannot find the package root (package.json beside data/)');
    dir = parent;
  }
  return (root = dir);
}
