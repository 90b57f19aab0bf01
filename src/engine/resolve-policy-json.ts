import { resourceTypesOf } from '../aws-data/iam-data.js';
import { intrinsicOf } from '../model/intrinsics.js';
import type { PolicyDocument } from '../model/policy.js';
import type { Template } from '../model/template.js';
import { getKey, isMap, isScalar, isSeq, scalarString, type SourceNode } from '../parse/nodes.js';

/** Values put where a template has something only known at deployment. */
export interface PlaceholderValues {
  /** Default `123456789012`, the documentation account that cfn-policy-validator also uses. */
  accountId: string;
  /** Default `us-east-1`. */
  region: string;
  partition: string;
}

export const DEFAULT_PLACEHOLDERS: PlaceholderValues = { accountId: '123456789012', region: 'us-east-1', partition: 'aws' };

export interface ResolveOptions {
  placeholders?: Partial<PlaceholderValues>;
  /** CloudFormation exports (name → value), e.g. from ListExports; imports not in it stay placeholders. */
  exports?: ReadonlyMap<string, string>;
  /** The template the policy sits in, for parameters and resource types; absent for policy files. */
  template?: Template;
}

/** Where a value of the resolved JSON came from. `placeholder`: it holds an invented value. */
export interface SourceOf {
  node: SourceNode;
  placeholder: boolean;
}

export interface ResolvedPolicyJson {
  /** The policy as plain JSON data, intrinsics replaced. */
  document: unknown;
  /** `JSON.stringify(document)`: what Access Analyzer is sent. */
  json: string;
  /** Source of the value at a JSON path (`['Statement', 0, 'Resource', 1]`), or of its nearest ancestor. */
  sourceAt(path: readonly (string | number)[]): SourceOf;
}

/**
 * Resolves a policy document to concrete JSON the way cfn-policy-validator does: pseudo parameters
 * become the placeholder account and region, parameters their default (or a name-like placeholder),
 * `Ref`/`Fn::GetAtt …Arn` of a resource a name or an ARN built from the service authorization
 * reference's ARN pattern for its type, imports their exported value when known. `Fn::If` takes the
 * branch the condition decides, or the first. Every emitted value remembers its source node, so a
 * location in the JSON maps back to a line of the template.
 */
export function resolvePolicyJson(policy: PolicyDocument, options: ResolveOptions = {}): ResolvedPolicyJson {
  const placeholders = { ...DEFAULT_PLACEHOLDERS, ...options.placeholders };
  const sources = new Map<string, SourceOf>();
  const context: Context = { policy, placeholders, exports: options.exports ?? new Map(), sources, template: options.template };
  const document = emit(context, policy.node, []) ?? {};
  const root: SourceOf = { node: policy.node, placeholder: false };
  return {
    document,
    json: JSON.stringify(document),
    sourceAt(path) {
      for (let length = path.length; length >= 0; length--) {
        const found = sources.get(JSON.stringify(path.slice(0, length)));
        if (found !== undefined) return found;
      }
      return root;
    },
  };
}

interface Context {
  policy: PolicyDocument;
  placeholders: PlaceholderValues;
  exports: ReadonlyMap<string, string>;
  sources: Map<string, SourceOf>;
  template: Template | undefined;
}

type Text = { text: string; placeholder: boolean } | { list: string[]; placeholder: boolean };

function emit(context: Context, node: SourceNode, path: (string | number)[]): unknown {
  const record = (placeholder: boolean): void => void context.sources.set(JSON.stringify(path), { node, placeholder });
  if (isScalar(node)) {
    record(false);
    return node.value;
  }
  const fn = intrinsicOf(node);
  if (fn === undefined) {
    record(false);
    if (isSeq(node)) {
      const out: unknown[] = [];
      for (const item of node.items) {
        const itemFn = intrinsicOf(item);
        if (itemFn?.name === 'Ref' && scalarString(itemFn.argument) === 'AWS::NoValue') continue;
        const value = emit(context, item, [...path, out.length]);
        if (value !== undefined) out.push(value);
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const entry of isMap(node) ? node.entries : []) {
      const key = String(entry.key.value);
      const value = emit(context, entry.value, [...path, key]);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  if (fn.name === 'Ref' && scalarString(fn.argument) === 'AWS::NoValue') return undefined;
  if (fn.name === 'Fn::If') {
    const branch = chooseBranch(context, fn.argument);
    return branch === undefined ? undefined : emit(context, branch, path);
  }
  const text = evalText(context, node, 0);
  record(text.placeholder);
  return 'list' in text ? text.list : text.text;
}

function chooseBranch(context: Context, argument: SourceNode): SourceNode | undefined {
  if (!isSeq(argument) || argument.items.length !== 3) return undefined;
  const decided = context.policy.resolver.evaluateCondition(scalarString(argument.items[0]) ?? '');
  const branch = decided === false ? argument.items[2]! : argument.items[1]!;
  const branchFn = intrinsicOf(branch);
  return branchFn?.name === 'Ref' && scalarString(branchFn.argument) === 'AWS::NoValue' ? undefined : branch;
}

function evalText(context: Context, node: SourceNode, depth: number): Text {
  if (depth > 16) return { text: 'unresolved', placeholder: true };
  if (isScalar(node)) return { text: node.value === null ? '' : String(node.value), placeholder: false };
  const fn = intrinsicOf(node);
  if (fn === undefined) return { text: 'unresolved', placeholder: true };
  const args = isSeq(fn.argument) ? fn.argument.items : [];
  switch (fn.name) {
    case 'Ref':
      return refText(context, scalarString(fn.argument) ?? '');
    case 'Fn::GetAtt': {
      const [id, attribute] = isSeq(fn.argument) ? args.map((a) => scalarString(a) ?? '') : (scalarString(fn.argument) ?? '').split('.');
      return { text: getAttText(context, id ?? '', attribute ?? ''), placeholder: false };
    }
    case 'Fn::Sub': {
      const textNode = isSeq(fn.argument) ? args[0] : fn.argument;
      const variables = isSeq(fn.argument) ? args[1] : undefined;
      let placeholder = false;
      const text = (scalarString(textNode) ?? '').replace(/\$\{([^}]*)\}/g, (_, raw: string) => {
        const name = raw.trim();
        if (name.startsWith('!')) return '${' + name.slice(1) + '}';
        const variable = getKey(variables, name);
        let part: Text;
        if (variable !== undefined) part = evalText(context, variable, depth + 1);
        else if (name.includes('.') && !name.startsWith('AWS::')) {
          const dot = name.indexOf('.');
          part = { text: getAttText(context, name.slice(0, dot), name.slice(dot + 1)), placeholder: false };
        } else part = refText(context, name);
        placeholder ||= part.placeholder;
        return 'list' in part ? part.list.join(',') : part.text;
      });
      return { text, placeholder };
    }
    case 'Fn::Join': {
      const delimiter = scalarString(args[0]) ?? '';
      const list = args[1];
      const parts = isSeq(list) ? list.items.map((item) => evalText(context, item, depth + 1)) : list === undefined ? [] : [evalText(context, list, depth + 1)];
      return { text: parts.flatMap((p) => ('list' in p ? p.list : [p.text])).join(delimiter), placeholder: parts.some((p) => p.placeholder) };
    }
    case 'Fn::ImportValue': {
      const name = evalText(context, fn.argument, depth + 1);
      const key = 'list' in name ? name.list.join(',') : name.text;
      const exported = context.exports.get(key);
      return exported !== undefined ? { text: exported, placeholder: false } : { text: `arn:${context.placeholders.partition}:iam::${context.placeholders.accountId}:role/imported-${slug(key)}`, placeholder: true };
    }
    case 'Fn::If': {
      const branch = chooseBranch(context, fn.argument);
      return branch === undefined ? { text: '', placeholder: false } : evalText(context, branch, depth + 1);
    }
    default: {
      // Fn::FindInMap, Fn::Select, Fn::Split, Fn::Base64: the shared resolver, first alternative.
      const value = context.policy.resolver.resolve(node)[0];
      if (value?.kind === 'known') return Array.isArray(value.value) ? { list: value.value, placeholder: false } : { text: String(value.value ?? ''), placeholder: false };
      if (value?.kind === 'partial') return { text: fillPlaceholders(context, value.text), placeholder: value.refs.some((r) => r.kind !== 'pseudo' && r.kind !== 'resource') };
      return { text: 'unresolved', placeholder: true };
    }
  }
}

function fillPlaceholders(context: Context, text: string): string {
  return text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    const part = name.includes('.') && !name.startsWith('AWS::') ? { text: getAttText(context, name.split('.')[0]!, name.split('.').slice(1).join('.')) } : refText(context, name);
    return 'list' in part ? part.list.join(',') : part.text;
  });
}

const PSEUDO: Record<string, (p: PlaceholderValues) => string> = {
  'AWS::AccountId': (p) => p.accountId,
  'AWS::Region': (p) => p.region,
  'AWS::Partition': (p) => p.partition,
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::StackName': () => 'stack',
  'AWS::StackId': (p) => `arn:${p.partition}:cloudformation:${p.region}:${p.accountId}:stack/stack/00000000-0000-0000-0000-000000000000`,
  'AWS::NotificationARNs': (p) => `arn:${p.partition}:sns:${p.region}:${p.accountId}:notifications`,
};

/** CloudFormation types whose `Ref` is their ARN rather than their name (per the resource reference). */
const REF_IS_ARN = new Set(['AWS::SNS::Topic', 'AWS::IAM::ManagedPolicy', 'AWS::StepFunctions::StateMachine', 'AWS::Serverless::StateMachine', 'AWS::Events::EventBus']);

function refText(context: Context, name: string): Text {
  const pseudo = PSEUDO[name];
  if (pseudo !== undefined) return { text: pseudo(context.placeholders), placeholder: false };
  const template = templateOf(context);
  const parameter = template?.parameters.get(name);
  if (parameter !== undefined) {
    const source = parameter.default ?? parameter.allowedValues?.[0];
    const text = scalarString(source);
    if (text !== undefined) return parameter.type !== undefined && /^(CommaDelimitedList|List<)/.test(parameter.type) ? { list: text.split(',').map((s) => s.trim()), placeholder: false } : { text, placeholder: false };
    return { text: slug(name), placeholder: true };
  }
  const resource = template?.resources.get(name);
  if (resource !== undefined) return { text: REF_IS_ARN.has(resource.type) ? arnOf(context, resource.type, name) : slug(name), placeholder: false };
  return { text: slug(name), placeholder: true };
}

function getAttText(context: Context, logicalId: string, attribute: string): string {
  const resource = templateOf(context)?.resources.get(logicalId);
  if (/arn$/i.test(attribute)) return arnOf(context, resource?.type ?? '', logicalId);
  return slug(`${logicalId}-${attribute}`);
}

function templateOf(context: Context): Template | undefined {
  return context.template;
}

/** An ARN for a resource of a CloudFormation type, from the service authorization reference's pattern. */
function arnOf(context: Context, type: string, logicalId: string): string {
  const { partition, region, accountId } = context.placeholders;
  const [, service = 'unknown', kind = 'resource'] = type.split('::');
  const prefix = service.toLowerCase();
  const types = resourceTypesOf(prefix);
  const kebab = kind.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  const pattern = types.get(kind.toLowerCase())?.arn ?? types.get(kebab)?.arn;
  const name = slug(logicalId);
  if (pattern === undefined) return `arn:${partition}:${prefix}:${region}:${accountId}:${kebab}/${name}`;
  return pattern.replace(/\$\{([^}]*)\}/g, (_, placeholder: string) =>
    placeholder === 'Partition' ? partition : placeholder === 'Region' ? region : placeholder === 'Account' ? accountId : name,
  );
}

/** A lower-case name usable in any ARN (bucket names must be lower case). */
function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9-]+/g, '-').toLowerCase();
}
