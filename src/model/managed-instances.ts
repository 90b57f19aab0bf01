import type { DocumentModel } from './document-model.js';
import { identityGraph } from './identity-graph.js';
import { describeValue, intrinsicOf, valueText, type ResolvedValue } from './intrinsics.js';
import { parsePolicyText } from './policy-text.js';
import type { Resource } from './template.js';
import { getEntry, getKey, getPath, isMap, scalarString, type SourceNode } from '../parse/nodes.js';

/**
 * Instances that AWS services launch for you and that serve role credentials over IMDS, whose IMDS
 * setting is not an EC2 launch setting:
 * - `AWS::SageMaker::NotebookInstance`: `InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion`
 *   (`1` or `2`; "if no value is selected, then it defaults to IMDSv1", SageMaker API reference), credentials of `RoleArn`;
 * - `AWS::EMR::Cluster`: the `InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion` of the
 *   `AWS::EMR::SecurityConfiguration` it names (`SecurityConfiguration`), credentials of the `JobFlowRole`
 *   instance profile's role on every cluster node.
 */
export interface ManagedInstanceSurface {
  resource: Resource;
  /** `SageMaker notebook instance Notebook`, `EMR cluster Cluster`. */
  label: string;
  /** What the setting says: `v2` required, `v1` allowed, `unknown` (cannot be verified). */
  verdict: 'v2' | 'v1' | 'unknown';
  /** Where to point: the value, or the property/resource that lacks it. */
  node: SourceNode;
  /** `leaves MinimumInstanceMetadataServiceVersion unset (IMDSv1 by default)` and the like. */
  detail: string;
  /** Where the role comes from: the RoleArn or JobFlowRole node. */
  roleNode: SourceNode | undefined;
  /** Logical ids of the in-template roles whose credentials the instances serve. */
  roles: string[];
  /** For EMR: the instance profile between the cluster and the role. */
  profile?: string;
}

export function managedInstanceSurfaces(model: DocumentModel): ManagedInstanceSurface[] {
  return model.derive('imdsv2/managed-instances', (m) => {
    const template = m.template;
    if (template === undefined) return [];
    const out: ManagedInstanceSurface[] = [];
    for (const notebook of template.resourcesOfType('AWS::SageMaker::NotebookInstance')) out.push(...notebookSurfaces(m, notebook));
    for (const cluster of template.resourcesOfType('AWS::EMR::Cluster')) out.push(...clusterSurfaces(m, cluster));
    return out;
  });
}

const SETTING = 'MinimumInstanceMetadataServiceVersion';

/** Each value the version may take, judged: `2` requires IMDSv2, `1` allows v1, anything unknown is unknown. */
function judgeVersion(model: DocumentModel, node: SourceNode): { verdict: ManagedInstanceSurface['verdict']; value: ResolvedValue; node: SourceNode }[] {
  return model.resolver.resolve(node).map((value) => {
    const text = valueText(value);
    const inside = value.node.start >= node.start && value.node.end <= node.end;
    const at = inside ? value.node : node;
    if (value.kind === 'known' && text !== undefined) return { verdict: text.trim() === '2' ? 'v2' : 'v1', value, node: at };
    return { verdict: 'unknown', value, node: at };
  });
}

function notebookSurfaces(model: DocumentModel, notebook: Resource): ManagedInstanceSurface[] {
  const words = notebook.vocabulary;
  const label = words.resource(notebook, 'SageMaker notebook instance');
  const settingName = words.field(notebook, `InstanceMetadataServiceConfiguration.${SETTING}`);
  const roleNode = getKey(notebook.properties, 'RoleArn');
  const roles = roleNode === undefined ? [] : rolesNamedBy(model, roleNode);
  const base = { resource: notebook, label, roleNode, roles };
  const configuration = getEntry(notebook.properties, 'InstanceMetadataServiceConfiguration');
  const setting = getKey(configuration?.value, SETTING);
  if (setting === undefined) {
    return [{ ...base, verdict: 'v1', node: configuration?.key ?? notebook.keyNode, detail: `leaves ${settingName} unset (SageMaker's default is IMDSv1)` }];
  }
  return judgeVersion(model, setting).map(({ verdict, value, node }) => ({
    ...base,
    verdict,
    node,
    detail: verdict === 'unknown' ? `sets ${settingName} to ${describeValue(value)}, which could not be verified to be 2` : `sets ${settingName} to ${describeValue(value)}${value.kind === 'known' && value.via !== undefined ? ` through ${value.via}` : ''}`,
  }));
}

function clusterSurfaces(model: DocumentModel, cluster: Resource): ManagedInstanceSurface[] {
  const template = model.template!;
  const words = cluster.vocabulary;
  const label = words.resource(cluster, 'EMR cluster');
  const roleNode = getKey(cluster.properties, 'JobFlowRole');
  const graph = identityGraph(model);
  const profileId = roleNode === undefined ? undefined : referencedLogicalId(model, roleNode, (r) => r.type === 'AWS::IAM::InstanceProfile', 'InstanceProfileName');
  const profile = profileId === undefined ? undefined : graph.instanceProfiles.get(profileId);
  const roles = profile === undefined ? [] : profile.roles.flatMap((r) => (r.logicalId === undefined ? [] : [r.logicalId]));
  const base = { resource: cluster, label, roleNode, roles, ...(profile !== undefined ? { profile: profile.logicalId } : {}) };
  const configurationEntry = getEntry(cluster.properties, 'SecurityConfiguration');
  if (configurationEntry === undefined) {
    return [{ ...base, verdict: 'v1', node: cluster.keyNode, detail: `names no ${words.field(cluster, 'SecurityConfiguration')} (the only place EMR takes an IMDS setting from)` }];
  }
  const configurationId = referencedLogicalId(model, configurationEntry.value, (r) => r.type === 'AWS::EMR::SecurityConfiguration', 'Name');
  const configuration = configurationId === undefined ? undefined : template.resources.get(configurationId);
  if (configuration === undefined) {
    return [{ ...base, verdict: 'unknown', node: configurationEntry.value, detail: `uses security configuration ${describeValue(model.resolver.resolve(configurationEntry.value)[0]!)} from outside this ${words.document}, whose IMDS setting could not be verified` }];
  }
  const body = getKey(configuration.properties, 'SecurityConfiguration');
  // The security configuration is JSON, written as YAML/JSON or as JSON text (a string, Fn::Sub).
  const document = body === undefined || (isMap(body) && intrinsicOf(body) === undefined) ? body : (parsePolicyText(body, model.file.text) ?? body);
  if (document !== undefined && (!isMap(document) || intrinsicOf(document) !== undefined)) {
    // Not known before deployment (a parameter, a value only known at apply, JSON that does not parse): never a pass.
    return [{ ...base, verdict: 'unknown', node: document, detail: `uses security configuration ${configuration.logicalId}, whose JSON is not known before deployment, so its IMDS setting could not be verified` }];
  }
  const imds = getKey(document, 'InstanceMetadataServiceConfiguration');
  const setting = getKey(imds, SETTING);
  if (setting === undefined) {
    return [{ ...base, verdict: 'v1', node: imds === undefined ? configuration.keyNode : imds, detail: `uses security configuration ${configuration.logicalId}, which does not set InstanceMetadataServiceConfiguration.${SETTING}` }];
  }
  return judgeVersion(model, setting).map(({ verdict, value, node }) => ({
    ...base,
    verdict,
    node,
    detail:
      verdict === 'unknown'
        ? `uses security configuration ${configuration.logicalId}, whose ${SETTING} is ${describeValue(value)} and could not be verified to be 2`
        : `uses security configuration ${configuration.logicalId}, whose ${SETTING} is ${describeValue(value)}`,
  }));
}

/** In-template IAM roles a RoleArn names (`!GetAtt Role.Arn`, `!Sub …:role/${Role}`, the RoleName as text). */
function rolesNamedBy(model: DocumentModel, node: SourceNode): string[] {
  const id = referencedLogicalId(model, node, (r) => r.type === 'AWS::IAM::Role', 'RoleName');
  return id === undefined ? [] : [id];
}

/**
 * The logical id of a resource of the template that `node` designates: through Ref, GetAtt, a
 * substitution of its name, or a literal (or ARN ending) equal to its `nameProperty`.
 */
function referencedLogicalId(model: DocumentModel, node: SourceNode, wanted: (resource: Resource) => boolean, nameProperty: string): string | undefined {
  const template = model.template;
  if (template === undefined) return undefined;
  for (const value of model.resolver.resolve(node)) {
    if (value.kind === 'partial') {
      for (const ref of value.refs) {
        const resource = ref.kind === 'resource' ? template.resources.get(ref.name) : undefined;
        if (resource !== undefined && wanted(resource)) return resource.logicalId;
      }
    }
    const text = valueText(value);
    if (text === undefined) continue;
    const name = text.split('/').pop();
    for (const resource of template.resources.values()) {
      if (!wanted(resource)) continue;
      const written = scalarString(getPath(resource.properties, [nameProperty]));
      if (written !== undefined && (written === text || written === name)) return resource.logicalId;
    }
  }
  return undefined;
}
