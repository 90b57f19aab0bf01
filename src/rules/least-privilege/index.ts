import { credentialsExposure } from './credentials-exposure.js';
import { fullAdmin } from './full-admin.js';
import { notActionAllow } from './not-action-allow.js';
import { passPrivilegedRole } from './pass-privileged-role.js';
import { passRoleUnrestricted } from './pass-role-unrestricted.js';
import { privilegeEscalation } from './privilege-escalation.js';
import { resourceExposureActions } from './resource-exposure-actions.js';
import { scopedServiceWildcard } from './scoped-service-wildcard.js';
import { selfMintedRole } from './self-minted-role.js';
import { sensitiveDataRead } from './sensitive-data-read.js';
import { serviceWildcard } from './service-wildcard.js';
import { unresolvedGrant } from './unresolved-grant.js';
import { writeOnAnyResource } from './write-on-any-resource.js';
import type { Rule } from '../types.js';

/** The least-privilege rules, listed by hand (see src/rules/index.ts). */
export const leastPrivilegeRules: readonly Rule[] = [
  credentialsExposure,
  fullAdmin,
  notActionAllow,
  passPrivilegedRole,
  passRoleUnrestricted,
  privilegeEscalation,
  resourceExposureActions,
  scopedServiceWildcard,
  selfMintedRole,
  sensitiveDataRead,
  serviceWildcard,
  unresolvedGrant,
  writeOnAnyResource,
];
