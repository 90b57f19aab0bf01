#!/usr/bin/env node
// Bundles the CLI (src/cli/main.ts and everything it imports, dependencies included; esbuild strips the
// types, tsc checks them) into dist/cli/: one module for the scan path, plus a separate chunk for what is
// imported lazily (the --access-analyzer path; the AWS SDK itself stays external and loads only then).
//
// Why: `trustgate scan` is a short process, and resolving and compiling ~150 separate modules cost about
// 0.15 s of every run — a tenth of a whole corpus scan. bin/trustgate.js runs the bundle when it is at
// least as new as the compiled modules, and the modules otherwise, so a plain `tsc` never runs stale code.
//
// Runs after `tsc` in `npm run build` and `prepare`. Usage: node scripts/bundle-cli.mjs [--outdir <dir>]
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdirFlag = process.argv.indexOf('--outdir');
const outdir = outdirFlag > 0 ? resolve(process.argv[outdirFlag + 1]) : join(root, 'dist', 'cli');

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { trustgate: join(root, 'src', 'cli', 'main.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // jsonc-parser's `main` is a UMD build whose internal requires a bundler cannot follow; its ESM build can.
  mainFields: ['module', 'main'],
  // The SDK is large and only needed with --access-analyzer; it stays a runtime import from node_modules.
  external: ['@aws-sdk/*'],
  // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __trustgateCreateRequire } from 'node:module'; const require = __trustgateCreateRequire(import.meta.url);" },
  legalComments: 'linked',
  logLevel: 'warning',
});
