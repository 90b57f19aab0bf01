import { fullAdmin } from './full-admin.js';
import type { Rule } from '../types.js';

/** The least-privilege rules, listed by hand (see src/rules/index.ts). */
export const leastPrivilegeRules: readonly Rule[] = [fullAdmin];
