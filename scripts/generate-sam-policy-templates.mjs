#!/usr/bin/env node
// Extracts the AWS SAM policy templates (S3ReadPolicy, DynamoDBCrudPolicy, …) from the AWS SAM
// translator's data file into data/sam-policy-templates.json, which is committed.
//
// Source: https://github.com/aws/serverless-application-model, file
// samtranslator/policy_templates_data/policy_templates.json (Apache-2.0).
//
// Usage:
//   node scripts/generate-sam-policy-templates.mjs [path/to/policy_templates.json] [--commit <sha>]
// Without a path it downloads the file at the pinned commit below from raw.githubusercontent.com.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PINNED_COMMIT = '7000d0a3b0e5e0d9fca014ce135850718aad1290';
const FILE = 'samtranslator/policy_templates_data/policy_templates.json';

const args = process.argv.slice(2);
const commitFlag = args.indexOf('--commit');
const commit = commitFlag >= 0 ? args[commitFlag + 1] : PINNED_COMMIT;
const localPath = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--commit');

const text = localPath !== undefined
  ? readFileSync(localPath, 'utf8')
  : await (await fetch(`https://raw.githubusercontent.com/aws/serverless-application-model/${commit}/${FILE}`)).text();
const source = JSON.parse(text);

const templates = {};
for (const name of Object.keys(source.Templates).sort()) {
  const template = source.Templates[name];
  templates[name] = {
    description: template.Description,
    parameters: Object.keys(template.Parameters ?? {}),
    definition: template.Definition,
  };
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(
  join(root, 'data', 'sam-policy-templates.json'),
  JSON.stringify(
    {
      source: `https://github.com/aws/serverless-application-model/blob/${commit}/${FILE}`,
      licence: 'Apache-2.0 (AWS SAM translator data)',
      regenerate: 'node scripts/generate-sam-policy-templates.mjs [path/to/policy_templates.json] [--commit <sha>]',
      templates,
    },
    null,
    1,
  ) + '\n',
);
console.log(`generate-sam-policy-templates: ${Object.keys(templates).length} templates`);
