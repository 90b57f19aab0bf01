#!/usr/bin/env node
// The package's executable. It runs the bundled CLI (dist/cli/, built by `npm install` and `npm run build`
// through scripts/bundle-cli.mjs), which starts faster than the ~150 compiled modules it is made of; when the
// bundle is missing or older than the compiled modules (someone ran `tsc` alone), it runs the modules.
import { statSync } from 'node:fs';

const modules = new URL('../dist/src/cli/main.js', import.meta.url);
const bundle = new URL('../dist/cli/trustgate.js', import.meta.url);
const modifiedAt = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? -1;
const entry = modifiedAt(bundle) >= modifiedAt(modules) ? bundle : modules;
const { main } = await import(entry.href);

process.exitCode = await main(process.argv.slice(2));
