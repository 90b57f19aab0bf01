import type { Rule } from '../types.js';
import { reportTokenFindings } from './_token-findings.js';

/** An Auto Scaling launch configuration whose MetadataOptions allow IMDSv1 (or that sets none). */
export const launchConfigurationImds: Rule = {
  meta: {
    id: 'imdsv2/launch-configuration-imds',
    title: 'Launch configuration allows IMDSv1',
    category: 'imdsv2',
    severity: 'high',
    why: 'Every instance the Auto Scaling group launches from this configuration answers IMDSv1, so an SSRF hole or open proxy is enough to steal the instance role credentials.',
    fix: 'Set MetadataOptions: {HttpTokens: required} on the launch configuration, or better, move the group to a launch template that sets it.',
    docs: 'docs/rules/imdsv2/launch-configuration-imds.md',
  },
  appliesTo: ['cloudformation'],
  check(context) {
    reportTokenFindings(context, 'launch-configuration', 'Set MetadataOptions.HttpTokens to required on the launch configuration (launch configurations are deprecated: a launch template is the better home).');
  },
};
