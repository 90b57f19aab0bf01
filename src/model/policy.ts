import { getKey, getKeyIgnoreCase, isMap, isScalar, isSeq, type SourceNode } from '../parse/nodes.js';
import { originOf } from '../parse/node-origin.js';
import type { SourceFile } from '../parse/source-file.js';
import { intrinsicOf, IntrinsicResolver, type ResolvedValue } from './intrinsics.js';
import { parsePolicyText } from './policy-text.js';
import type { Resource } from './template.js';

/**
 * What a policy document governs. `identity`: what its principals may do; `trust`: who may assume a
 * role; `resource`: who may reach a resource; `scp`: an organisation's guard rail.
 */
export type PolicyKind = 'identity' | 'trust' | 'resource' | 'scp';

export interface PolicyOwner {
  /** The resource that holds the document; absent for a plain policy file. */
  resource?: Resource;
  /** A human name: `Role MyRole, policy "read-logs"` or the file name. */
  label: string;
}

export interface PolicyDocument {
  kind: PolicyKind;
  file: SourceFile;
  /** The document map (`Version`, `Statement`); for a policy written as a JSON string, its parse. */
  node: SourceNode;
  owner: PolicyOwner;
  /** The policy's own name (inline `PolicyName`, `ManagedPolicyName`), when it has one. */
  name?: string;
  /** For resource policies: the CloudFormation type of what it protects (Access Analyzer's resource type). */
  resourceType?: string;
  statements: Statement[];
  resolver: IntrinsicResolver;
}

export type StatementElement = 'Action' | 'NotAction' | 'Resource' | 'NotResource' | 'Principal' | 'NotPrincipal' | 'Condition';

export interface Statement {
  document: PolicyDocument;
  node: SourceNode;
  /** Position in the Statement list (after Fn::If expansion, so two branches may share an index). */
  index: number;
  sid: string | undefined;
  /** `Allow` or `Deny` when known; `undefined` when missing or not decidable. */
  effect: 'Allow' | 'Deny' | undefined;
  effectNode: SourceNode | undefined;
  elements: Partial<Record<StatementElement, SourceNode>>;
}

/** One written item of an Action/Resource list with every value it may resolve to. */
export interface ElementItem {
  node: SourceNode;
  values: ResolvedValue[];
}

/** Builds the statement model of one policy document node. */
export function buildPolicyDocument(
  init: Omit<PolicyDocument, 'statements' | 'node' | 'resolver'> & { node: SourceNode; resolver: IntrinsicResolver },
): PolicyDocument {
  const node = documentNode(init.node, init.file);
  // Every field written in one literal: a copy by spread gave each of a large template's thousands of
  // documents a hidden class of its own (~300 bytes each).
  const document: PolicyDocument = {
    kind: init.kind,
    file: init.file,
    node,
    owner: init.owner,
    name: init.name,
    resourceType: init.resourceType,
    statements: [],
    resolver: init.resolver,
  };
  const statementNode = getKeyIgnoreCase(node, 'Statement');
  const items = statementNode === undefined ? [] : isSeq(statementNode) || intrinsicBranches(statementNode) ? init.resolver.listItems(statementNode) : [statementNode];
  document.statements = items.map((item) => buildStatement(document, item, isSeq(statementNode) ? statementIndex(statementNode, item) : 0));
  return document;
}

function intrinsicBranches(node: SourceNode): boolean {
  return isMap(node) && node.entries.length === 1 && String(node.entries[0]!.key.value).startsWith('Fn::');
}

function statementIndex(list: SourceNode, item: SourceNode): number {
  let current: SourceNode | undefined = item;
  while (current !== undefined && current.parent !== list) current = current.parent;
  return typeof current?.key === 'number' ? current.key : 0;
}

function buildStatement(document: PolicyDocument, node: SourceNode, index: number): Statement {
  const elements: Statement['elements'] = {};
  for (const name of ['Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition'] as const) {
    const value = getKey(node, name);
    if (value !== undefined) elements[name] = value;
  }
  const effectNode = getKey(node, 'Effect');
  const effects = effectNode === undefined ? [] : document.resolver.resolve(effectNode);
  const effectValues = new Set(effects.map((v) => (v.kind === 'known' ? String(v.value) : '?')));
  const effect = effectValues.size === 1 && (effectValues.has('Allow') || effectValues.has('Deny')) ? ([...effectValues][0] as 'Allow' | 'Deny') : undefined;
  const sidNode = getKey(node, 'Sid');
  return {
    document,
    node,
    index,
    sid: isScalar(sidNode) && sidNode.value !== null ? String(sidNode.value) : undefined,
    effect,
    effectNode,
    elements,
  };
}

/**
 * The items of an element (Action, Resource, …) each with its resolved values; a lone string is one item.
 * Computed once per statement and element: every rule of every family asks, often per action it checks.
 * The list is shared, so callers must not modify it.
 */
export function elementItems(statement: Statement, element: StatementElement): ElementItem[] {
  let byElement = elementItemsCache.get(statement);
  // A plain object, not a Map: a large template has tens of thousands of statements, and a Map's
  // table costs several times the handful of elements a statement has.
  if (byElement === undefined) elementItemsCache.set(statement, (byElement = {}));
  let items = byElement[element];
  if (items === undefined) byElement[element] = items = resolveElementItems(statement, element);
  return items;
}

const elementItemsCache = new WeakMap<Statement, Partial<Record<StatementElement, ElementItem[]>>>();

/** Shared by every element with no items, so statements without a Condition or NotAction cost nothing. */
const NO_ITEMS: ElementItem[] = [];

function resolveElementItems(statement: Statement, element: StatementElement): ElementItem[] {
  const node = statement.elements[element];
  if (node === undefined) return NO_ITEMS;
  const resolver = statement.document.resolver;
  const items: ElementItem[] = [];
  for (const item of resolver.listItems(node)) {
    const resolved = resolver.resolve(item);
    // `resolve` returns a fresh list of exactly its length: kept as it is in the common case, since the
    // lists built by push or filter keep spare room, which adds up over every item of a large template.
    const values = resolved.every((value) => value.kind !== 'absent' && !(value.kind === 'known' && Array.isArray(value.value)))
      ? resolved
      : resolved
          .filter((value) => value.kind !== 'absent')
          // A parameter of list type (or Fn::Split) resolves to a whole list: each element counts.
          .flatMap((value) =>
            value.kind === 'known' && Array.isArray(value.value)
              ? value.value.map((element): ResolvedValue => ({ kind: 'known', value: element, node: value.node, ...(value.via ? { via: value.via } : {}) }))
              : [value],
          )
          .slice();
    if (values.length > 0) items.push({ node: item, values });
  }
  return items.length === 0 ? NO_ITEMS : items.slice();
}

/**
 * A policy written as JSON text (a string, `Fn::Sub` or `Fn::Join` of JSON, as several resource types
 * accept) is parsed here, its nodes placed at their characters in the file; see {@link parsePolicyText}.
 */
function documentNode(node: SourceNode, file: SourceFile): SourceNode {
  if (isMap(node) && intrinsicOf(node) === undefined) return node;
  // A document of several files (a Terraform module) keeps each node's file apart.
  return parsePolicyText(node, (originOf(node) ?? file).text) ?? node;
}

/** Guess the kind of a plain policy JSON file from its statements. */
export function kindOfPolicyFile(root: SourceNode): PolicyKind {
  const statements = getKey(root, 'Statement');
  const list = isSeq(statements) ? statements.items : statements === undefined ? [] : [statements];
  const withPrincipal = list.filter((s) => getKey(s, 'Principal') !== undefined || getKey(s, 'NotPrincipal') !== undefined);
  if (withPrincipal.length === 0) return 'identity';
  const assumes = withPrincipal.every((s) => {
    const action = getKey(s, 'Action');
    const actions = isSeq(action) ? action.items : action === undefined ? [] : [action];
    return actions.length > 0 && actions.every((a) => isScalar(a) && /^sts:(AssumeRole|AssumeRoleWith|TagSession|SetSourceIdentity|SetContext)/i.test(String(a.value)));
  });
  return assumes ? 'trust' : 'resource';
}
