import type { DocumentModel } from '../../model/document-model.js';
import { heldDocuments, type HeldDocument } from '../../model/grants.js';
import { identityGraph } from '../../model/identity-graph.js';
import { describeValue, intrinsicOf, type Reference, type ResolvedValue } from '../../model/intrinsics.js';
import { elementItems, type Statement } from '../../model/policy.js';
import { getKey, isMap, scalarString, type SourceNode } from '../../parse/nodes.js';
import type { Vocabulary } from '../../model/vocabulary.js';
import type { Report, Rule } from '../types.js';
import { holderText } from './_grants.js';

/**
 * "Cannot tell" is not "passes": an identity grant whose actions, resources or whole document are only
 * known at deployment (`Fn::ImportValue`, a parameter without a default, a customer managed policy from
 * outside the template) escapes every other least-privilege rule. Reported once per Allow statement and
 * once per such managed policy attachment, at low, saying what could not be checked and why. The
 * `reportUnresolved: false` configuration key silences the class for a repository.
 */
const remedy = (words: Vocabulary) =>
  `Write the actions and resources in the ${words.document} (${words.knownInput}, an ARN built with ${words.interpolation}), or define the managed policy in this ${words.document}; or set reportUnresolved: false in .github/trustgate.yml when such grants are reviewed elsewhere.`;

export const unresolvedGrant: Rule = {
  meta: {
    id: 'least-privilege/unresolved-grant',
    title: 'Grant that least privilege cannot check',
    category: 'least-privilege',
    severity: 'low',
    why: 'A policy whose actions, resources or document are only decided at deployment (an import from another stack, a parameter without a default, a managed policy kept elsewhere) may grant anything, and no other check can see it: unknown is not a pass.',
    fix: 'Write the actions and resources in the template (a parameter with a default or AllowedValues, an ARN built with Fn::Sub), or define the managed policy in this template; or set reportUnresolved: false in .github/trustgate.yml when such grants are reviewed elsewhere.',
    remedy,
    docs: 'docs/rules/least-privilege/unresolved-grant.md',
  },
  appliesTo: ['resources', 'iam-policy'],
  check({ model, report }) {
    if (model.options.reportUnresolved === false) return;
    for (const held of heldDocuments(model)) {
      if (held.attachment.origin !== 'template') continue;
      const whole = unresolvedDocument(held);
      if (whole !== undefined) {
        report({ node: held.document.node, message: `${holderText(held)}: least privilege could not be checked, the whole policy document is ${whole}.`, element: 'document' });
        continue;
      }
      for (const statement of held.document.statements) reportStatement(held, statement, model.template?.parameters, report);
    }
    reportAttachments(model, report);
  },
};

/** Why the document itself cannot be read (a Ref, an import, text that is not JSON), or undefined. */
function unresolvedDocument(held: HeldDocument): string | undefined {
  const node = held.document.node;
  if (isMap(node) && intrinsicOf(node) === undefined) return undefined;
  const value = held.document.resolver.resolve(node)[0];
  if (value === undefined || value.kind === 'structure') return undefined;
  if (value.kind === 'unknown') return `not known until deployment (${value.reason})`;
  if (value.kind === 'partial') return `"${describeValue(value)}", not known until deployment (${referenceReasons(value.refs)})`;
  if (value.kind === 'known') return 'a text that is not a JSON policy document';
  return undefined;
}

interface Unresolved {
  node: SourceNode;
  what: string;
}

function reportStatement(held: HeldDocument, statement: Statement, parameters: Parameters, report: (report: Report) => void): void {
  if (statement.effect === 'Deny') return;
  const where = `statement ${statement.sid ?? statement.index + 1}`;
  if (intrinsicOf(statement.node) !== undefined || (statement.effect === undefined && statement.effectNode !== undefined)) {
    const value = held.document.resolver.resolve(statement.effectNode ?? statement.node)[0];
    const why = value?.kind === 'unknown' ? value.reason : value?.kind === 'partial' ? referenceReasons(value.refs) : 'it is built by an intrinsic function';
    report({ node: statement.effectNode ?? statement.node, message: `${holderText(held)}, ${where}: least privilege could not be checked, the statement's effect is not known until deployment (${why}).`, element: where });
    return;
  }
  if (statement.effect !== 'Allow') return;
  const found: Unresolved[] = [];
  for (const item of elementItems(statement, 'Action')) {
    const value = item.values.find((v) => !(v.kind === 'known' && typeof v.value === 'string') && !constrainedByPattern(parameters, v));
    if (value !== undefined) found.push({ node: item.node, what: `Action ${describeUnresolved(value)}` });
  }
  for (const item of elementItems(statement, 'Resource')) {
    const value = item.values.find((v) => isUnresolvedResource(v) && !constrainedByPattern(parameters, v));
    if (value !== undefined) found.push({ node: item.node, what: `Resource ${describeUnresolved(value)}` });
  }
  if (found.length === 0) return;
  const listed = found.slice(0, 3).map((f) => f.what).join('; ') + (found.length > 3 ? `; and ${found.length - 3} more` : '');
  report({
    node: found[0]!.node,
    message: `${holderText(held)}, ${where}: least privilege could not be checked for ${listed}; whatever is deployed there is granted unseen.`,
    element: where,
  });
}

/**
 * A Resource value that may name anything: unknown, or a placeholder standing for the whole ARN that a
 * deployer chooses (a parameter without a default, an import). `arn:aws:s3:::${Bucket}/*` names one
 * bucket's objects, and `!GetAtt Queue.Arn` a resource of the template: both are checked as they are.
 */
function isUnresolvedResource(value: ResolvedValue): boolean {
  if (value.kind === 'unknown') return true;
  if (value.kind !== 'partial') return false;
  if (!/^\$\{[^}]+\}$/.test(value.text)) return false;
  return value.refs.some((ref) => ref.kind === 'parameter' || ref.kind === 'import' || ref.kind === 'other');
}

/**
 * A value that is one parameter whose AllowedPattern refuses `*`: the deployer chooses it, but not a
 * wildcard (`^arn:aws:kms:[a-z0-9-]+:\d{12}:key/[a-f0-9-]{36}$` is one key), so it is judged like a
 * placeholder inside an ARN.
 */
function constrainedByPattern(parameters: Parameters, value: ResolvedValue): boolean {
  if (value.kind !== 'partial' || value.refs.length !== 1 || value.refs[0]!.kind !== 'parameter') return false;
  const pattern = scalarString(getKey(parameters?.get(value.refs[0]!.name)?.node, 'AllowedPattern'));
  if (pattern === undefined) return false;
  try {
    // CloudFormation matches the whole value.
    return !new RegExp(`^(?:${pattern})$`).test('*');
  } catch {
    return false;
  }
}

type Parameters = ReadonlyMap<string, { node: SourceNode }> | undefined;

function describeUnresolved(value: ResolvedValue): string {
  if (value.kind === 'unknown') return `(${value.reason})`;
  if (value.kind === 'partial') return `"${value.text}" (${referenceReasons(value.refs)})`;
  if (value.kind === 'structure') return '(a structure, not a string)';
  return `${describeValue(value)} (not a string)`;
}

function referenceReasons(refs: readonly Reference[]): string {
  const reasons = refs.map((ref) => {
    switch (ref.kind) {
      case 'parameter':
        return `parameter ${ref.name} has no default, so the deployer chooses it`;
      case 'import':
        return `it is imported from another stack (${ref.name})`;
      case 'pseudo':
        return `${ref.name} is known at deployment`;
      case 'resource':
        return `${ref.name}${ref.attribute !== undefined ? `.${ref.attribute}` : ''} is a resource of the template`;
      case 'other':
        return `${ref.name} is not defined in the template`;
    }
  });
  return [...new Set(reasons)].join('; ');
}

/** Managed policies attached by ARN whose document trustgate cannot read: once per attaching item. */
function reportAttachments(model: DocumentModel, report: (report: Report) => void): void {
  if (model.template === undefined) return;
  const byNode = new Map<SourceNode, { labels: string[]; arn: string | undefined }>();
  for (const principal of identityGraph(model).principals.values()) {
    for (const reference of principal.managedPolicyArns) {
      const entry = byNode.get(reference.node);
      if (entry === undefined) byNode.set(reference.node, { labels: [principal.label], arn: reference.arn });
      else if (!entry.labels.includes(principal.label)) entry.labels.push(principal.label);
    }
  }
  for (const [node, { labels, arn }] of byNode) {
    const why = attachmentReason(model, node, arn);
    report({
      node,
      message: `${labels.join(' and ')} attaches a managed policy whose document trustgate cannot read (${why}): least privilege could not be checked for what it grants.`,
      element: arn ?? 'managed-policy',
    });
  }
}

function attachmentReason(model: DocumentModel, node: SourceNode, arn: string | undefined): string {
  const value = model.resolver.resolve(node)[0];
  if (value?.kind === 'unknown') return value.reason;
  if (arn === undefined) return 'its ARN is not known until deployment';
  if (value?.kind === 'partial' && /^\$\{[^}]+\}$/.test(value.text)) return `"${arn}": ${referenceReasons(value.refs)}`;
  if (/:iam::aws:policy\//.test(arn)) return `"${arn}" is not an AWS managed policy trustgate knows`;
  return `"${arn}" is a customer managed policy defined outside this template`;
}
