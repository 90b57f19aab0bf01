import type { Rule } from '../types.js';
import { reportTokenFindings } from './_token-findings.js';

/**
 * A launch template whose LaunchTemplateData.MetadataOptions allow IMDSv1. Every instance, Auto Scaling
 * group, node group, fleet and Batch environment that launches from it inherits the setting; they are
 * listed in the finding instead of being reported one by one.
 */
export const launchTemplateImds: Rule = {
  meta: {
    id: 'imdsv2/launch-template-imds',
    title: 'Launch template allows IMDSv1',
    category: 'imdsv2',
    severity: 'high',
    why: 'Every instance launched from the template answers IMDSv1, so an SSRF hole or open proxy on any of them is enough to steal the instance role credentials.',
    fix: 'Set LaunchTemplateData.MetadataOptions: {HttpTokens: required} (or HttpEndpoint: disabled).',
    docs: 'docs/rules/imdsv2/launch-template-imds.md',
  },
  appliesTo: ['cloudformation'],
  check(context) {
    reportTokenFindings(context, 'launch-template', 'Set LaunchTemplateData.MetadataOptions.HttpTokens to required.');
  },
};
