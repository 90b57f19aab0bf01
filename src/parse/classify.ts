import { getKey, isMap, isSeq, isScalar, type SourceNode } from './nodes.js';

export type DocumentKind = 'cloudformation' | 'iam-policy';

const CANDIDATE_EXTENSIONS = ['.yaml', '.yml', '.json', '.template'];

/**
 * First pass on the name alone: worth reading the content of? Only the extension counts. A name says
 * nothing about what a file holds (`values.yaml`, `app.json` or a template under `cdk.out/` can be an
 * admin role); what a repository does not want checked it excludes in configuration (`exclude`).
 */
export function isCandidatePath(path: string): boolean {
  const lower = path.toLowerCase();
  return CANDIDATE_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

/**
 * Cheap text test before parsing, sound for every spelling the parsers accept: a document classifies as
 * infrastructure only through a key or value that contains `AWS` (AWSTemplateFormatVersion, a Type or
 * Transform of `AWS::…`) or a `Statement` key (matched without regard to case, as the policy model reads
 * it). Written literally, those letters are in the text; spelled with escapes (JSON `\u0053`, YAML `\x53`,
 * a YAML line continuation) the text has a backslash. YAML folding, quoting and aliases cannot join
 * letters into a key without one of the two. A file with neither cannot be a template or a policy.
 */
export function mayBeInfrastructure(text: string): boolean {
  return text.includes('AWS') || text.includes('\\') || STATEMENT.test(text);
}

const STATEMENT = /statement/i;

/**
 * Decides from the parsed content, never from the name. A CloudFormation template has
 * AWSTemplateFormatVersion, a SAM Transform, or Resources whose Type is AWS::…; an IAM policy document
 * is an object whose `Statement` holds IAM statements (Effect, Action, Resource, Principal, Condition…),
 * not any object with a key of that name (a bank statement export is not a policy). A key given twice
 * counts in every place it appears: AWS reads the last, a reviewer the first, and either may be the role.
 * Kubernetes manifests (apiVersion + kind, no template section) are neither.
 */
export function classifyDocument(root: SourceNode): DocumentKind | undefined {
  if (!isMap(root)) return undefined;
  if (valuesOf(root, 'AWSTemplateFormatVersion').length > 0) return 'cloudformation';
  if (valuesOf(root, 'Transform').some(hasServerlessTransform)) return 'cloudformation';
  for (const resources of valuesOf(root, 'Resources')) {
    if (!isMap(resources)) continue;
    for (const entry of resources.entries) {
      if (valuesOf(entry.value, 'Type').some((type) => isScalar(type) && typeof type.value === 'string' && type.value.startsWith('AWS::'))) return 'cloudformation';
    }
  }
  if (getKey(root, 'apiVersion') !== undefined && getKey(root, 'kind') !== undefined) return undefined;
  const statements = valuesOf(root, 'statement', true);
  if (statements.some(holdsIamStatements)) return 'iam-policy';
  // An IAM language version beside a Statement is a policy too, even one with no statement yet.
  if (statements.length > 0 && valuesOf(root, 'version', true).some((version) => isScalar(version) && IAM_VERSIONS.has(String(version.value)))) return 'iam-policy';
  return undefined;
}

const IAM_VERSIONS = new Set(['2012-10-17', '2008-10-17']);

/** The elements an IAM policy statement is made of (IAM JSON policy grammar); Sid alone says nothing. */
const STATEMENT_ELEMENTS = new Set(['effect', 'action', 'notaction', 'resource', 'notresource', 'principal', 'notprincipal', 'condition']);

/** A statement, or a list with at least one, that has an IAM statement element. */
function holdsIamStatements(statement: SourceNode): boolean {
  const items = isSeq(statement) ? statement.items : [statement];
  return items.some((item) => isMap(item) && item.entries.some((entry) => typeof entry.key.value === 'string' && STATEMENT_ELEMENTS.has(entry.key.value.toLowerCase())));
}

/** Every value under `key` in a map, in order (a duplicated key gives more than one). */
function valuesOf(node: SourceNode, key: string, ignoreCase = false): SourceNode[] {
  if (!isMap(node)) return [];
  const wanted = ignoreCase ? key.toLowerCase() : key;
  return node.entries.filter((entry) => (ignoreCase && typeof entry.key.value === 'string' ? entry.key.value.toLowerCase() : entry.key.value) === wanted).map((entry) => entry.value);
}

function hasServerlessTransform(transform: SourceNode | undefined): boolean {
  if (isScalar(transform)) return typeof transform.value === 'string' && transform.value.startsWith('AWS::Serverless');
  if (isSeq(transform)) return transform.items.some(hasServerlessTransform);
  return false;
}
