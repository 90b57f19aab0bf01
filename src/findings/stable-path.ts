import { createHash } from 'node:crypto';
import { getKey, isMap, isSeq, scalarString, toPlain, type SeqNode, type SourceNode } from '../parse/nodes.js';

/**
 * The path of a node as fingerprints see it: like the JSON path, but a list item is named by what it
 * is rather than where it sits, so inserting a statement above or reordering statements keeps every
 * finding's fingerprint. An item is named by its `Sid` (a policy statement), else its `PolicyName` (an
 * inline policy of a role), else a hash of its content; a second item with the same name gets `~2`.
 * Map keys (resource logical ids, property names) are kept as they are: reordering them changes nothing.
 */
export function stablePath(node: SourceNode): string {
  const segments: string[] = [];
  for (let current: SourceNode | undefined = node; current?.parent !== undefined; current = current.parent) {
    const key = current.key;
    if (key === undefined) continue;
    const parent = current.parent;
    if (typeof key === 'number' && isSeq(parent)) segments.push(`[${itemNames(parent)[key] ?? String(key)}]`);
    else if (typeof key === 'number') segments.push(`[${key}]`);
    else segments.push(/^[A-Za-z_][A-Za-z0-9_:-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
  }
  const out = segments.reverse().join('');
  return out.startsWith('.') ? out.slice(1) : out;
}

/** Names of a list's items, computed once per list (every finding under a list passes through it). */
const namesOfLists = new WeakMap<SeqNode, string[]>();

function itemNames(list: SeqNode): string[] {
  const cached = namesOfLists.get(list);
  if (cached !== undefined) return cached;
  const seen = new Map<string, number>();
  const names = list.items.map((item) => {
    const name = itemName(item);
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}~${count}`;
  });
  namesOfLists.set(list, names);
  return names;
}

function itemName(item: SourceNode): string {
  if (isMap(item)) {
    const sid = scalarString(getKey(item, 'Sid'));
    if (sid !== undefined && sid !== '') return `Sid=${sid}`;
    const policyName = scalarString(getKey(item, 'PolicyName'));
    if (policyName !== undefined && policyName !== '') return `PolicyName=${policyName}`;
  }
  return `#${createHash('sha256').update(canonicalJson(toPlain(item))).digest('hex').slice(0, 12)}`;
}

/** JSON with map keys sorted: the order of keys in a statement does not change what it says. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
