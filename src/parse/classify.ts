import { getKey, isMap, isSeq, isScalar, type SourceNode } from './nodes.js';

export type DocumentKind = 'cloudformation' | 'iam-policy';

const CANDIDATE_EXTENSIONS = ['.yaml', '.yml', '.json', '.template'];

/** Files whose names say they are something else, whatever they contain. */
const NEVER_INFRASTRUCTURE = [
  /(^|\/)package(-lock)?\.json$/,
  /(^|\/)(tsconfig|jsconfig)[^/]*\.json$/,
  /(^|\/)(composer|bower|lerna|renovate|app|manifest)\.json$/,
  /(^|\/)\.github\/(workflows|actions)\//,
  /(^|\/)\.github\/(dependabot|trustgate)\.ya?ml$/,
  /(^|\/)(docker-)?compose[^/]*\.ya?ml$/,
  /(^|\/)(Chart|values)\.ya?ml$/,
  /(^|\/)(node_modules|cdk\.out)\//,
  /(^|\/)\.(gitlab-ci|travis|pre-commit-config|pre-commit-hooks)\.ya?ml$/,
];

/** First pass on the name alone: worth reading the content of? */
export function isCandidatePath(path: string): boolean {
  const lower = path.toLowerCase();
  if (!CANDIDATE_EXTENSIONS.some((extension) => lower.endsWith(extension))) return false;
  return !NEVER_INFRASTRUCTURE.some((pattern) => pattern.test(path));
}

/**
 * Cheap text test before parsing: a file that mentions none of these words cannot be a template or a
 * policy, and skipping its parse is most of the speed on large repositories.
 */
export function mayBeInfrastructure(text: string): boolean {
  return text.includes('AWS::') || text.includes('AWSTemplateFormatVersion') || text.includes('Statement');
}

/**
 * Decides from the parsed content. A CloudFormation template has AWSTemplateFormatVersion, a SAM
 * Transform, or Resources whose Type is AWS::…; an IAM policy document is a JSON object with a
 * Statement. Kubernetes manifests (apiVersion + kind) are neither.
 */
export function classifyDocument(root: SourceNode, path: string): DocumentKind | undefined {
  if (!isMap(root)) return undefined;
  if (getKey(root, 'apiVersion') !== undefined && getKey(root, 'kind') !== undefined) return undefined;
  if (getKey(root, 'AWSTemplateFormatVersion') !== undefined) return 'cloudformation';
  if (hasServerlessTransform(getKey(root, 'Transform'))) return 'cloudformation';
  const resources = getKey(root, 'Resources');
  if (isMap(resources)) {
    for (const entry of resources.entries) {
      const type = getKey(entry.value, 'Type');
      if (isScalar(type) && typeof type.value === 'string' && type.value.startsWith('AWS::')) return 'cloudformation';
    }
  }
  const statement = getKey(root, 'Statement');
  if (statement !== undefined && (isSeq(statement) || isMap(statement)) && path.toLowerCase().endsWith('.json')) {
    return 'iam-policy';
  }
  return undefined;
}

function hasServerlessTransform(transform: SourceNode | undefined): boolean {
  if (isScalar(transform)) return typeof transform.value === 'string' && transform.value.startsWith('AWS::Serverless');
  if (isSeq(transform)) return transform.items.some(hasServerlessTransform);
  return false;
}
