import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchemaText } from '../../src/config/json-schema.js';
import { CONFIG_SCHEMA } from '../../src/config/schema.js';

describe('schema/trustgate.schema.json', () => {
  it('is exactly what the configuration schema generates (run `npx tsx scripts/generate-config-schema.ts`)', () => {
    const published = readFileSync(join(import.meta.dirname, '..', '..', 'schema', 'trustgate.schema.json'), 'utf8');
    expect(published).toBe(configJsonSchemaText());
  });

  it('lists every configuration key and rejects unknown ones, as the validator does', () => {
    const published = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'schema', 'trustgate.schema.json'), 'utf8')) as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(Object.keys(published.properties)).toEqual(Object.keys(CONFIG_SCHEMA.properties));
    expect(published.additionalProperties).toBe(false);
  });
});

describe('docs/configuration.md', () => {
  it('documents every key of the schema', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    const missing: string[] = [];
    const walk = (properties: Record<string, unknown>, prefix: string) => {
      for (const [key, value] of Object.entries(properties)) {
        const dotted = prefix === '' ? key : `${prefix}.${key}`;
        if (!doc.includes(`\`${dotted}\``)) missing.push(dotted);
        const nested = (value as { properties?: Record<string, unknown> }).properties;
        if (nested !== undefined && key !== 'rules') walk(nested, dotted);
      }
    };
    walk(CONFIG_SCHEMA.properties, '');
    expect(missing).toEqual([]);
  });
});
