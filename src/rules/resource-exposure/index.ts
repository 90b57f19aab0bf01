import type { Rule } from '../types.js';
import { crossAccountResourcePolicy } from './cross-account-resource-policy.js';
import { publicResourcePolicy } from './public-resource-policy.js';
import { servicePrincipalWithoutSource } from './service-principal-without-source.js';

/** The resource-exposure rules, listed by hand (see src/rules/index.ts). */
export const resourceExposureRules: readonly Rule[] = [crossAccountResourcePolicy, publicResourcePolicy, servicePrincipalWithoutSource];
