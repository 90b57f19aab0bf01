import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceNode } from '../../src/parse/nodes.js';

/** A parsed tree without parent links: kind, value, offsets and keys, in order (for comparing two readers). */
export function shape(node: SourceNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return ['scalar', Object.is(node.value, -0) ? '-0' : node.value, node.start, node.end];
    case 'seq':
      return ['seq', node.start, node.end, node.items.map(shape)];
    case 'map':
      return ['map', node.start, node.end, node.entries.map((entry) => [shape(entry.key), shape(entry.value)])];
  }
}

/** Files under a folder (recursively, in sorted order) whose names match `pattern`. */
export function filesUnder(directory: string, pattern: RegExp): string[] {
  const found: string[] = [];
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) found.push(...filesUnder(path, pattern));
    else if (pattern.test(name)) found.push(path);
  }
  return found;
}
