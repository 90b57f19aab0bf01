import { instanceMetadata, resourceLabel, tokenProblems } from '../../model/instance-metadata.js';
import { CLOUDFORMATION_VOCABULARY, type Vocabulary } from '../../model/vocabulary.js';
import type { Rule } from '../types.js';
import { RECOMMENDED_GUARD } from './_metadata-guards.js';

/**
 * Something launches instances from a launch template or launch configuration that this template does
 * not define (a literal id or name, a parameter, an import): its metadata options cannot be verified
 * here. Low, because the setting may well be right; the finding says what to check.
 */
// The template is not in the document: its setting is named as a launch template of this language writes it.
const remedy = (words: Vocabulary) =>
  `Check that the referenced launch template version sets ${words.property('', 'MetadataOptions.HttpTokens')} to required (aws ec2 describe-launch-template-versions), or define the launch template in this ${words.document}.`;
const why = (words: Vocabulary) =>
  `Instances inherit ${words.field('', 'MetadataOptions.HttpTokens')} from the launch template or configuration they are launched from; when it lives in another stack or account, nothing in this pull request shows that it requires IMDSv2.`;
const title = (words: Vocabulary) => `Launch template outside the ${words.document}: IMDS settings not verifiable`;

export const externalLaunchTemplate: Rule = {
  meta: {
    id: 'imdsv2/external-launch-template',
    title: title(CLOUDFORMATION_VOCABULARY),
    category: 'imdsv2',
    severity: 'low',
    why: why(CLOUDFORMATION_VOCABULARY),
    worded: (words) => ({ title: title(words), why: why(words) }),
    fix: 'Check that the referenced launch template version sets MetadataOptions.HttpTokens to required (aws ec2 describe-launch-template-versions), or define the launch template in this template.',
    remedy,
    docs: 'docs/rules/imdsv2/external-launch-template.md',
  },
  appliesTo: ['resources'],
  check({ model, report }) {
    const metadata = instanceMetadata(model);
    for (const reference of metadata.references) {
      // An instance whose own MetadataOptions decide HttpTokens does not depend on the template's.
      const own = metadata.sources.find((source) => source.resource === reference.consumer);
      if (own !== undefined && own.optionsNode !== undefined && !tokenProblems(model.resolver, own, false).some((p) => p.kind === 'options-absent' || p.kind === 'tokens-absent')) continue;
      const noun = reference.targetKind === 'launch-template' ? 'launch template' : 'launch configuration';
      const words = model.vocabulary;
      // The target is not in the document: its setting is named as a launch template of this language writes it.
      const httpTokens = words.property('', 'MetadataOptions.HttpTokens');
      const check =
        reference.targetKind === 'launch-template'
          ? `check that the version it uses sets ${httpTokens} to required (aws ec2 describe-launch-template-versions --query "LaunchTemplateVersions[].LaunchTemplateData.MetadataOptions")`
          : `check that it sets ${httpTokens} to required (aws autoscaling describe-launch-configurations), or move the group to a launch template defined here`;
      for (const target of reference.targets) {
        if (target.kind !== 'external') continue;
        const consumer = `${resourceLabel(reference.consumer)}`;
        report({
          node: target.node,
          resource: reference.consumer.logicalId,
          message: `${consumer} launches instances from ${noun} ${target.description} (${words.property(reference.consumer, reference.path)}), which this ${words.document} does not define, so whether it allows IMDSv1 cannot be verified: ${check}.`,
          element: target.description,
          remediation: `${remedy(words)} ${RECOMMENDED_GUARD}`,
        });
      }
    }
  },
};
