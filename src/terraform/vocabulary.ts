import type { NativeSpelling } from '../parse/parse-file.js';

/** A resource's Terraform names by model property path without indices: the native steps for its last name (none for a flattened level). */
export type Spelled = Map<string, readonly string[]>;

/**
 * Terraform's words for what the model names CloudFormation-style (src/model/vocabulary.ts): property paths
 * as the `.tf` arguments and blocks are written, recorded by the mapping of each resource
 * (src/terraform/resources.ts); names it did not record (properties a rule names that the resource does not
 * set) are written snake_case, as the AWS provider names its arguments.
 */
export function terraformSpelling(spellings: ReadonlyMap<string, Spelled>): NativeSpelling {
  return {
    language: 'terraform',
    property: (resourceId, path) => spellPath(spellings.get(resourceId), path),
    attribute: (_resourceId, attribute) => ATTRIBUTES[attribute] ?? snakeCase(attribute),
    removed: 'null',
  };
}

/** The model's attributes that references name differently (src/terraform/evaluate.ts referenceTo). */
const ATTRIBUTES: Record<string, string> = { Arn: 'arn', RoleId: 'unique_id' };

function spellPath(spelled: Spelled | undefined, path: string): string {
  const out: string[] = [];
  let modelPath = '';
  for (const part of path.split('.')) {
    if (part === '') continue;
    const match = /^([^[]*)((?:\[[^\]]*\])*)$/.exec(part);
    const name = match?.[1] ?? part;
    const index = match?.[2] ?? '';
    modelPath = modelPath === '' ? name : `${modelPath}.${name}`;
    const native = spelled?.get(modelPath) ?? (name === '' ? [] : [snakeCase(name)]);
    if (native.length === 0) {
      if (index !== '' && out.length > 0) out[out.length - 1] += index;
      continue;
    }
    out.push(...native.slice(0, -1), `${native[native.length - 1]!}${index}`);
  }
  return out.join('.');
}

/** `http_put_response_hop_limit` for `HttpPutResponseHopLimit`, `principal_org_id` for `PrincipalOrgID`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
