import { getKey, isMap, isScalar, pathSegments, scalarString, type MapEntry, type ScalarNode, type SourceNode } from '../parse/nodes.js';
import type { DocumentModel } from './document-model.js';
import { managedPolicyByArn, managedPolicyByName, type ManagedPolicy } from '../aws-data/managed-policies.js';
import { samPolicyTemplate, type SamPolicyTemplate } from '../aws-data/sam-policy-templates.js';
import { intrinsicOf, valueText, type IntrinsicResolver, type ResolvedValue } from './intrinsics.js';
import { buildPolicyDocument, type PolicyDocument } from './policy.js';
import type { Resource, Template } from './template.js';

/**
 * `function` and `state-machine` stand for the execution role SAM creates for an
 * AWS::Serverless::Function / StateMachine from its `Policies`; `policy-file` for a plain IAM policy
 * JSON file, which is judged as if one principal held it.
 */
export type PrincipalKind = 'role' | 'user' | 'group' | 'function' | 'state-machine' | 'policy-file';

/**
 * Where an attached document comes from. `template`: written in the scanned file (its nodes are real
 * positions); `aws-managed`: an AWS managed policy's published document; `sam-policy-template`: a SAM
 * policy template expanded with the written parameters; `implicit`: added by SAM without being written
 * (AWSLambdaBasicExecutionRole). For every origin but `template` the document's nodes all point at
 * `Attachment.node`, so findings about them land on the line that attaches them.
 */
export type AttachmentOrigin = 'template' | 'aws-managed' | 'sam-policy-template' | 'implicit';

/** A policy that applies to a principal, and where the attachment is written. */
export interface Attachment {
  document: PolicyDocument;
  /** The node that attaches it: the inline policy, the `Roles` item of a policy, a ManagedPolicyArns item. */
  node: SourceNode;
  /** How it got there, for messages: `inline policy "x"`, `AWS::IAM::Policy P`, `AWS managed policy AdministratorAccess`. */
  via: string;
  origin: AttachmentOrigin;
}

/** A managed policy attached by ARN (or name) whose document is not known: customer managed elsewhere, or unknown. */
export interface ManagedPolicyReference {
  node: SourceNode;
  /** The ARN as resolved (may contain `${…}` placeholders), or `undefined` when unknown. */
  arn: string | undefined;
}

export interface IdentityPrincipal {
  /** The logical id; for a policy file, the file path. */
  logicalId: string;
  kind: PrincipalKind;
  /**
   * The resource that is (or creates) the principal. For a policy file this is a stand-in whose
   * `type` is `''` and whose nodes are the file's root.
   */
  resource: Resource;
  /** For messages: `Role AppRole`, `SAM execution role of Function Api`, `policy file admin.json`. */
  label: string;
  /** Every identity policy that applies, in source order: inline, attached, managed, via groups (users). */
  attachments: Attachment[];
  /** The role's trust policy; `undefined` for users, groups, SAM principals and roles without one. */
  trust: PolicyDocument | undefined;
  /** Managed policies attached by ARN whose document is unknown (customer managed elsewhere, or unresolved). */
  managedPolicyArns: ManagedPolicyReference[];
  /**
   * The permissions boundary (`PermissionsBoundary` of a role, user or SAM function) when its document is
   * known: a managed policy of this template or an AWS managed policy. Nothing outside it is granted,
   * whatever the attached policies say. Absent when there is none or it cannot be resolved (then the
   * attached policies are judged alone, which can only over-report).
   */
  boundary?: { node: SourceNode; documents: PolicyDocument[] };
}

export interface InstanceProfile {
  logicalId: string;
  resource: Resource;
  /** The roles of the profile: a logical id when the template defines it, else the written node. */
  roles: { logicalId: string | undefined; node: SourceNode }[];
}

export interface IdentityGraph {
  principals: Map<string, IdentityPrincipal>;
  instanceProfiles: Map<string, InstanceProfile>;
}

const PRINCIPAL_TYPES: Record<string, PrincipalKind> = {
  'AWS::IAM::Role': 'role',
  'AWS::IAM::User': 'user',
  'AWS::IAM::Group': 'group',
};

const SAM_PRINCIPAL_TYPES: Record<string, PrincipalKind> = {
  'AWS::Serverless::Function': 'function',
  'AWS::Serverless::StateMachine': 'state-machine',
};

/**
 * Who holds which policies in a document: roles, users, groups and the roles SAM creates for
 * functions and state machines, with every identity policy attached to them (inline, stand-alone,
 * managed — AWS managed ones resolved to their published documents — SAM policy templates), and
 * instance profiles with their roles. A plain policy file is one `policy-file` principal holding the
 * file. Built once per document and shared by the least-privilege, IMDS and trust rules.
 */
export function identityGraph(model: DocumentModel): IdentityGraph {
  return model.derive('identity-graph', buildIdentityGraph);
}

/**
 * The policies each resource owns, in document order. Indexed once per document: filtering every
 * policy for every principal was quadratic, and took most of the scan of a 10 MB template.
 */
function ownedPolicies(model: DocumentModel, resource: Resource): readonly PolicyDocument[] {
  const byOwner = model.derive('identity-graph/policies-by-owner', (m) => {
    const index = new Map<Resource, PolicyDocument[]>();
    for (const document of m.policies) {
      const owner = document.owner.resource;
      if (owner === undefined) continue;
      const owned = index.get(owner);
      if (owned === undefined) index.set(owner, [document]);
      else owned.push(document);
    }
    return index;
  });
  return byOwner.get(resource) ?? [];
}

function buildIdentityGraph(model: DocumentModel): IdentityGraph {
  const graph: IdentityGraph = { principals: new Map(), instanceProfiles: new Map() };
  const template = model.template;
  if (template === undefined) {
    addPolicyFilePrincipal(model, graph);
    return graph;
  }
  const resolver = model.resolver;

  for (const resource of template.resources.values()) {
    const kind = PRINCIPAL_TYPES[resource.type];
    if (kind === undefined) continue;
    const own = ownedPolicies(model, resource);
    graph.principals.set(resource.logicalId, {
      logicalId: resource.logicalId,
      kind,
      resource,
      label: template.vocabulary.resource(resource, kind === 'role' ? 'Role' : kind === 'user' ? 'User' : 'Group'),
      attachments: own
        .filter((p) => p.kind === 'identity')
        .map((document) => ({ document, node: document.node, via: `inline policy${document.name ? ` "${document.name}"` : ''}`, origin: 'template' as const })),
      trust: own.find((p) => p.kind === 'trust'),
      managedPolicyArns: [],
    });
  }

  // Stand-alone policies name their principals (by Ref, GetAtt or literal name).
  for (const document of model.policies) {
    const owner = document.owner.resource;
    if (owner === undefined || document.kind !== 'identity' || PRINCIPAL_TYPES[owner.type] !== undefined || SAM_PRINCIPAL_TYPES[owner.type] !== undefined) continue;
    const via = template.vocabulary.resource(owner, owner.type.replace('AWS::IAM::', ''));
    for (const [property, principalType] of [
      ['Roles', 'AWS::IAM::Role'],
      ['Users', 'AWS::IAM::User'],
      ['Groups', 'AWS::IAM::Group'],
      ['RoleName', 'AWS::IAM::Role'],
      ['UserName', 'AWS::IAM::User'],
      ['GroupName', 'AWS::IAM::Group'],
    ] as const) {
      for (const item of resolver.listItems(getKey(owner.properties, property))) {
        const target = principalNamed(template, resolver, item, principalType);
        if (target !== undefined) graph.principals.get(target)?.attachments.push({ document, node: item, via, origin: 'template' });
      }
    }
  }

  for (const principal of graph.principals.values()) {
    for (const item of resolver.listItems(getKey(principal.resource.properties, 'ManagedPolicyArns'))) {
      attachManagedPolicy(model, template, principal, item, resolver.resolve(item));
    }
  }

  addSamPrincipals(model, template, graph);

  for (const principal of graph.principals.values()) {
    if (principal.kind === 'group') continue; // groups cannot have a boundary
    const node = getKey(principal.resource.properties, 'PermissionsBoundary');
    if (node !== undefined) principal.boundary = boundaryOf(model, template, node);
  }

  // A user also holds the policies of the groups it belongs to (its own Groups, or UserToGroupAddition).
  const memberships: { user: IdentityPrincipal; groupNode: SourceNode }[] = [];
  for (const principal of graph.principals.values()) {
    if (principal.kind !== 'user') continue;
    for (const groupNode of resolver.listItems(getKey(principal.resource.properties, 'Groups'))) memberships.push({ user: principal, groupNode });
  }
  for (const addition of template.resourcesOfType('AWS::IAM::UserToGroupAddition')) {
    const groupNode = getKey(addition.properties, 'GroupName');
    if (groupNode === undefined) continue;
    for (const userNode of resolver.listItems(getKey(addition.properties, 'Users'))) {
      const user = graph.principals.get(principalNamed(template, resolver, userNode, 'AWS::IAM::User') ?? '');
      if (user !== undefined) memberships.push({ user, groupNode });
    }
  }
  for (const { user, groupNode } of memberships) {
    const group = graph.principals.get(principalNamed(template, resolver, groupNode, 'AWS::IAM::Group') ?? '');
    if (group === undefined) continue;
    for (const attachment of group.attachments) user.attachments.push({ ...attachment, via: `${attachment.via} (${template.vocabulary.named(group.logicalId, 'group')})` });
  }

  for (const resource of template.resourcesOfType('AWS::IAM::InstanceProfile')) {
    graph.instanceProfiles.set(resource.logicalId, {
      logicalId: resource.logicalId,
      resource,
      roles: resolver.listItems(getKey(resource.properties, 'Roles')).map((node) => ({
        logicalId: principalNamed(template, resolver, node, 'AWS::IAM::Role'),
        node,
      })),
    });
  }

  return graph;
}

/**
 * Attaches what a ManagedPolicyArns item (or a SAM `Policies` string) designates: a customer managed
 * policy of this template (through Ref, GetAtt, Sub or its ManagedPolicyName), an AWS managed policy
 * (its published document), or else an unresolved reference.
 */
function attachManagedPolicy(model: DocumentModel, template: Template, principal: IdentityPrincipal, item: SourceNode, values: ResolvedValue[]): void {
  for (const value of values) {
    const local = localManagedPolicy(template, value);
    if (local !== undefined) {
      for (const document of ownedPolicies(model, local)) {
        // Already attached when the managed policy lists this principal itself.
        if (!principal.attachments.some((a) => a.document === document)) {
          principal.attachments.push({ document, node: item, via: template.vocabulary.resource(local, 'ManagedPolicy'), origin: 'template' });
        }
      }
      continue;
    }
    const text = valueText(value);
    const managed = text === undefined ? undefined : text.startsWith('arn:') ? managedPolicyByArn(text) : managedPolicyByName(text);
    if (managed !== undefined) {
      principal.attachments.push(managedAttachment(model, managed, item, 'aws-managed'));
    } else {
      principal.managedPolicyArns.push({ node: item, arn: text });
    }
  }
}

/** The boundary a `PermissionsBoundary` designates, when it resolves to exactly one known managed policy. */
function boundaryOf(model: DocumentModel, template: Template, node: SourceNode): IdentityPrincipal['boundary'] {
  const values = model.resolver.resolve(node).filter((value) => value.kind !== 'absent');
  // Fn::If between boundaries: which one applies is not known here, so none is assumed.
  if (values.length !== 1) return undefined;
  const value = values[0]!;
  const local = localManagedPolicy(template, value);
  if (local !== undefined) {
    const documents = ownedPolicies(model, local).filter((document) => document.kind === 'identity');
    return documents.length === 0 ? undefined : { node, documents };
  }
  const text = valueText(value);
  const managed = text?.startsWith('arn:') === true ? managedPolicyByArn(text) : undefined;
  if (managed === undefined) return undefined;
  return { node, documents: [syntheticDocument(model, managed.document, node, `AWS managed policy ${managed.name}`, managed.name)] };
}

function localManagedPolicy(template: Template, value: ResolvedValue): Resource | undefined {
  if (value.kind === 'partial') {
    const ref = value.refs.find((r) => r.kind === 'resource' && template.resources.get(r.name)?.type === 'AWS::IAM::ManagedPolicy');
    if (ref !== undefined) return template.resources.get(ref.name);
  }
  const text = valueText(value);
  const name = text?.match(/^arn:[^:]*:iam::(?!aws:)[^:]*:policy\/(?:.*\/)?([^/]+)$/)?.[1];
  if (name === undefined) return undefined;
  return template.resourcesOfType('AWS::IAM::ManagedPolicy').find((r) => scalarString(getKey(r.properties, 'ManagedPolicyName')) === name);
}

function managedAttachment(model: DocumentModel, managed: ManagedPolicy, anchor: SourceNode, origin: 'aws-managed' | 'implicit'): Attachment {
  return {
    document: syntheticDocument(model, managed.document, anchor, `AWS managed policy ${managed.name}`, managed.name),
    node: anchor,
    via: `AWS managed policy ${managed.name}`,
    origin,
  };
}

/**
 * SAM creates one execution role per function/state machine without a `Role`, holding its `Policies`
 * (and AWSLambdaBasicExecutionRole for functions). A function with `Role` uses that role; SAM then
 * ignores `Policies`.
 */
function addSamPrincipals(model: DocumentModel, template: Template, graph: IdentityGraph): void {
  const resolver = model.resolver;
  for (const resource of template.resources.values()) {
    const kind = SAM_PRINCIPAL_TYPES[resource.type];
    if (kind === undefined || getKey(resource.properties, 'Role') !== undefined) continue;
    const principal: IdentityPrincipal = {
      logicalId: resource.logicalId,
      kind,
      resource,
      label: `SAM execution role of ${kind === 'function' ? 'Function' : 'StateMachine'} ${resource.logicalId}`,
      attachments: [],
      trust: undefined,
      managedPolicyArns: [],
    };
    const typeNode = getKey(resource.node, 'Type') ?? resource.keyNode;
    if (kind === 'function') {
      const basic = managedPolicyByName('AWSLambdaBasicExecutionRole');
      if (basic !== undefined) principal.attachments.push(managedAttachment(model, basic, typeNode, 'implicit'));
    }
    for (const item of resolver.listItems(getKey(resource.properties, 'Policies'))) {
      if (isMap(item) && getKey(item, 'Statement') !== undefined) {
        const document = ownedPolicies(model, resource).find((p) => p.node === item);
        if (document !== undefined) principal.attachments.push({ document, node: item, via: 'inline SAM policy', origin: 'template' });
        continue;
      }
      const single = isMap(item) && item.entries.length === 1 ? item.entries[0]! : undefined;
      const samTemplate = single !== undefined && intrinsicOf(item) === undefined ? samPolicyTemplate(String(single.key.value)) : undefined;
      if (single !== undefined && samTemplate !== undefined) {
        principal.attachments.push(samTemplateAttachment(model, samTemplate, single, item));
      } else if (isScalar(item) || intrinsicOf(item) !== undefined) {
        attachManagedPolicy(model, template, principal, item, resolver.resolve(item));
      } else {
        principal.managedPolicyArns.push({ node: item, arn: undefined });
      }
    }
    graph.principals.set(resource.logicalId, principal);
  }
}

function samTemplateAttachment(model: DocumentModel, samTemplate: SamPolicyTemplate, entry: MapEntry, item: SourceNode): Attachment {
  const parameters = new Map<string, SourceNode>();
  for (const name of samTemplate.parameters) {
    const given = getKey(entry.value, name);
    if (given !== undefined) parameters.set(name, given);
  }
  return {
    document: syntheticDocument(model, samTemplate.definition, item, `SAM policy template ${samTemplate.name}`, samTemplate.name, parameters),
    node: item,
    via: `SAM policy template ${samTemplate.name}`,
    origin: 'sam-policy-template',
  };
}

/**
 * A policy document that is not written in the file (an AWS managed policy, a SAM policy template),
 * as a node tree whose every node spans `anchor`, the place that attaches it. `{Ref: P}` maps whose P is
 * in `parameters` become the written parameter node, which keeps its own position and parent.
 */
function syntheticDocument(model: DocumentModel, plain: unknown, anchor: SourceNode, label: string, name: string, parameters?: Map<string, SourceNode>): PolicyDocument {
  const root = toNode(plain, anchor, parameters);
  if (anchor.parent !== undefined) root.parent = anchor.parent;
  if (anchor.key !== undefined) root.key = anchor.key;
  return buildPolicyDocument({
    kind: 'identity',
    file: model.file,
    node: root,
    owner: { label, ...(anchorResource(model, anchor) ?? {}) },
    name,
    resolver: model.resolver,
  });
}

function anchorResource(model: DocumentModel, anchor: SourceNode): { resource: Resource } | undefined {
  const [section, id] = pathSegments(anchor);
  const resource = section === 'Resources' && typeof id === 'string' ? model.template?.resources.get(id) : undefined;
  return resource === undefined ? undefined : { resource };
}

function toNode(value: unknown, anchor: SourceNode, parameters: Map<string, SourceNode> | undefined): SourceNode {
  const span = { start: anchor.start, end: anchor.end };
  if (Array.isArray(value)) {
    const node: SourceNode = { kind: 'seq', ...span, items: [] };
    value.forEach((element, index) => {
      const child = toNode(element, anchor, parameters);
      if (child.parent === undefined) Object.assign(child, { parent: node, key: index });
      node.items.push(child);
    });
    return node;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const [onlyKey, onlyValue] = entries.length === 1 ? entries[0]! : [undefined, undefined];
    if (onlyKey === 'Ref' && typeof onlyValue === 'string') {
      const given = parameters?.get(onlyValue);
      if (given !== undefined) return given;
    }
    const node: SourceNode = { kind: 'map', ...span, entries: [] };
    for (const [key, child] of entries) {
      const keyNode: ScalarNode = { kind: 'scalar', ...span, value: key, parent: node };
      const valueNode = toNode(child, anchor, parameters);
      if (valueNode.parent === undefined) Object.assign(valueNode, { parent: node, key });
      node.entries.push({ key: keyNode, value: valueNode });
    }
    return node;
  }
  return { kind: 'scalar', ...span, value: typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null };
}

function addPolicyFilePrincipal(model: DocumentModel, graph: IdentityGraph): void {
  const identity = model.policies.filter((p) => p.kind === 'identity');
  if (identity.length === 0) return;
  const root = model.document.root;
  const path = model.file.path;
  const keyNode: ScalarNode = { kind: 'scalar', start: root.start, end: root.start, value: path };
  graph.principals.set(path, {
    logicalId: path,
    kind: 'policy-file',
    resource: { logicalId: path, type: '', node: root, keyNode, properties: undefined, metadata: undefined, condition: undefined, vocabulary: model.vocabulary },
    label: `policy file ${path.split('/').pop() ?? path}`,
    attachments: identity.map((document) => ({ document, node: document.node, via: 'the policy file', origin: 'template' as const })),
    trust: undefined,
    managedPolicyArns: [],
  });
}

/**
 * The logical id of the principal a node designates: `!Ref Role`, `!GetAtt Role.Arn`, or a literal
 * name equal to a principal's `RoleName`/`UserName`/`GroupName`.
 */
export function principalNamed(template: Template, resolver: IntrinsicResolver, node: SourceNode, type: string): string | undefined {
  for (const value of resolver.resolve(node)) {
    if (value.kind === 'partial') {
      const ref = value.refs.find((r) => r.kind === 'resource' && template.resources.get(r.name)?.type === type);
      if (ref !== undefined) return ref.name;
    }
    if (value.kind === 'known' && typeof value.value === 'string') {
      const name = value.value.split('/').pop();
      const nameProperty = type.replace('AWS::IAM::', '') + 'Name';
      for (const resource of template.resourcesOfType(type)) {
        if (scalarString(getKey(resource.properties, nameProperty)) === name) return resource.logicalId;
      }
    }
  }
  return undefined;
}
