import type { Vocabulary } from '../../model/vocabulary.js';
import type { Rule } from '../types.js';
import { RECOMMENDED_GUARD } from './_metadata-guards.js';
import { managedInstanceSurfaces } from '../../model/managed-instances.js';
import { V1_IMPACT } from './_token-findings.js';

/**
 * Instances that AWS services run for you and that serve role credentials over IMDS: SageMaker notebook
 * instances (MinimumInstanceMetadataServiceVersion, IMDSv1 by default) and EMR clusters (the security
 * configuration's InstanceMetadataServiceConfiguration). IMDSv1 allowed is high; a setting that cannot
 * be verified (a parameter without default, a security configuration from outside the template) is
 * medium, never a pass.
 */
/** The fix for both services; an EMR security configuration is JSON in either language, so its keys are EMR's. */
export const managedInstanceRemedy = (words: Vocabulary, resource: string) =>
  `SageMaker: ${words.block(resource, 'InstanceMetadataServiceConfiguration', [['MinimumInstanceMetadataServiceVersion', '2']])}. ` +
  `EMR: a ${words.field(resource, 'SecurityConfiguration')} whose JSON has InstanceMetadataServiceConfiguration: {MinimumInstanceMetadataServiceVersion: 2, HttpPutResponseHopLimit: 1}, named by the cluster.`;

export const managedInstanceImds: Rule = {
  meta: {
    id: 'imdsv2/managed-instance-imds',
    title: 'SageMaker notebook or EMR cluster allows IMDSv1',
    category: 'imdsv2',
    severity: 'high',
    why: 'Notebook instances and EMR nodes run code that fetches URLs (notebooks, Spark jobs, web UIs) with a role attached; with IMDSv1 any SSRF or untrusted notebook hands out that role\'s credentials, which work from anywhere.',
    fix: 'SageMaker: InstanceMetadataServiceConfiguration: {MinimumInstanceMetadataServiceVersion: "2"}. EMR: a SecurityConfiguration whose JSON has InstanceMetadataServiceConfiguration: {MinimumInstanceMetadataServiceVersion: 2, HttpPutResponseHopLimit: 1}, named by the cluster.',
    remedy: managedInstanceRemedy,
    docs: 'docs/rules/imdsv2/managed-instance-imds.md',
  },
  appliesTo: ['resources'],
  check({ model, report }) {
    for (const surface of managedInstanceSurfaces(model)) {
      if (surface.verdict === 'v2') continue;
      report({
        node: surface.node,
        resource: surface.resource.logicalId,
        severity: surface.verdict === 'unknown' ? 'medium' : 'high',
        message:
          surface.verdict === 'unknown'
            ? `${surface.label} ${surface.detail}: its instances may allow IMDSv1. ${V1_IMPACT}`
            : `${surface.label} ${surface.detail}: its instances allow IMDSv1. ${V1_IMPACT}`,
        element: surface.verdict,
        remediation: `${managedInstanceRemedy(surface.resource.vocabulary, surface.resource.logicalId)} ${RECOMMENDED_GUARD}`,
      });
    }
  },
};
