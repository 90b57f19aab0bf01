import type { DocumentModel } from './document-model.js';
import type { Resource } from './template.js';
import { getEntry, getKey, scalarString, type SourceNode } from '../parse/nodes.js';

/** The option setting that turns IMDSv1 off on an Elastic Beanstalk environment's instances. */
export const BEANSTALK_IMDS_NAMESPACE = 'aws:autoscaling:launchconfiguration';
export const BEANSTALK_IMDS_OPTION = 'DisableIMDSv1';

/** An Elastic Beanstalk environment or configuration template, with what it says of IMDSv1. */
export interface BeanstalkLaunch {
  kind: 'environment' | 'configuration-template';
  resource: Resource;
  /** The `Value` of its DisableIMDSv1 option setting (the setting itself when it has no Value); `undefined` when it sets none. */
  option: SourceNode | undefined;
  /** For an environment: the configuration template of this document it names. */
  configuration?: Resource;
  /** Where a finding about a missing setting points: the option settings, else the resource. */
  anchor: SourceNode;
}

/** Every Beanstalk environment, then every configuration template, of the document. */
export function beanstalkLaunches(model: DocumentModel): BeanstalkLaunch[] {
  return model.derive('beanstalk-launches', (m) => {
    const template = m.template;
    if (template === undefined) return [];
    const out: BeanstalkLaunch[] = [];
    const launch = (kind: BeanstalkLaunch['kind'], resource: Resource, configuration?: Resource): BeanstalkLaunch => ({
      kind,
      resource,
      option: optionValue(m, resource),
      ...(configuration !== undefined ? { configuration } : {}),
      anchor: getEntry(resource.properties, 'OptionSettings')?.key ?? resource.keyNode,
    });
    for (const environment of template.resourcesOfType('AWS::ElasticBeanstalk::Environment')) out.push(launch('environment', environment, configurationTemplateOf(m, environment)));
    for (const configuration of template.resourcesOfType('AWS::ElasticBeanstalk::ConfigurationTemplate')) out.push(launch('configuration-template', configuration));
    return out;
  });
}

function optionValue(model: DocumentModel, resource: Resource): SourceNode | undefined {
  for (const setting of model.resolver.listItems(getKey(resource.properties, 'OptionSettings'))) {
    if (scalarString(getKey(setting, 'Namespace')) !== BEANSTALK_IMDS_NAMESPACE || scalarString(getKey(setting, 'OptionName')) !== BEANSTALK_IMDS_OPTION) continue;
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
