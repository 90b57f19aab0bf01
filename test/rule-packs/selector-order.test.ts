import { JSONPath } from 'jsonpath-plus';
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/parse/yaml.js';
import { isSeq, type SourceNode } from '../../src/parse/nodes.js';
import { parseSelector, selectNodes } from '../../src/rule-packs/selector.js';

/**
 * Selectors are evaluated on the SourceNode tree by trustgate itself. jsonpath-plus (a dev dependency now)
 * is the reference: for every selector form and awkward tree shape, both must select the same nodes in
 * the same order.
 */

/** The plain data jsonpath-plus walks: null-prototype objects, the first of duplicate keys winning. */
function plain(node: SourceNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(plain);
  const object = Object.create(null) as Record<string, unknown>;
  for (const entry of node.entries) {
    const key = String(entry.key.value);
    if (!Object.hasOwn(object, key)) object[key] = plain(entry.value);
  }
  return object;
}

/** Walks a JSON pointer (RFC 6901) down the tree; keys compare as text, so `3:` (a number key) is `/3`. */
function nodeAtPointer(scope: SourceNode, pointer: string): SourceNode | undefined {
  let current: SourceNode | undefined = scope;
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (isSeq(current)) current = /^\d+$/.test(key) ? current.items[Number(key)] : undefined;
    else if (current?.kind === 'map') current = current.entries.find((entry) => String(entry.key.value) === key)?.value;
    else current = undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

function reference(scope: SourceNode, canonical: string): SourceNode[] {
  const nodes: SourceNode[] = [];
  JSONPath({
    path: canonical,
    json: plain(scope) as object,
    eval: false,
    resultType: 'pointer',
    wrap: true,
    callback: (pointer: unknown) => {
      const node = typeof pointer === 'string' ? nodeAtPointer(scope, pointer) : undefined;
      if (node !== undefined && !nodes.includes(node)) nodes.push(node);
    },
  });
  return nodes;
}

const TREE = `
Name: top
b: 1
"10": ten
"2": two
3: unquoted number key
a:
  Name: inner
  Items: [x, { Name: in-list }, [ { Name: nested } ], null]
  Tags: { Name: t, "0": zero, Key: k }
Name: duplicate key, ignored
Items:
  - { Name: first, Value: 1 }
  - { Name: second, Value: 2, Deep: { Deeper: { Name: deepest } } }
  - plain
  - { Value: 4 }
"0": { Name: zero-key }
Empty: {}
List: []
Wide: { k01: 1, k02: 2, k03: 3, k04: 4, k05: 5, k06: 6, k07: 7, k08: 8, k09: 9, k10: 10, k11: 11, k12: 12, k13: 13, k14: 14, k15: 15, k16: 16, k17: { Name: wide }, k01: again }
`;

const SELECTORS = [
  '$.Name',
  '$.a.Name',
  "$['a']['Name']",
  '$.Items[0]',
  '$.Items[3].Value',
  '$.Items[9]',
  '$[0]',
  '$[3]',
  '$[2,3,10]',
  '$.a.Tags[0]',
  '$.*',
  '$[*]',
  '$.a.*',
  '$.Items[*].Name',
  '$.Items[*].*',
  '$..Name',
  '$..*',
  '$..[0]',
  '$..Items[*]',
  '$..Deep..Name',
  '$.Items[1:3]',
  '$.Items[-2:]',
  '$.Items[:2]',
  '$.Items[0:0]',
  '$.Items[2:1]',
  '$.Items[-10:-1]',
  '$.a.Items[1:].Name',
  '$[Name,b,a]',
  '$.Items[0,2,9]',
  '$.a[Items,Tags].Name',
  '$.Name.length',
  '$.Items.length',
  '$.Items.Name',
  '$.Empty.*',
  '$.List[*]',
  '$..Empty..*',
  '$.*.*.*',
  '$.Wide.*',
  '$.Wide..Name',
];

describe('selectors evaluated on the node tree', () => {
  const parsed = parseYaml(TREE);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  const root = parsed.root;

  it.each(SELECTORS)('%s selects what jsonpath-plus selects, in its order', (source) => {
    const compiled = parseSelector(source);
    if (!compiled.ok) throw new Error(compiled.message);
    const ours = selectNodes(root, compiled.selector, 10_000);
    expect(ours.stopped).toBeUndefined();
    expect(ours.nodes.map((n) => n.start)).toEqual(reference(root, compiled.selector.canonical).map((n) => n.start));
  });

  it('agrees with jsonpath-plus from inner scopes too (a resource, a list, a scalar)', () => {
    for (const path of ['a', 'Items', 'Name']) {
      const scope = nodeAtPointer(root, `/${path}`)!;
      for (const source of SELECTORS) {
        const compiled = parseSelector(source);
        if (!compiled.ok) throw new Error(compiled.message);
        const expected = scope.kind === 'scalar' ? [] : reference(scope, compiled.selector.canonical);
        expect(selectNodes(scope, compiled.selector, 10_000).nodes, `${source} at /${path}`).toEqual(expected);
      }
    }
  });

  it('stops at the selection limit with what it found first', () => {
    const compiled = parseSelector('$..*');
    if (!compiled.ok) throw new Error(compiled.message);
    const limited = selectNodes(root, compiled.selector, 5);
    expect(limited.stopped).toBe('too-many');
    expect(limited.nodes).toEqual(reference(root, compiled.selector.canonical).slice(0, 5));
  });
});
