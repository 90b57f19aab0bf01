import type { DocumentModel } from './document-model.js';
import { instanceMetadata, referencesFrom } from './instance-metadata.js';
import type { Resource } from './template.js';
import { getEntry, getKey, scalarString, type SourceNode } from '../parse/nodes.js';

/**
 * A launcher that leaves the metadata options of its instances to someone else's defaults because it names
 * no launch template: an EKS managed node group (EKS generates a template), a Batch EC2/Spot compute
 * environment, and each LaunchSpecification of a Spot Fleet (which has no metadata options at all).
 */
export type LaunchWithoutTemplate =
  | { kind: 'eks-node-group'; resource: Resource; node: SourceNode }
  | { kind: 'batch-compute-environment'; resource: Resource; node: SourceNode; /** The compute type as written (`EC2`, `SPOT`), when known. */ computeType: string | undefined }
  | { kind: 'spot-fleet-specification'; resource: Resource; node: SourceNode };

/** Every launch of the document without a launch template, in the order: node groups, compute environments, fleets. */
export function launchesWithoutTemplate(model: DocumentModel): LaunchWithoutTemplate[] {
  return model.derive('launches-without-template', (m) => {
    const template = m.template;
    if (template === undefined) return [];
    const metadata = instanceMetadata(m);
    const out: LaunchWithoutTemplate[] = [];
    for (const nodegroup of template.resourcesOfType('AWS::EKS::Nodegroup')) {
      if (referencesFrom(metadata, nodegroup).length > 0 || getKey(nodegroup.properties, 'LaunchTemplate') !== undefined) continue;
      out.push({ kind: 'eks-node-group', resource: nodegroup, node: nodegroup.keyNode });
    }
    for (const environment of template.resourcesOfType('AWS::Batch::ComputeEnvironment')) {
      const resources = getKey(environment.properties, 'ComputeResources');
      if (resources === undefined) continue; // unmanaged: the instances are yours, launched elsewhere
      const computeType = scalarString(getKey(resources, 'Type'));
      if (computeType !== undefined && /^FARGATE/i.test(computeType)) continue; // no instances, no IMDS
      if (getKey(resources, 'LaunchTemplate') !== undefined) continue;
      out.push({ kind: 'batch-compute-environment', resource: environment, node: getEntry(environment.properties, 'ComputeResources')?.key ?? environment.keyNode, computeType });
    }
    for (const fleet of template.resourcesOfType('AWS::EC2::SpotFleet')) {
      const specifications = getKey(getKey(fleet.properties, 'SpotFleetRequestConfigData'), 'LaunchSpecifications');
      for (const specification of m.resolver.listItems(specifications)) out.push({ kind: 'spot-fleet-specification', resource: fleet, node: specification });
    }
    return out;
  });
}
