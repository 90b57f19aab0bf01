import { RE2JS } from 're2js';
import { LIMITS } from './limits.js';

/**
 * A regular expression written by a rule author. It runs on RE2 (re2js), whose matching time is linear
 * in the input whatever the pattern, so `(a+)+$` cannot stall a scan; features RE2 leaves out because
 * they need backtracking (backreferences, lookaround) are refused when the rule is loaded.
 */
export interface UserPattern {
  readonly source: string;
  /** `true` when the pattern occurs anywhere in `text` (anchor with `^…$` for a whole-value match). */
  test(text: string): boolean;
}

export type PatternResult = { ok: true; pattern: UserPattern } | { ok: false; message: string };

export function compileUserPattern(source: string): PatternResult {
  if (source.length > LIMITS.maxPatternLength) {
    return { ok: false, message: `the pattern is longer than ${LIMITS.maxPatternLength} characters` };
  }
  let compiled: RE2JS;
  try {
    // No flags: in particular not LOOKBEHINDS, so every accepted pattern is plain RE2.
    compiled = RE2JS.compile(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      message: `the pattern ${JSON.stringify(source)} is not valid RE2 syntax (${reason}); rule patterns run on RE2, which has no backreferences or lookaround`,
    };
  }
  return { ok: true, pattern: { source, test: (text) => compiled.matcher(text).find() } };
}
