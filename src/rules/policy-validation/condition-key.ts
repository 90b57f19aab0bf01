import { codeRule } from './_code-rule.js';

/** Condition keys that do not exist, or that none of the statement's actions supports. */
export const conditionKey = codeRule({
  id: 'policy-validation/condition-key',
  title: 'Condition key does not exist or does not apply to the actions',
  codes: ['INVALID_GLOBAL_CONDITION_KEY', 'INVALID_SERVICE_CONDITION_KEY', 'UNSUPPORTED_CONDITION_KEY_FOR_ACTION'],
  why: 'A condition on a key the request never carries is never true: an Allow with it grants nothing, and a Deny with it (a guard rail such as "deny unless encrypted") never applies — the protection exists only on paper.',
  fix: 'Use a global key (aws:…) or a key the service authorization reference lists for the actions of the statement; split the statement when only some of its actions support the key.',
});
