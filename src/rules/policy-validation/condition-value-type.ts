import { codeRule } from './_code-rule.js';

/** Condition values that cannot be of the type the operator compares, and operators of the wrong type for the key. */
export const conditionValueType = codeRule({
  id: 'policy-validation/condition-value-type',
  title: 'Condition value or operator does not match the key type',
  codes: ['TYPE_MISMATCH_DATE', 'TYPE_MISMATCH_NUMBER', 'TYPE_MISMATCH_BOOLEAN', 'TYPE_MISMATCH_IP_RANGE', 'TYPE_MISMATCH_ARN', 'MISMATCHED_TYPE'],
  why: 'A date operator with a value that is not a date, an IpAddress test with something that is not an address, or a string comparison of a boolean key never matches the way it reads: Allows grant nothing and Denies never apply.',
  fix: 'Write dates as ISO 8601 (2025-01-31T00:00:00Z), numbers as digits, booleans as "true"/"false", IP ranges in CIDR notation and ARNs in full, and pick the operator family that matches the key type.',
});
