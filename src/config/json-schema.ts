import { toJsonSchema, type JsonSchema } from './schema-dsl.js';
import { CONFIG_SCHEMA, CONFIG_SCHEMA_ID } from './schema.js';

/**
 * The published JSON Schema of `.github/trustgate.yml`, generated from {@link CONFIG_SCHEMA}.
 * schema/trustgate.schema.json holds this text; test/config/json-schema.test.ts fails when they differ.
 */
export function configJsonSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: CONFIG_SCHEMA_ID,
    title: 'trustgate configuration',
    ...toJsonSchema(CONFIG_SCHEMA),
  };
}

/** The exact text of schema/trustgate.schema.json. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
