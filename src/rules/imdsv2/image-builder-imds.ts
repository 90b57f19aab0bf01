import type { Rule } from '../types.js';
import { reportTokenFindings } from './_token-findings.js';

/** An Image Builder infrastructure configuration whose build instances allow IMDSv1. */
export const imageBuilderImds: Rule = {
  meta: {
    id: 'imdsv2/image-builder-imds',
    title: 'Image Builder build instances allow IMDSv1',
    category: 'imdsv2',
    severity: 'high',
    why: 'Build and test instances run arbitrary build components with the instance profile; with IMDSv1 any SSRF in that software hands out the role credentials.',
    fix: 'Set InstanceMetadataOptions: {HttpTokens: required} on the infrastructure configuration.',
    docs: 'docs/rules/imdsv2/image-builder-imds.md',
  },
  appliesTo: ['cloudformation'],
  check(context) {
    reportTokenFindings(context, 'image-builder', 'Set InstanceMetadataOptions.HttpTokens to required.');
  },
};
