import type { Rule } from '../types.js';
import { beanstalkImds } from './beanstalk-imds.js';
import { credentialExfiltrationPath } from './credential-exfiltration-path.js';
import { externalLaunchTemplate } from './external-launch-template.js';
import { instanceImds } from './instance-imds.js';
import { managedInstanceImds } from './managed-instance-imds.js';
import { noLaunchTemplate } from './no-launch-template.js';
import { userDataSecrets } from './user-data-secrets.js';
import { weakMetadataGuard } from './weak-metadata-guard.js';

/** The imdsv2 rules, listed by hand (see src/rules/index.ts). */
export const imdsv2Rules: readonly Rule[] = [
  beanstalkImds,
  credentialExfiltrationPath,
  externalLaunchTemplate,
  instanceImds,
  managedInstanceImds,
  noLaunchTemplate,
  userDataSecrets,
  weakMetadataGuard,
];
