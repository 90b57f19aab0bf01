import type { Rule } from '../types.js';
import { allowWithNotPrincipal } from './allow-with-not-principal.js';
import { conditionKey } from './condition-key.js';
import { conditionOperator } from './condition-operator.js';
import { conditionValueType } from './condition-value-type.js';
import { invalidAction } from './invalid-action.js';
import { passRoleWithStar } from './pass-role-with-star.js';
import { policyVersion } from './policy-version.js';
import { principalElement } from './principal-element.js';
import { redundantElements } from './redundant-elements.js';
import { resourceArn } from './resource-arn.js';
import { resourceTypeMismatch } from './resource-type-mismatch.js';
import { statementStructure } from './statement-structure.js';
import { uniqueSids } from './unique-sids.js';

/**
 * The policy-validation rules, listed by hand (see src/rules/index.ts). Each owns a group of Access
 * Analyzer issue codes; together they cover every code of _codes.ts exactly once.
 */
export const policyValidationRules = [
  allowWithNotPrincipal,
  conditionKey,
  conditionOperator,
  conditionValueType,
  invalidAction,
  passRoleWithStar,
  policyVersion,
  principalElement,
  redundantElements,
  resourceArn,
  resourceTypeMismatch,
  statementStructure,
  uniqueSids,
] satisfies readonly Rule[];
