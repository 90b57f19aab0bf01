import type { Rule } from '../types.js';

/** The policy-validation rules, listed by hand (see src/rules/index.ts). */
export const policyValidationRules: readonly Rule[] = [];
