import { launchesWithoutTemplate } from '../../model/launchers.js';
import { CLOUDFORMATION_VOCABULARY, type Vocabulary } from '../../model/vocabulary.js';
import type { Rule } from '../types.js';
import { RECOMMENDED_GUARD } from './_metadata-guards.js';
import { V1_IMPACT } from './_token-findings.js';

/**
 * Launchers that leave the metadata options to someone else's defaults because they name no launch
 * template: EKS managed node groups (EKS generates a template), Batch EC2/Spot compute environments,
 * and Spot Fleet LaunchSpecifications (which have no MetadataOptions field at all).
 */
// The launch template is yet to be written: its settings are named as a launch template of this language writes them.
const remedy = (words: Vocabulary) =>
  `Give the node group, compute environment or fleet a launch template whose ${words.property('', 'MetadataOptions')} set ${words.setting(words.field('', 'MetadataOptions.HttpTokens'), 'required')}.`;
const why = (words: Vocabulary) =>
  `Without a launch template the instances get default metadata options (${words.field('', 'MetadataOptions.HttpTokens')} optional unless the AMI or the account default says otherwise), and nothing in the ${words.document} can require IMDSv2.`;

export const noLaunchTemplate: Rule = {
  meta: {
    id: 'imdsv2/no-launch-template',
    title: 'Instances launched without a launch template that requires IMDSv2',
    category: 'imdsv2',
    severity: 'medium',
    why: why(CLOUDFORMATION_VOCABULARY),
    worded: (words) => ({ why: why(words) }),
    fix: 'Give the node group, compute environment or fleet a launch template whose MetadataOptions set HttpTokens: required.',
    remedy,
    docs: 'docs/rules/imdsv2/no-launch-template.md',
  },
  appliesTo: ['resources'],
  check({ model, report }) {
    const words = model.vocabulary;
    const remediation = `${remedy(words)} ${RECOMMENDED_GUARD}`;
    for (const launch of launchesWithoutTemplate(model)) {
      const { resource, node } = launch;
      switch (launch.kind) {
        case 'eks-node-group':
          report({
            node,
            message: `${words.resource(resource, 'EKS node group')} has no ${words.field(resource, 'LaunchTemplate')}, so EKS launches its nodes from a template it generates with default metadata options, which this ${words.document} cannot require to be IMDSv2-only. ${V1_IMPACT}`,
            remediation,
          });
          break;
        case 'batch-compute-environment':
          report({
            node,
            resource: resource.logicalId,
            message: `${words.resource(resource, 'Batch compute environment')} launches ${launch.computeType ?? 'EC2'} instances without a ${words.field(resource, 'ComputeResources.LaunchTemplate')}, so they get default metadata options, which this ${words.document} cannot require to be IMDSv2-only. ${V1_IMPACT}`,
            remediation,
          });
          break;
        case 'spot-fleet-specification':
          report({
            node,
            resource: resource.logicalId,
            severity: 'high',
            message: `${words.resource(resource, 'Spot Fleet')} launches instances from a LaunchSpecification, which cannot set metadata options: they get the defaults (HttpTokens optional unless the AMI or account default says otherwise). ${V1_IMPACT}`,
            remediation: `Replace ${words.field(resource, 'SpotFleetRequestConfigData.LaunchSpecifications')} with ${words.field(resource, 'SpotFleetRequestConfigData.LaunchTemplateConfigs')} whose launch template sets ${words.property('', 'MetadataOptions.HttpTokens')} to required. ${RECOMMENDED_GUARD}`,
          });
          break;
      }
    }
  },
};
