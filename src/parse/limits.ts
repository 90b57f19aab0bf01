/**
 * Bounds on hostile input. A pull request can contain anything; these keep one file from taking the
 * process down. They are documented in README ("Limits").
 */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
/** Deeper nesting than this is not a real template; stops stack exhaustion in every later walk. */
export const MAX_NESTING_DEPTH = 256;
/** Upper bound on nodes in one document. */
export const MAX_NODES = 2_000_000;
/** Upper bound on nodes produced by expanding YAML aliases: real templates barely use them; bombs do. */
export const MAX_ALIAS_NODES = 100_000;
