import type { DocumentModel } from '../../model/document-model.js';
import { describeValue, type ResolvedValue } from '../../model/intrinsics.js';
import type { Resource } from '../../model/template.js';
import { getEntry, getKey, scalarString, type SourceNode } from '../../parse/nodes.js';
import type { Rule } from '../types.js';
import { RECOMMENDED_GUARD } from './_metadata-guards.js';
import { V1_IMPACT } from './_token-findings.js';

const NAMESPACE = 'aws:autoscaling:launchconfiguration';
const OPTION = 'DisableIMDSv1';

/**
 * Elastic Beanstalk environments whose instances allow IMDSv1: `DisableIMDSv1` is `false`, comes from a
 * parameter that allows `false`, or is not set in the environment nor in its configuration template
 * (then the platform's default decides, which this template cannot show).
 */
export const beanstalkImds: Rule = {
  meta: {
    id: 'imdsv2/beanstalk-imds',
    title: 'Elastic Beanstalk environment allows IMDSv1',
    category: 'imdsv2',
    severity: 'high',
    why: 'Beanstalk instances run a public web application with the environment instance profile; with IMDSv1 any SSRF in the application hands out its credentials.',
    fix: 'Add the option setting Namespace aws:autoscaling:launchconfiguration, OptionName DisableIMDSv1, Value "true".',
    docs: 'docs/rules/imdsv2/beanstalk-imds.md',
  },
  appliesTo: ['cloudformation'],
  check({ model, report }) {
    const template = model.template;
    if (template === undefined) return;
    const remediation = `${beanstalkImds.meta.fix} ${RECOMMENDED_GUARD}`;
    const templatesInUse = new Set<Resource>();
    const judge = (resource: Resource, setting: SourceNode): boolean => {
      let reported = false;
      for (const value of model.resolver.resolve(setting)) {
        const verdict = judgeValue(value);
        if (verdict === 'disabled') continue;
        const fromParameter = 'via' in value && value.via !== undefined;
        const inside = value.node.start >= setting.start && value.node.end <= setting.end;
        report({
          node: inside ? value.node : setting,
          resource: resource.logicalId,
          severity: verdict === 'unknown' ? 'medium' : 'high',
          message:
            verdict === 'unknown'
              ? `${label(resource)} sets ${OPTION} to ${describeValue(value)}, which could not be verified to be true: its instances may allow IMDSv1. ${V1_IMPACT}`
              : `${label(resource)} sets ${OPTION} to ${describeValue(value)}${fromParameter ? ` through ${value.via}` : ''}, so its instances allow IMDSv1. ${V1_IMPACT}`,
          ...(fromParameter && !inside ? { related: [{ node: value.node, message: `${value.via} allows ${describeValue(value)}` }] } : {}),
          element: describeValue(value),
          remediation,
        });
        reported = true;
      }
      return reported;
    };

    for (const environment of template.resourcesOfType('AWS::ElasticBeanstalk::Environment')) {
      const configuration = configurationTemplateOf(model, environment);
      if (configuration !== undefined) templatesInUse.add(configuration);
      const own = optionValue(model, environment);
      if (own !== undefined) {
        judge(environment, own);
        continue;
      }
      const inherited = configuration === undefined ? undefined : optionValue(model, configuration);
      if (inherited !== undefined) continue; // judged at the configuration template below
      report({
        node: getEntry(environment.properties, 'OptionSettings')?.key ?? environment.keyNode,
        resource: environment.logicalId,
        severity: 'medium',
        message: `${label(environment)} does not set ${NAMESPACE} ${OPTION}${configuration ? ` (nor does its configuration template ${configuration.logicalId})` : ''}, so whether its instances allow IMDSv1 depends on the platform's default, which this template does not show. ${V1_IMPACT}`,
        remediation,
      });
    }
    for (const configuration of template.resourcesOfType('AWS::ElasticBeanstalk::ConfigurationTemplate')) {
      const own = optionValue(model, configuration);
      if (own !== undefined) judge(configuration, own);
    }
  },
};

function judgeValue(value: ResolvedValue): 'disabled' | 'enabled' | 'unknown' {
  if (value.kind === 'known') {
    const text = String(value.value).toLowerCase();
    if (text === 'true') return 'disabled';
    if (text === 'false') return 'enabled';
  }
  return 'unknown';
}

/** The `Value` node of the DisableIMDSv1 option setting, when the resource has one. */
function optionValue(model: DocumentModel, resource: Resource): SourceNode | undefined {
  for (const setting of model.resolver.listItems(getKey(resource.properties, 'OptionSettings'))) {
    if (scalarString(getKey(setting, 'Namespace')) !== NAMESPACE || scalarString(getKey(setting, 'OptionName')) !== OPTION) continue;
    return getKey(setting, 'Value') ?? setting;
  }
  return undefined;
}

/** The configuration template an environment names in TemplateName (`!Ref` or the literal name). */
function configurationTemplateOf(model: DocumentModel, environment: Resource): Resource | undefined {
  const name = getKey(environment.properties, 'TemplateName');
  if (name === undefined) return undefined;
  const template = model.template!;
  for (const value of model.resolver.resolve(name)) {
    if (value.kind === 'partial') {
      const ref = value.refs.find((r) => r.kind === 'resource' && template.resources.get(r.name)?.type === 'AWS::ElasticBeanstalk::ConfigurationTemplate');
      if (ref !== undefined) return template.resources.get(ref.name);
    }
  }
  return undefined;
}

function label(resource: Resource): string {
  return resource.type === 'AWS::ElasticBeanstalk::Environment' ? `Elastic Beanstalk environment ${resource.logicalId}` : `Elastic Beanstalk configuration template ${resource.logicalId}`;
}
