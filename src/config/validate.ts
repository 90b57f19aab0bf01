import { formatPath, type SourceNode } from '../parse/nodes.js';
import type { Schema } from './schema-dsl.js';

/** One thing wrong with a configuration value, at the node that is wrong. */
export interface SchemaViolation {
  node: SourceNode;
  /** Where in the file: `waivers.permission`. */
  path: string;
  message: string;
}

/**
 * Checks a parsed YAML tree against a schema. Reports every violation (not only the first), each at the
 * offending node, so the author fixes them all in one go.
 */
export function validateNode(node: SourceNode, schema: Schema, segments: (string | number)[] = []): SchemaViolation[] {
  const violations: SchemaViolation[] = [];
  check(node, schema, segments, violations);
  return violations;
}

function check(node: SourceNode, schema: Schema, segments: (string | number)[], out: SchemaViolation[]): void {
  const fail = (message: string, at: SourceNode = node) => out.push({ node: at, path: formatPath(segments), message });
  if ('opaque' in schema) return;
  if ('oneOf' in schema) {
    const fitting = schema.oneOf.find((alternative) => typeFits(node, alternative));
    if (fitting === undefined) {
      fail(`expected ${schema.oneOf.map(describeType).join(' or ')}, got ${describeNode(node)}`);
      return;
    }
    check(node, fitting, segments, out);
    return;
  }
  if (!typeFits(node, schema)) {
    fail(`expected ${describeType(schema)}, got ${describeNode(node)}`);
    return;
  }
  switch (schema.type) {
    case 'string': {
      const value = String((node as { value: unknown }).value);
      if (schema.enum !== undefined && !schema.enum.includes(value)) {
        fail(`"${value}" is not one of ${schema.enum.join(', ')}`);
      } else if (schema.minLength !== undefined && value.trim().length < schema.minLength) {
        fail('must not be empty');
      } else if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
        fail(`"${value}" ${schema.patternMessage ?? `does not match ${schema.pattern}`}`);
      } else if (schema.format === 'date' && !isCalendarDate(value)) {
        fail(`"${value}" is not a date (YYYY-MM-DD)`);
      }
      return;
    }
    case 'integer': {
      const value = (node as { value: number }).value;
      if (schema.minimum !== undefined && value < schema.minimum) fail(`must be at least ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum) fail(`must be at most ${schema.maximum}`);
      return;
    }
    case 'boolean':
      return;
    case 'array': {
      if (node.kind !== 'seq') return;
      const seen = new Set<string>();
      node.items.forEach((item, index) => {
        check(item, schema.items, [...segments, index], out);
        if (schema.uniqueItems === true && item.kind === 'scalar') {
          const key = String(item.value);
          if (seen.has(key)) out.push({ node: item, path: formatPath([...segments, index]), message: `"${key}" is listed twice` });
          seen.add(key);
        }
      });
      return;
    }
    case 'object': {
      if (node.kind !== 'map') return;
      const seen = new Set<string>();
      for (const entry of node.entries) {
        const key = String(entry.key.value);
        if (seen.has(key)) {
          out.push({ node: entry.key, path: formatPath([...segments, key]), message: `"${key}" appears twice` });
          continue;
        }
        seen.add(key);
        const known = schema.properties[key];
        if (known !== undefined) {
          check(entry.value, known, [...segments, key], out);
          continue;
        }
        const extra = schema.additionalProperties;
        if (extra === undefined || extra === false) {
          const suggestion = closest(key, Object.keys(schema.properties));
          out.push({
            node: entry.key,
            path: formatPath([...segments, key]),
            message: `unknown key "${key}"${suggestion !== undefined ? ` (did you mean "${suggestion}"?)` : ''}; allowed: ${Object.keys(schema.properties).join(', ')}`,
          });
          continue;
        }
        if (schema.keyPattern !== undefined && !new RegExp(schema.keyPattern, 'u').test(key)) {
          out.push({ node: entry.key, path: formatPath([...segments, key]), message: `"${key}" is not a valid key here (must match ${schema.keyPattern})` });
          continue;
        }
        check(entry.value, extra, [...segments, key], out);
      }
      for (const required of schema.required ?? []) {
        if (!seen.has(required)) fail(`"${required}" is required`);
      }
      return;
    }
  }
}

function typeFits(node: SourceNode, schema: Schema): boolean {
  if ('opaque' in schema) return true;
  if ('oneOf' in schema) return schema.oneOf.some((alternative) => typeFits(node, alternative));
  switch (schema.type) {
    case 'string':
      // YAML reads `2027-01-31` and `123456789012` as strings or numbers depending on quoting; an
      // account id or date written without quotes is still what the author meant.
      return (
        node.kind === 'scalar' &&
        (typeof node.value === 'string' || (schema.enum === undefined && typeof node.value === 'number' && Number.isInteger(node.value)))
      );
    case 'boolean':
      return node.kind === 'scalar' && typeof node.value === 'boolean';
    case 'integer':
      return node.kind === 'scalar' && typeof node.value === 'number' && Number.isInteger(node.value);
    case 'array':
      return node.kind === 'seq';
    case 'object':
      return node.kind === 'map';
  }
}

function describeType(schema: Schema): string {
  if ('opaque' in schema) return 'anything';
  if ('oneOf' in schema) return schema.oneOf.map(describeType).join(' or ');
  if (schema.type === 'string' && schema.enum !== undefined) return `one of ${schema.enum.join(', ')}`;
  return { string: 'a string', boolean: 'true or false', integer: 'a whole number', array: 'a list', object: 'a mapping' }[schema.type];
}

function describeNode(node: SourceNode): string {
  if (node.kind === 'seq') return 'a list';
  if (node.kind === 'map') return 'a mapping';
  if (node.value === null) return 'nothing (null)';
  return `${typeof node.value} ${JSON.stringify(node.value)}`;
}

function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match === null) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The allowed key nearest to a misspelt one, when it is close enough to be a likely typo. */
function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(previous[j]! + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}
