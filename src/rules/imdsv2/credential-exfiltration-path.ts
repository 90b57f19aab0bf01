import { principalAllows, type GrantMatch } from '../../model/grants.js';
import { identityGraph } from '../../model/identity-graph.js';
import {
  amiImdsDefault,
  instanceMetadata,
  instanceProfileOf,
  nodeRolesOf,
  referencesFrom,
  resourceLabel,
  reliesOnDefault,
  sourceLabel,
  tokenProblems,
  type InstanceMetadataModel,
  type MetadataSource,
  type TokenProblem,
} from '../../model/instance-metadata.js';
import type { DocumentModel } from '../../model/document-model.js';
import type { SourceNode } from '../../parse/nodes.js';
import type { Report, Rule } from '../types.js';
import { managedInstanceSurfaces } from '../../model/managed-instances.js';
import type { Vocabulary } from '../../model/vocabulary.js';
import { managedInstanceRemedy } from './managed-instance-imds.js';
import { guardNotes, RECOMMENDED_GUARD } from './_metadata-guards.js';

/**
 * Actions that read data in bulk once a stolen credential can call them on every resource: the last
 * link of the Capital One breach (s3:ListBucket + s3:GetObject on `*`) and its equivalents for secrets,
 * parameters, keys and tables. A choice of risk, not AWS data; test/rules/imdsv2-chain.test.ts checks
 * that each name is a real action.
 */
export const BROAD_READ_ACTIONS = [
  's3:GetObject',
  's3:ListBucket',
  'secretsmanager:GetSecretValue',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'kms:Decrypt',
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
] as const;

interface Link {
  node: SourceNode;
  message: string;
}

/**
 * The attack path of the Capital One breach, as one finding: an instance, launch template or launch
 * configuration that allows IMDSv1, whose instance profile's role can read data broadly. The finding
 * points where the chain is cheapest to break (the IMDS setting) and names every link in `related`.
 */
const remedy = (words: Vocabulary, resource: string) =>
  `Break the chain at the instance: require IMDSv2 (${words.setting(words.field(resource, 'MetadataOptions.HttpTokens'), 'required')}). Then scope the role to the buckets, secrets and tables it needs, and make stolen credentials useless elsewhere with aws:ec2InstanceSourceVPC / aws:SourceVpc conditions.`;

export const credentialExfiltrationPath: Rule = {
  meta: {
    id: 'imdsv2/credential-exfiltration-path',
    title: 'IMDSv1 instance whose role can read data broadly (the Capital One chain)',
    category: 'imdsv2',
    severity: 'critical',
    why: 'An SSRF on the instance reads the role credentials through IMDSv1, and those credentials work from anywhere: with broad read access they copy every bucket, secret or table, as in the 2019 Capital One breach.',
    fix: 'Break the chain at the instance: require IMDSv2 (HttpTokens: required). Then scope the role to the buckets, secrets and tables it needs, and make stolen credentials useless elsewhere with aws:ec2InstanceSourceVPC / aws:SourceVpc conditions.',
    remedy,
    docs: 'docs/rules/imdsv2/credential-exfiltration-path.md',
  },
  appliesTo: ['resources'],
  check({ model, report }) {
    const metadata = instanceMetadata(model);
    const graph = identityGraph(model);
    for (const source of metadata.sources) {
      const exposure = v1Exposure(model, metadata, source);
      if (exposure === undefined) continue;
      const profiles = profilesOf(model, metadata, source);
      for (const use of profiles) {
        if (use.profile === undefined) continue;
        const profile = use.profile;
        for (const roleRef of profile.roles) {
          const role = roleRef.logicalId === undefined ? undefined : graph.principals.get(roleRef.logicalId);
          if (role === undefined) continue;
          const grants = broadReadGrants(model, role);
          if (grants.length === 0) continue;
          const actions = [...new Set(grants.map((g) => g.action))];
          const statements = uniqueStatements(grants);
          const links: Link[] = [
            ...exposure.links,
            { node: use.node, message: `${use.holder} launches with instance profile ${profile.logicalId}` },
            { node: profile.resource.keyNode, message: `Instance profile ${profile.logicalId} holds role ${role.logicalId}` },
            { node: role.resource.keyNode, message: `${role.label} is the role whose credentials IMDS hands out` },
            ...statements.map(({ match, actions: granted }) => ({
              node: match.actionNode,
              message: `${match.attachment.via} (statement ${match.statement.sid ?? match.statement.index + 1}) allows ${granted.join(', ')} on every resource`,
            })),
            ...guardNotes(model),
          ];
          report({
            node: exposure.node,
            resource: source.resource.logicalId,
            message:
              `Capital One chain: ${sourceLabel(source)} allows IMDSv1 (it ${exposure.detail}), and its instance profile ${profile.logicalId} gives role ${role.logicalId} ` +
              `${actions.join(', ')} on every resource. An SSRF on the instance can fetch the role credentials with one GET and use them from anywhere to read that data.`,
            related: links,
            element: `${profile.logicalId}/${role.logicalId}`,
            remediation: `${remedy(source.resource.vocabulary, source.resource.logicalId)} ${RECOMMENDED_GUARD}`,
          });
        }
      }
      // An EKS managed node group launching from the template: its node role is the role of the nodes.
      for (const use of nodeRolesOf(model, source)) {
        const role = use.role === undefined ? undefined : graph.principals.get(use.role);
        if (role === undefined) continue;
        const grants = broadReadGrants(model, role);
        if (grants.length === 0) continue;
        const actions = [...new Set(grants.map((g) => g.action))];
        const nodegroup = resourceLabel(use.nodegroup);
        report({
          node: exposure.node,
          resource: source.resource.logicalId,
          message:
            `Capital One chain: ${sourceLabel(source)} allows IMDSv1 (it ${exposure.detail}), and ${nodegroup} launches its nodes from it with node role ${role.logicalId}, which has ` +
            `${actions.join(', ')} on every resource. An SSRF on a node can fetch the role credentials with one GET and use them from anywhere to read that data.`,
          related: [
            ...exposure.links,
            { node: use.node, message: `${nodegroup} launches from ${sourceLabel(source)} with node role ${role.logicalId}` },
            { node: role.resource.keyNode, message: `${role.label} is the role whose credentials IMDS hands out` },
            ...uniqueStatements(grants).map(({ match, actions: granted }) => ({
              node: match.actionNode,
              message: `${match.attachment.via} (statement ${match.statement.sid ?? match.statement.index + 1}) allows ${granted.join(', ')} on every resource`,
            })),
            ...guardNotes(model),
          ],
          element: `${use.nodegroup.logicalId}/${role.logicalId}`,
          remediation: `${remedy(source.resource.vocabulary, source.resource.logicalId)} ${RECOMMENDED_GUARD}`,
        });
      }
    }
    reportManagedInstanceChains(model, report);
  },
};

/**
 * The same chain through instances a service runs for you (SageMaker notebook instances, EMR cluster
 * nodes; src/rules/imdsv2/_managed-instances.ts): IMDSv1 allowed for certain, and the role whose
 * credentials they serve reads data on every resource.
 */
function reportManagedInstanceChains(model: DocumentModel, report: (report: Report) => void): void {
  const graph = identityGraph(model);
  for (const surface of managedInstanceSurfaces(model)) {
    if (surface.verdict !== 'v1') continue;
    for (const roleId of surface.roles) {
      const role = graph.principals.get(roleId);
      if (role === undefined) continue;
      const grants = broadReadGrants(model, role);
      if (grants.length === 0) continue;
      const actions = [...new Set(grants.map((g) => g.action))];
      const via = surface.profile !== undefined ? `its instance profile ${surface.profile} gives role ${role.logicalId}` : `its role ${role.logicalId} has`;
      report({
        node: surface.node,
        resource: surface.resource.logicalId,
        message:
          `Capital One chain: ${surface.label} allows IMDSv1 (it ${surface.detail}), and ${via} ${actions.join(', ')} on every resource. ` +
          'An SSRF or untrusted code on its instances can fetch the role credentials with one GET and use them from anywhere to read that data.',
        related: [
          { node: surface.resource.keyNode, message: `${surface.label} allows IMDSv1` },
          ...(surface.roleNode !== undefined ? [{ node: surface.roleNode, message: `${surface.label} runs with ${surface.profile !== undefined ? `instance profile ${surface.profile}` : `role ${role.logicalId}`}` }] : []),
          { node: role.resource.keyNode, message: `${role.label} is the role whose credentials IMDS hands out` },
          ...uniqueStatements(grants).map(({ match, actions: granted }) => ({
            node: match.actionNode,
            message: `${match.attachment.via} (statement ${match.statement.sid ?? match.statement.index + 1}) allows ${granted.join(', ')} on every resource`,
          })),
          ...guardNotes(model),
        ],
        element: `${surface.profile ?? 'role'}/${role.logicalId}`,
        remediation: `${managedInstanceRemedy(surface.resource.vocabulary, surface.resource.logicalId)} ${RECOMMENDED_GUARD}`,
      });
    }
  }
}

interface Exposure {
  /** Where to point: the setting that allows IMDSv1. */
  node: SourceNode;
  detail: string;
  links: Link[];
}

/**
 * How a source lets IMDSv1 through, when it certainly does (unverifiable settings do not make a chain,
 * nor do unset settings when the launch's AMI is registered with ImdsSupport v2.0: it then requires IMDSv2).
 * An instance without settings of its own inherits them from its in-template launch template; it is
 * reported only when it adds its own instance profile, since the template's chain covers the rest.
 */
function v1Exposure(model: DocumentModel, metadata: InstanceMetadataModel, source: MetadataSource): Exposure | undefined {
  const resolver = model.resolver;
  let ami: ReturnType<typeof amiImdsDefault> | 'unread' = 'unread';
  const amiRequiresV2 = () => (ami === 'unread' ? (ami = amiImdsDefault(model, source)) : ami) !== undefined;
  const definite = (problems: TokenProblem[]) => problems.filter((p) => p.kind !== 'unverifiable' && !(reliesOnDefault(p) && amiRequiresV2()));
  const references = source.kind === 'instance' ? referencesFrom(metadata, source.resource) : [];
  const own = definite(tokenProblems(resolver, source, references.length > 0));
  if (own.length > 0) {
    const first = own[0]!;
    return { node: first.node, detail: first.detail, links: [{ node: source.resource.keyNode, message: `${sourceLabel(source)} allows IMDSv1` }] };
  }
  if (source.kind !== 'instance' || references.length === 0) return undefined;
  const ownTokensWritten = source.optionsNode !== undefined && tokenProblems(resolver, source, false).every((p) => p.kind !== 'options-absent' && p.kind !== 'tokens-absent');
  if (ownTokensWritten) return undefined;
  // Only an instance with its own profile adds a chain the launch template's finding does not show.
  if (instanceProfileOf(model, source).length === 0) return undefined;
  for (const reference of references) {
    for (const target of reference.targets) {
      if (target.kind !== 'in-template') continue;
      const template = metadata.launchTemplates.get(target.resource.logicalId);
      if (template === undefined) continue;
      const inherited = definite(tokenProblems(resolver, template));
      if (inherited.length === 0) continue;
      const first = inherited[0]!;
      return {
        node: reference.node,
        detail: `takes its metadata options from launch template ${template.resource.logicalId}, which ${first.detail}`,
        links: [
          { node: source.resource.keyNode, message: `${sourceLabel(source)} launches from launch template ${template.resource.logicalId}` },
          { node: first.node, message: `${sourceLabel(template)} ${first.detail}` },
        ],
      };
    }
  }
  return undefined;
}

/**
 * The instance profiles a source launches with: its own, or for an instance without one, those of the
 * in-template launch templates it launches from (the instance's own setting wins, as at launch).
 */
function profilesOf(model: DocumentModel, metadata: InstanceMetadataModel, source: MetadataSource): (ReturnType<typeof instanceProfileOf>[number] & { holder: string })[] {
  const own = instanceProfileOf(model, source).map((use) => ({ ...use, holder: sourceLabel(source) }));
  if (own.length > 0 || source.kind !== 'instance') return own;
  return referencesFrom(metadata, source.resource).flatMap((reference) =>
    reference.targets.flatMap((target) => {
      const template = target.kind === 'in-template' ? metadata.launchTemplates.get(target.resource.logicalId) : undefined;
      return template === undefined ? [] : instanceProfileOf(model, template).map((use) => ({ ...use, holder: sourceLabel(template) }));
    }),
  );
}

function broadReadGrants(model: DocumentModel, role: Parameters<typeof principalAllows>[1]): { action: string; match: GrantMatch }[] {
  const out: { action: string; match: GrantMatch }[] = [];
  for (const action of BROAD_READ_ACTIONS) {
    for (const match of principalAllows(model, role, action)) {
      // A condition that really narrows the grant (a tag, a VPC, a bucket) breaks "reads everything".
      if (!match.restrictedByCondition) out.push({ action, match });
    }
  }
  return out;
}

function uniqueStatements(grants: { action: string; match: GrantMatch }[]): { match: GrantMatch; actions: string[] }[] {
  const byStatement = new Map<SourceNode, { match: GrantMatch; actions: string[] }>();
  for (const { action, match } of grants) {
    const key = match.statement.node;
    const entry = byStatement.get(key);
    if (entry === undefined) byStatement.set(key, { match, actions: [action] });
    else if (!entry.actions.includes(action)) entry.actions.push(action);
  }
  return [...byStatement.values()];
}
