import { codeRule } from './_code-rule.js';

/** Repeated actions, resources and statements. */
export const redundantElements = codeRule({
  id: 'policy-validation/redundant-elements',
  title: 'Policy repeats an action, resource or statement',
  codes: ['REDUNDANT_ACTION', 'REDUNDANT_RESOURCE', 'REDUNDANT_STATEMENT'],
  why: 'A repeated or already-covered entry changes nothing, but hides the real scope of the grant from reviewers and counts against the policy size limit; it often marks a copy-paste mistake where something else was meant.',
  fix: 'Remove the repeated entry, or replace it with what was actually intended (a different action or ARN).',
});
