import { codeRule } from './_code-rule.js';

/** Condition operators: names, qualifiers and IfExists. */
export const conditionOperator = codeRule({
  id: 'policy-validation/condition-operator',
  title: 'Condition operator is invalid or misused',
  codes: ['INVALID_CONDITION_OPERATOR', 'NULL_WITH_IF_EXISTS', 'MISSING_QUALIFIER', 'FORALLVALUES_WITH_SINGLE_VALUED_KEY'],
  why: 'An unknown operator makes AWS reject the policy; a multi-valued key without ForAnyValue/ForAllValues, or ForAllValues on a single-valued key, makes a condition match in cases the author did not intend (ForAllValues is true when the key is absent).',
  fix: 'Use an operator from the IAM condition operator list; prefix multi-valued keys (aws:TagKeys, aws:PrincipalOrgPaths, …) with ForAnyValue: or ForAllValues:, and use plain operators with single-valued keys.',
});
