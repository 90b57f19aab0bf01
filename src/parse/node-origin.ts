import type { SourceNode } from './nodes.js';
import type { SourceFile } from './source-file.js';

/**
 * The file a node was written in, for documents built from several files (a Terraform module is one
 * document over all the `.tf` files of its directory). Nodes without an entry, and their descendants,
 * belong to the document's own file.
 */
const origins = new WeakMap<SourceNode, SourceFile>();

export function setOrigin(node: SourceNode, file: SourceFile): void {
  origins.set(node, file);
}

/** The file of the node or of its nearest ancestor that has one; `undefined` for single-file documents. */
export function originOf(node: SourceNode): SourceFile | undefined {
  for (let current: SourceNode | undefined = node; current !== undefined; current = current.parent) {
    const file = origins.get(current);
    if (file !== undefined) return file;
  }
  return undefined;
}
