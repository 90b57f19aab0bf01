/**
 * Writes schema/trustgate.schema.json from the configuration schema in src/config/schema.ts.
 * Run `npx tsx scripts/generate-config-schema.ts` after changing the schema; a test fails until you do.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchemaText } from '../src/config/json-schema.js';

const target = fileURLToPath(new URL('../schema/trustgate.schema.json', import.meta.url));
writeFileSync(target, configJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
