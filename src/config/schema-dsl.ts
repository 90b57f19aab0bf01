/**
 * A small schema language: one definition of the configuration file drives both the validator (which
 * walks the parsed YAML with positions, so every problem names a line and column) and the published
 * JSON Schema (generated from it by scripts/generate-config-schema.ts, checked by a test). Only the
 * constructs the configuration needs are supported, so the two can never disagree.
 */

interface Described {
  description?: string;
  /** Example values shown by editors (JSON Schema `examples`). */
  examples?: readonly unknown[];
  /** Default shown by editors (JSON Schema `default`); the loader applies defaults itself. */
  default?: unknown;
}

export interface StringSchema extends Described {
  type: 'string';
  enum?: readonly string[];
  /** An ECMAScript regular expression the whole value must match (anchor it). */
  pattern?: string;
  /** Said instead of the raw pattern when a value does not match. */
  patternMessage?: string;
  minLength?: number;
  format?: 'date';
}

export interface BooleanSchema extends Described {
  type: 'boolean';
}

export interface IntegerSchema extends Described {
  type: 'integer';
  minimum?: number;
  maximum?: number;
}

export interface ArraySchema extends Described {
  type: 'array';
  items: Schema;
  uniqueItems?: boolean;
}

export interface ObjectSchema extends Described {
  type: 'object';
  properties: Record<string, Schema>;
  required?: readonly string[];
  /** Schema of keys not in `properties`; `false` (the default) rejects them. */
  additionalProperties?: Schema | false;
  /** Pattern every additional key must match. */
  keyPattern?: string;
}

/** The first alternative whose type fits the value decides the errors reported (no guessing). */
export interface OneOfSchema extends Described {
  oneOf: readonly Schema[];
}

/** Anything: a value passed through untouched to another component that validates it. */
export interface OpaqueSchema extends Described {
  opaque: true;
}

export type Schema = StringSchema | BooleanSchema | IntegerSchema | ArraySchema | ObjectSchema | OneOfSchema | OpaqueSchema;

export type JsonSchema = Record<string, unknown>;

/** Converts a schema to JSON Schema (draft-07, which editors such as VS Code YAML support best). */
export function toJsonSchema(schema: Schema): JsonSchema {
  const out: JsonSchema = {};
  if (schema.description !== undefined) out.description = schema.description;
  if ('opaque' in schema) {
    // Deliberately unconstrained: the receiving component has its own schema.
  } else if ('oneOf' in schema) {
    out.oneOf = schema.oneOf.map(toJsonSchema);
  } else {
    out.type = schema.type;
    switch (schema.type) {
      case 'string':
        if (schema.enum !== undefined) out.enum = [...schema.enum];
        if (schema.pattern !== undefined) out.pattern = schema.pattern;
        if (schema.minLength !== undefined) out.minLength = schema.minLength;
        if (schema.format !== undefined) out.format = schema.format;
        break;
      case 'integer':
        if (schema.minimum !== undefined) out.minimum = schema.minimum;
        if (schema.maximum !== undefined) out.maximum = schema.maximum;
        break;
      case 'array':
        out.items = toJsonSchema(schema.items);
        if (schema.uniqueItems === true) out.uniqueItems = true;
        break;
      case 'object': {
        const properties: Record<string, JsonSchema> = {};
        for (const [key, value] of Object.entries(schema.properties)) properties[key] = toJsonSchema(value);
        out.properties = properties;
        if (schema.required !== undefined && schema.required.length > 0) out.required = [...schema.required];
        out.additionalProperties = schema.additionalProperties === undefined || schema.additionalProperties === false ? false : toJsonSchema(schema.additionalProperties);
        if (schema.keyPattern !== undefined) out.propertyNames = { pattern: schema.keyPattern };
        break;
      }
      case 'boolean':
        break;
    }
  }
  if (schema.default !== undefined) out.default = schema.default;
  if (schema.examples !== undefined) out.examples = [...schema.examples];
  return out;
}
