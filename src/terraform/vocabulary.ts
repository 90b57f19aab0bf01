import type { NativeSpelling } from '../parse/parse-file.js';

/**
 * A resource's Terraform names by model property path without indices: the native steps for its last name
 * (none for a flattened level), or `writer` the address of the resource that writes the property when another
 * one does (a bucket's `PublicAccessBlockConfiguration`, written by its `aws_s3_bucket_public_access_block`).
 */
export type Spelled = Map<string, readonly string[] | { readonly writer: string }>;

/**
 * Terraform's words for what the model names CloudFormation-style (src/model/vocabulary.ts): property paths
 * as the `.tf` arguments and blocks are written, recorded by the mapping of each resource
 * (src/terraform/resources.ts); names it did not record (properties a rule names that the resource does not
 * set) are written snake_case, as the AWS provider names its arguments.
 */
export function terraformSpelling(spellings: ReadonlyMap<string, Spelled>, types: ReadonlyMap<string, string> = new Map()): NativeSpelling {
  return {
    language: 'terraform',
    property: (resourceId, path) => spellPath(spellings.get(resourceId), path).path,
    writer: (resourceId, path) => spellPath(spellings.get(resourceId), path).writer,
    type: (resourceId) => types.get(resourceId),
    attribute: (_resourceId, attribute) => ATTRIBUTES[attribute] ?? snakeCase(attribute),
    removed: 'null',
  };
}

/** The model's attributes that references name differently (src/terraform/evaluate.ts referenceTo). */
const ATTRIBUTES: Record<string, string> = { Arn: 'arn', RoleId: 'unique_id' };

/** A model path as written, and the address of the resource that writes it when another resource does. */
export function spellPath(spelled: ReadonlyMap<string, readonly string[] | { readonly writer: string }> | undefined, path: string): { path: string; writer?: string } {
  let out: string[] = [];
  let writer: string | undefined;
  let modelPath = '';
  for (const part of path.split('.')) {
    if (part === '') continue;
    const match = /^([^[]*)((?:\[[^\]]*\])*)$/.exec(part);
    const name = match?.[1] ?? part;
    const index = match?.[2] ?? '';
    modelPath = modelPath === '' ? name : `${modelPath}.${name}`;
    const native = spelled?.get(modelPath) ?? (name === '' ? [] : [snakeCase(name)]);
    if ('writer' in native) {
      // What came before is the resource this one is folded into; the rest is written at `writer`.
      writer = native.writer;
      out = [];
      continue;
    }
    if (native.length === 0) {
      if (index !== '' && out.length > 0) out[out.length - 1] += index;
      continue;
    }
    out.push(...native.slice(0, -1), `${native[native.length - 1]!}${index}`);
  }
  return writer === undefined ? { path: out.join('.') } : { path: out.join('.'), writer };
}

/** `http_put_response_hop_limit` for `HttpPutResponseHopLimit`, `principal_org_id` for `PrincipalOrgID`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
