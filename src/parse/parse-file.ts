import { classifyDocument, isCandidatePath, mayBeInfrastructure, type DocumentKind } from './classify.js';
import { parseJson } from './json.js';
import { MAX_FILE_BYTES } from './limits.js';
import type { ScalarNode, SourceNode } from './nodes.js';
import type { ParseProblem } from './parse-result.js';
import { SourceFile } from './source-file.js';
import { parseYaml } from './yaml.js';

export interface ParsedDocument {
  kind: DocumentKind;
  file: SourceFile;
  root: SourceNode;
  /** Set when the document was built from another language (a Terraform module mapped into this shape). */
  language?: 'terraform';
  /** A Terraform module's resources as written (evaluated arguments and blocks), for rules that select Terraform types. */
  terraformResources?: readonly TerraformResourceView[];
  /** How the language the document was built from spells what the model names (src/model/vocabulary.ts); absent for CloudFormation. */
  spelling?: NativeSpelling;
}

/**
 * Supplied by a language adapter whose document is built in the model's (CloudFormation-shaped) form, so that
 * messages speak the language the user wrote. Resource ids are the adapter's own (a Terraform address).
 */
export interface NativeSpelling {
  language: 'terraform';
  /**
   * A property path of the model (`LaunchTemplateData.MetadataOptions.HttpTokens`, `Overrides[0]…`) as written:
   * `metadata_options.http_tokens`, below the resource that writes it ({@link writer}).
   */
  property(resourceId: string, path: string): string;
  /**
   * The address of the resource that writes a property of `resourceId` when another one does (a bucket's
   * `PublicAccessBlockConfiguration`, written by its `aws_s3_bucket_public_access_block`); `undefined` when
   * the resource writes it itself.
   */
  writer(resourceId: string, path: string): string | undefined;
  /** The resource's type as the language names it (`aws_launch_template`); `undefined` when the adapter does not know the resource. */
  type(resourceId: string): string | undefined;
  /** A resource attribute of the model (`Arn`) as a reference writes it (`arn`). */
  attribute(resourceId: string, attribute: string): string;
  /** What a removed value is written as (`null`). */
  removed: string;
}

/** One Terraform resource instance: its address, type and evaluated attributes (built on first use, every node at its `.tf` line). */
export interface TerraformResourceView {
  address: string;
  type: string;
  attributes(): SourceNode;
}

/** A key a map gives twice: AWS (and JSON.parse, and the `yaml` package) reads the last, a reviewer the first. */
export interface DuplicateKey {
  key: string;
  /** The key node that appears earlier. */
  first: ScalarNode;
  /** The key node that repeats it. */
  repeated: ScalarNode;
}

/**
 * What reading one file gave. `skipped` files are not infrastructure (or not readable as such) and
 * produce nothing; `failed` ones are infrastructure that could not be read and produce a finding.
 * A parsed document lists the keys it repeats: each blocks, as the file does not mean what it shows.
 */
export type FileOutcome =
  | { status: 'parsed'; document: ParsedDocument; duplicates: DuplicateKey[] }
  | { status: 'failed'; file: SourceFile; problem: ParseProblem; reason: 'parse-error' | 'too-large' }
  | { status: 'skipped'; path: string };

export function readInfrastructureFile(path: string, text: string): FileOutcome {
  if (!isCandidatePath(path)) return { status: 'skipped', path };
  const file = new SourceFile(path, text);
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    // Not read, so not known to be harmless: whatever its first bytes say, the rest may hold a role.
    return {
      status: 'failed',
      file,
      reason: 'too-large',
      problem: { message: `the file is larger than ${MAX_FILE_BYTES / (1024 * 1024)} MiB and was not scanned`, offset: 0 },
    };
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    // GitHub calls such a file binary; AWS tools may still read it (UTF-16 without a byte order mark is
    // mostly NUL bytes when read as UTF-8). It cannot be judged, so it is not passed.
    return {
      status: 'failed',
      file,
      reason: 'parse-error',
      problem: { message: 'the file contains NUL bytes (binary, or UTF-16 without a byte order mark), so it could not be read as YAML or JSON', offset: nul },
    };
  }
  if (!mayBeInfrastructure(text)) return { status: 'skipped', path };
  // A byte order mark is read past, as AWS does; a space keeps every offset (and so every line) in place.
  const source = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  const looksLikeJson = path.toLowerCase().endsWith('.json') || /^\s*[{[]/.test(source);
  // YAML flow style (`{Resources: {…}}`) looks like JSON and is not: CloudFormation reads it whatever the
  // file is called, so what JSON cannot read is read as YAML before it is called broken.
  let result = looksLikeJson ? parseJson(source) : parseYaml(source);
  if (!result.ok && looksLikeJson) {
    const yaml = parseYaml(source);
    if (yaml.ok) result = yaml;
  }
  if (!result.ok) {
    // A broken file is reported only when it reads like infrastructure; a broken unrelated YAML is not ours.
    if (!/AWSTemplateFormatVersion|Type:\s*["']?AWS::|"Type"\s*:\s*"AWS::|"Statement"|\\[xuU]/.test(text)) {
      return { status: 'skipped', path };
    }
    return { status: 'failed', file, reason: 'parse-error', problem: result.problem };
  }
  const kind = classifyDocument(result.root);
  if (kind === undefined) return { status: 'skipped', path };
  return { status: 'parsed', document: { kind, file, root: result.root }, duplicates: findDuplicateKeys(result.root) };
}

/** Every key that repeats one earlier in the same map, anywhere in the document. */
export function findDuplicateKeys(root: SourceNode): DuplicateKey[] {
  const duplicates: DuplicateKey[] = [];
  const stack: SourceNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.kind === 'seq') {
      for (const item of node.items) stack.push(item);
    } else if (node.kind === 'map') {
      const seen = node.entries.length > 1 ? new Map<unknown, ScalarNode>() : undefined;
      for (const entry of node.entries) {
        if (seen !== undefined) {
          const earlier = seen.get(entry.key.value);
          if (earlier === undefined) seen.set(entry.key.value, entry.key);
          else duplicates.push({ key: String(entry.key.value), first: earlier, repeated: entry.key });
        }
        stack.push(entry.value);
      }
    }
  }
  return duplicates.sort((a, b) => a.repeated.start - b.repeated.start);
}
