import type { Rule } from '../types.js';

/** The resource-exposure rules, listed by hand (see src/rules/index.ts). */
export const resourceExposureRules: readonly Rule[] = [];
