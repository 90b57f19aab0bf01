import type { Rule } from '../types.js';

/** The imdsv2 rules, listed by hand (see src/rules/index.ts). */
export const imdsv2Rules: readonly Rule[] = [];
