import type { Vocabulary } from '../../model/vocabulary.js';
import type { Rule } from '../types.js';
import { reportTokenFindings } from './_token-findings.js';

/**
 * An instance whose own MetadataOptions allow IMDSv1, or that sets none and has no launch template.
 * An instance that takes its settings from a launch template is judged at the template (or by
 * imdsv2/external-launch-template when the template is elsewhere).
 */
const remedy = (words: Vocabulary, instance: string) =>
  `Set ${words.block(instance, 'MetadataOptions', [['HttpTokens', 'required']])} on the instance (or ${words.setting(words.field(instance, 'MetadataOptions.HttpEndpoint'), 'disabled')} when nothing on it reads instance metadata).`;

export const instanceImds: Rule = {
  meta: {
    id: 'imdsv2/instance-imds',
    title: 'EC2 instance allows IMDSv1',
    category: 'imdsv2',
    severity: 'high',
    why: 'IMDSv1 answers any plain HTTP GET from the instance, so an SSRF hole or open proxy is enough to steal the instance role credentials (the Capital One breach).',
    fix: 'Set MetadataOptions: {HttpTokens: required} on the instance (or HttpEndpoint: disabled when nothing on it reads instance metadata).',
    remedy,
    docs: 'docs/rules/imdsv2/instance-imds.md',
  },
  appliesTo: ['resources'],
  check(context) {
    reportTokenFindings(context, 'instance', (words, instance) => `Set ${words.property(instance, 'MetadataOptions.HttpTokens')} to required on the instance (or launch it from a launch template that does).`);
  },
};
