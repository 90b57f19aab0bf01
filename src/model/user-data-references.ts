import { intrinsicOf } from './intrinsics.js';
import type { Template } from './template.js';
import { getKey, isMap, isScalar, isSeq, scalarString, type ScalarNode, type SourceNode } from '../parse/nodes.js';
import { scalarValueOffsets } from '../parse/scalar-offsets.js';

/**
 * Secrets that CloudFormation itself writes into user data: the text of UserData is resolved at
 * deployment, so `${AccessKey.SecretAccessKey}` in an `Fn::Sub`, a `!GetAtt Key.SecretAccessKey` piece of
 * an `Fn::Join`, a `NoEcho` parameter, or a `{{resolve:secretsmanager:…}}` / `{{resolve:ssm-secure:…}}`
 * dynamic reference become plain text that IMDS serves to anything on the instance.
 */
export interface UserDataReference {
  node: SourceNode;
  /** `the secret access key of AWS::IAM::AccessKey DeployKey`, `the Secrets Manager secret db-creds`. */
  what: string;
  /** Stable element for fingerprints. */
  element: string;
}

/** Attributes that hold a secret, by resource type; any attribute named like a private key or password counts too. */
const SECRET_ATTRIBUTES: Record<string, string[]> = {
  'AWS::IAM::AccessKey': ['SecretAccessKey'],
};
const SECRET_ATTRIBUTE_NAME = /privatekey|secretaccesskey|password|secretstring/i;
const DYNAMIC_REFERENCE = /\{\{resolve:(secretsmanager|ssm-secure):([^}]*)\}\}/g;

export function userDataReferences(template: Template, userData: SourceNode, source: string): UserDataReference[] {
  const out: UserDataReference[] = [];
  walk(template, userData, source, out, 0);
  return out;
}

function walk(template: Template, node: SourceNode, source: string, out: UserDataReference[], depth: number): void {
  if (depth > 32) return;
  if (isScalar(node)) {
    if (typeof node.value === 'string') dynamicReferences(node, source, out);
    return;
  }
  const fn = intrinsicOf(node);
  if (fn === undefined) {
    if (isSeq(node)) for (const item of node.items) walk(template, item, source, out, depth + 1);
    else if (isMap(node)) for (const entry of node.entries) walk(template, entry.value, source, out, depth + 1);
    return;
  }
  switch (fn.name) {
    case 'Fn::GetAtt': {
      const [id, attribute] = isSeq(fn.argument) ? fn.argument.items.map(scalarString) : (scalarString(fn.argument) ?? '').split('.');
      const what = secretAttribute(template, id, attribute);
      if (what !== undefined) out.push({ node, what, element: `${id}.${attribute}` });
      return;
    }
    case 'Ref': {
      const what = secretParameter(template, scalarString(fn.argument));
      if (what !== undefined) out.push({ node, what, element: `Ref ${scalarString(fn.argument)}` });
      return;
    }
    case 'Fn::Sub': {
      const [text, variables] = isSeq(fn.argument) ? [fn.argument.items[0], fn.argument.items[1]] : [fn.argument, undefined];
      if (isScalar(text) && typeof text.value === 'string') subReferences(template, text, variables, source, out);
      if (isMap(variables)) for (const entry of variables.entries) walk(template, entry.value, source, out, depth + 1);
      return;
    }
    case 'Fn::FindInMap':
    case 'Fn::ImportValue':
    case 'Condition':
      return;
    case 'Fn::If':
      if (isSeq(fn.argument)) for (const branch of fn.argument.items.slice(1)) walk(template, branch, source, out, depth + 1);
      return;
    default:
      walk(template, fn.argument, source, out, depth + 1);
  }
}

function subReferences(template: Template, text: ScalarNode, variables: SourceNode | undefined, source: string, out: UserDataReference[]): void {
  const value = String(text.value);
  const offsets = scalarValueOffsets(source, text);
  const at = (from: number, to: number): SourceNode =>
    offsets === undefined || to <= from ? text : { kind: 'scalar', value: value.slice(from, to), start: offsets.starts[from]!, end: offsets.ends[to - 1]!, ...(text.parent !== undefined ? { parent: text.parent } : {}) };
  for (const match of value.matchAll(/\$\{([^}!][^}]*)\}/g)) {
    const name = match[1]!.trim();
    if (getKey(variables, name) !== undefined) continue; // the variable's value is walked on its own
    const dot = name.indexOf('.');
    const what = dot > 0 ? secretAttribute(template, name.slice(0, dot), name.slice(dot + 1)) : secretParameter(template, name);
    if (what !== undefined) out.push({ node: at(match.index, match.index + match[0].length), what, element: name });
  }
  dynamicReferences(text, source, out, offsets);
}

function dynamicReferences(text: ScalarNode, source: string, out: UserDataReference[], known?: ReturnType<typeof scalarValueOffsets>): void {
  const value = String(text.value);
  if (!value.includes('{{resolve:')) return;
  const offsets = known ?? scalarValueOffsets(source, text);
  for (const match of value.matchAll(DYNAMIC_REFERENCE)) {
    const [whole, service, reference] = match as unknown as [string, string, string];
    const end = match.index + whole.length;
    const node: SourceNode = offsets === undefined ? text : { kind: 'scalar', value: whole, start: offsets.starts[match.index]!, end: offsets.ends[end - 1]!, ...(text.parent !== undefined ? { parent: text.parent } : {}) };
    const name = reference.split(':')[0] ?? reference;
    out.push({
      node,
      what: service === 'secretsmanager' ? `the Secrets Manager secret ${name} (dynamic reference, resolved into the text at deployment)` : `the SecureString parameter ${name} (dynamic reference, resolved into the text at deployment)`,
      element: `{{resolve:${service}:${name}}}`,
    });
  }
}

function secretAttribute(template: Template, id: string | undefined, attribute: string | undefined): string | undefined {
  if (id === undefined || attribute === undefined) return undefined;
  const resource = template.resources.get(id);
  if (resource === undefined) return undefined;
  const named = SECRET_ATTRIBUTES[resource.type]?.includes(attribute) === true || SECRET_ATTRIBUTE_NAME.test(attribute);
  return named ? resource.vocabulary.attributeOf(resource, attribute) : undefined;
}

/** A parameter declared `NoEcho: true`: its author marked it secret. */
function secretParameter(template: Template, name: string | undefined): string | undefined {
  const parameter = name === undefined ? undefined : template.parameters.get(name);
  if (parameter === undefined) return undefined;
  const noEcho = getKey(parameter.node, 'NoEcho');
  return isScalar(noEcho) && String(noEcho.value).toLowerCase() === 'true' ? `the NoEcho parameter ${name}` : undefined;
}
