import type { Rule } from '../types.js';
import { beanstalkImds } from './beanstalk-imds.js';
import { credentialExfiltrationPath } from './credential-exfiltration-path.js';
import { externalLaunchTemplate } from './external-launch-template.js';
import { hopLimit } from './hop-limit.js';
import { imageBuilderImds } from './image-builder-imds.js';
import { instanceImds } from './instance-imds.js';
import { launchConfigurationImds } from './launch-configuration-imds.js';
import { launchTemplateImds } from './launch-template-imds.js';
import { noLaunchTemplate } from './no-launch-template.js';
import { userDataSecrets } from './user-data-secrets.js';
import { weakMetadataGuard } from './weak-metadata-guard.js';

/** The imdsv2 rules, listed by hand (see src/rules/index.ts). */
export const imdsv2Rules: readonly Rule[] = [
  beanstalkImds,
  credentialExfiltrationPath,
  externalLaunchTemplate,
  hopLimit,
  imageBuilderImds,
  instanceImds,
  launchConfigurationImds,
  launchTemplateImds,
  noLaunchTemplate,
  userDataSecrets,
  weakMetadataGuard,
];
