import { getKey, scalarString, type SourceNode } from '../parse/nodes.js';
import type { DocumentModel } from '../engine/document-model.js';
import { valueText, type IntrinsicResolver } from './intrinsics.js';
import type { PolicyDocument } from './policy.js';
import type { Resource, Template } from './template.js';

export type PrincipalKind = 'role' | 'user' | 'group' | 'function';

/** A policy that applies to a principal, and where the attachment is written. */
export interface Attachment {
  document: PolicyDocument;
  /** The node that attaches it: the inline policy, the `Roles` item of a policy, a ManagedPolicyArns item. */
  node: SourceNode;
  /** How it got there, for messages: `inline policy "x"`, `AWS::IAM::Policy P`, `managed policy AdministratorAccess`. */
  via: string;
}

/** A managed policy ARN attached to a principal that is not defined in the same template. */
export interface ManagedPolicyReference {
  node: SourceNode;
  /** The ARN as resolved (may contain `${…}` placeholders), or `undefined` when unknown. */
  arn: string | undefined;
}

export interface IdentityPrincipal {
  logicalId: string;
  kind: PrincipalKind;
  resource: Resource;
  /** Every identity policy that applies, in source order: inline, attached, via groups (users). */
  attachments: Attachment[];
  /** The role's trust policy; `undefined` for users, groups and roles without one. */
  trust: PolicyDocument | undefined;
  /** Managed policies attached by ARN that the template does not define (AWS managed or elsewhere). */
  managedPolicyArns: ManagedPolicyReference[];
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

/**
 * Who holds which policies in a template: roles, users and groups with every identity policy attached
 * to them, and instance profiles with their roles. Built once per document (shared by the
 * least-privilege, IMDS and trust rules). Plain policy files have an empty graph.
 */
export function identityGraph(model: DocumentModel): IdentityGraph {
  return model.derive('identity-graph', buildIdentityGraph);
}

function buildIdentityGraph(model: DocumentModel): IdentityGraph {
  const graph: IdentityGraph = { principals: new Map(), instanceProfiles: new Map() };
  const template = model.template;
  if (template === undefined) return graph;
  const resolver = model.resolver;

  for (const resource of template.resources.values()) {
    const kind = PRINCIPAL_TYPES[resource.type];
    if (kind === undefined) continue;
    const own = model.policies.filter((p) => p.owner.resource === resource);
    graph.principals.set(resource.logicalId, {
      logicalId: resource.logicalId,
      kind,
      resource,
      attachments: own
        .filter((p) => p.kind === 'identity')
        .map((document) => ({ document, node: document.node, via: `inline policy${document.name ? ` "${document.name}"` : ''}` })),
      trust: own.find((p) => p.kind === 'trust'),
      managedPolicyArns: [],
    });
  }

  // Stand-alone policies name their principals (by Ref, GetAtt or literal name).
  for (const document of model.policies) {
    const owner = document.owner.resource;
    if (owner === undefined || document.kind !== 'identity' || PRINCIPAL_TYPES[owner.type] !== undefined) continue;
    const via = `${owner.type.replace('AWS::IAM::', '')} ${owner.logicalId}`;
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
        if (target !== undefined) graph.principals.get(target)?.attachments.push({ document, node: item, via });
      }
    }
  }

  // ManagedPolicyArns: customer managed policies of this template, or ARNs resolved elsewhere.
  for (const principal of graph.principals.values()) {
    for (const item of resolver.listItems(getKey(principal.resource.properties, 'ManagedPolicyArns'))) {
      const managed = resolver.resolve(item).map(valueText);
      const local = managed.map((arn) => arn?.match(/^\$\{([A-Za-z0-9]+)\}$/)?.[1]).find((id) => id !== undefined && template.resources.get(id)?.type === 'AWS::IAM::ManagedPolicy');
      if (local !== undefined) {
        for (const document of model.policies.filter((p) => p.owner.resource?.logicalId === local)) {
          // Already attached when the managed policy lists this principal itself.
          if (!principal.attachments.some((a) => a.document === document)) {
            principal.attachments.push({ document, node: item, via: `ManagedPolicy ${local}` });
          }
        }
      } else {
        for (const arn of managed) principal.managedPolicyArns.push({ node: item, arn });
      }
    }
  }

  // A user also holds the policies of the groups it belongs to.
  for (const principal of graph.principals.values()) {
    if (principal.kind !== 'user') continue;
    for (const item of resolver.listItems(getKey(principal.resource.properties, 'Groups'))) {
      const group = graph.principals.get(principalNamed(template, resolver, item, 'AWS::IAM::Group') ?? '');
      if (group === undefined) continue;
      for (const attachment of group.attachments) principal.attachments.push({ ...attachment, via: `${attachment.via} (group ${group.logicalId})` });
    }
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
