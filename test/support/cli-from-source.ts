// `trustgate` run from the TypeScript sources (node --import tsx test/support/cli-from-source.ts …), for
// tests that start the CLI as a process where the build may be older than the sources.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
