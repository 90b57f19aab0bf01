import type { Rule } from '../types.js';

/** The cross-account-trust rules, listed by hand (see src/rules/index.ts). */
export const crossAccountTrustRules: readonly Rule[] = [];
