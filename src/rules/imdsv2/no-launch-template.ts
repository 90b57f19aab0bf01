import { instanceMetadata, referencesFrom } from '../../model/instance-metadata.js';
import { getEntry, getKey, scalarString } from '../../parse/nodes.js';
import type { Rule } from '../types.js';
import { RECOMMENDED_GUARD } from './_metadata-guards.js';
import { V1_IMPACT } from './_token-findings.js';

/**
 * Launchers that leave the metadata options to someone else's defaults because they name no launch
 * template: EKS managed node groups (EKS generates a template), Batch EC2/Spot compute environments,
 * and Spot Fleet LaunchSpecifications (which have no MetadataOptions field at all).
 */
export const noLaunchTemplate: Rule = {
  meta: {
    id: 'imdsv2/no-launch-template',
    title: 'Instances launched without a launch template that requires IMDSv2',
    category: 'imdsv2',
    severity: 'medium',
    why: 'Without a launch template the instances get default metadata options (HttpTokens optional unless the AMI or the account default says otherwise), and nothing in the template can require IMDSv2.',
    fix: 'Give the node group, compute environment or fleet a launch template whose MetadataOptions set HttpTokens: required.',
    docs: 'docs/rules/imdsv2/no-launch-template.md',
  },
  appliesTo: ['cloudformation'],
  check({ model, report }) {
    const template = model.template;
    if (template === undefined) return;
    const metadata = instanceMetadata(model);
    const words = model.vocabulary;
    const remediation = `${noLaunchTemplate.meta.fix} ${RECOMMENDED_GUARD}`;
    for (const nodegroup of template.resourcesOfType('AWS::EKS::Nodegroup')) {
      if (referencesFrom(metadata, nodegroup).length > 0 || getKey(nodegroup.properties, 'LaunchTemplate') !== undefined) continue;
      report({
        node: nodegroup.keyNode,
        message: `${words.resource(nodegroup, 'EKS node group')} has no ${words.field(nodegroup, 'LaunchTemplate')}, so EKS launches its nodes from a template it generates with default metadata options, which this ${words.document} cannot require to be IMDSv2-only. ${V1_IMPACT}`,
        remediation,
      });
    }
    for (const environment of template.resourcesOfType('AWS::Batch::ComputeEnvironment')) {
      const resources = getKey(environment.properties, 'ComputeResources');
      if (resources === undefined) continue; // unmanaged: the instances are yours, launched elsewhere
      const type = scalarString(getKey(resources, 'Type'));
      if (type !== undefined && /^FARGATE/i.test(type)) continue; // no instances, no IMDS
      if (getKey(resources, 'LaunchTemplate') !== undefined) continue;
      report({
        node: getEntry(environment.properties, 'ComputeResources')?.key ?? environment.keyNode,
        resource: environment.logicalId,
        message: `Batch compute environment ${environment.logicalId} launches ${type ?? 'EC2'} instances without a LaunchTemplate, so they get default metadata options, which this template cannot require to be IMDSv2-only. ${V1_IMPACT}`,
        remediation,
      });
    }
    for (const fleet of template.resourcesOfType('AWS::EC2::SpotFleet')) {
      const specifications = getKey(getKey(fleet.properties, 'SpotFleetRequestConfigData'), 'LaunchSpecifications');
      for (const specification of model.resolver.listItems(specifications)) {
        report({
          node: specification,
          resource: fleet.logicalId,
          severity: 'high',
          message: `Spot Fleet ${fleet.logicalId} launches instances from a LaunchSpecification, which cannot set metadata options: they get the defaults (HttpTokens optional unless the AMI or account default says otherwise). ${V1_IMPACT}`,
          remediation: `Replace LaunchSpecifications with LaunchTemplateConfigs whose launch template sets MetadataOptions.HttpTokens to required. ${RECOMMENDED_GUARD}`,
        });
      }
    }
  },
};
