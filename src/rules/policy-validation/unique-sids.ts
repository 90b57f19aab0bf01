import { codeRule } from './_code-rule.js';

/** Two statements with the same Sid. */
export const uniqueSids = codeRule({
  id: 'policy-validation/unique-sids',
  title: 'Statement ids are not unique',
  codes: ['UNIQUE_SIDS_REQUIRED', 'UNIQUE_SIDS_RECOMMENDED'],
  why: 'Resource policies, trust policies and SCPs with duplicate Sids are rejected by the services that store them; in identity policies duplicates make findings and reviews point at the wrong statement.',
  fix: 'Give every statement of a policy its own Sid (or none).',
});
