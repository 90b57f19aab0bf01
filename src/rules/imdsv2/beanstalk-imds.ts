import { BEANSTALK_IMDS_NAMESPACE, BEANSTALK_IMDS_OPTION, beanstalkLaunches, type BeanstalkLaunch } from '../../model/beanstalk.js';
import { describeValue, type ResolvedValue } from '../../model/intrinsics.js';
import type { SourceNode } from '../../parse/nodes.js';
import type { Vocabulary } from '../../model/vocabulary.js';
import type { Rule } from '../types.js';
import { RECOMMENDED_GUARD } from './_metadata-guards.js';
import { V1_IMPACT } from './_token-findings.js';

const NAMESPACE = BEANSTALK_IMDS_NAMESPACE;
const OPTION = BEANSTALK_IMDS_OPTION;

/**
 * Elastic Beanstalk environments whose instances allow IMDSv1: `DisableIMDSv1` is `false`, comes from a
 * parameter that allows `false`, or is not set in the environment nor in its configuration template
 * (then the platform's default decides, which this template cannot show).
 */
const remedy = (words: Vocabulary, resource: string) =>
  `Add ${words.item(resource, 'OptionSettings', 'option setting', [['Namespace', NAMESPACE], ['OptionName', OPTION], ['Value', 'true']])}.`;

export const beanstalkImds: Rule = {
  meta: {
    id: 'imdsv2/beanstalk-imds',
    title: 'Elastic Beanstalk environment allows IMDSv1',
    category: 'imdsv2',
    severity: 'high',
    why: 'Beanstalk instances run a public web application with the environment instance profile; with IMDSv1 any SSRF in the application hands out its credentials.',
    fix: 'Add the option setting Namespace aws:autoscaling:launchconfiguration, OptionName DisableIMDSv1, Value "true".',
    remedy,
    docs: 'docs/rules/imdsv2/beanstalk-imds.md',
  },
  appliesTo: ['resources'],
  check({ model, report }) {
    const remediation = (launch: BeanstalkLaunch) => `${remedy(launch.resource.vocabulary, launch.resource.logicalId)} ${RECOMMENDED_GUARD}`;
    const launches = beanstalkLaunches(model);
    const judge = (launch: BeanstalkLaunch, setting: SourceNode): boolean => {
      const resource = launch.resource;
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
              ? `${label(launch)} sets ${OPTION} to ${describeValue(value)}, which could not be verified to be true: its instances may allow IMDSv1. ${V1_IMPACT}`
              : `${label(launch)} sets ${OPTION} to ${describeValue(value)}${fromParameter ? ` through ${value.via}` : ''}, so its instances allow IMDSv1. ${V1_IMPACT}`,
          ...(fromParameter && !inside ? { related: [{ node: value.node, message: `${value.via} allows ${describeValue(value)}` }] } : {}),
          element: describeValue(value),
          remediation: remediation(launch),
        });
        reported = true;
      }
      return reported;
    };

    for (const launch of beanstalkLaunches(model)) {
      if (launch.kind === 'configuration-template') {
        if (launch.option !== undefined) judge(launch, launch.option);
        continue;
      }
      const { resource: environment, configuration } = launch;
      if (launch.option !== undefined) {
        judge(launch, launch.option);
        continue;
      }
      const inherited = configuration === undefined ? undefined : launches.find((other) => other.resource === configuration)?.option;
      if (inherited !== undefined) continue; // judged at the configuration template
      report({
        node: launch.anchor,
        resource: environment.logicalId,
        severity: 'medium',
        message: `${label(launch)} does not set ${NAMESPACE} ${OPTION}${configuration ? ` (nor does its configuration template ${configuration.logicalId})` : ''}, so whether its instances allow IMDSv1 depends on the platform's default, which this ${model.vocabulary.document} does not show. ${V1_IMPACT}`,
        remediation: remediation(launch),
      });
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

function label(launch: BeanstalkLaunch): string {
  return launch.resource.vocabulary.resource(launch.resource, launch.kind === 'environment' ? 'Elastic Beanstalk environment' : 'Elastic Beanstalk configuration template');
}
