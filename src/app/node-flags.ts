/**
 * Node flags the app server is started with: `npm start` (package.json), the Docker image's CMD and the
 * benchmark's app process all use these (test/app/node-flags.test.ts checks that they agree).
 *
 * `--max-semi-space-size=4`: V8's young generation may otherwise grow to 3 × 16 MB, resident for as
 * long as the process lives. The app's objects are either short-lived (one request) or live for a whole
 * check (a template's node tree), so a small young generation costs no measurable time and keeps ~16 MB
 * off the peak of a large check (10 MB template: 272 → 256 MB in the CLI). It cannot be changed once the
 * process runs (v8.setFlagsFromString has no effect on the heap's configured size), hence a start flag.
 */
export const APP_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
