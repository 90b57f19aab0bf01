import { classifyDocument, isCandidatePath, mayBeInfrastructure, type DocumentKind } from './classify.js';
import { parseJson } from './json.js';
import { MAX_FILE_BYTES } from './limits.js';
import type { SourceNode } from './nodes.js';
import type { ParseProblem } from './parse-result.js';
import { SourceFile } from './source-file.js';
import { parseYaml } from './yaml.js';

export interface ParsedDocument {
  kind: DocumentKind;
  file: SourceFile;
  root: SourceNode;
  /** Set when the document was built from another language (a Terraform module mapped into this shape). */
  language?: 'terraform';
}

/**
 * What reading one file gave. `skipped` files are not infrastructure (or not readable as such) and
 * produce nothing; `failed` ones are infrastructure that could not be read and produce a finding.
 */
export type FileOutcome =
  | { status: 'parsed'; document: ParsedDocument }
  | { status: 'failed'; file: SourceFile; problem: ParseProblem; reason: 'parse-error' | 'too-large' }
  | { status: 'skipped'; path: string };

export function readInfrastructureFile(path: string, text: string): FileOutcome {
  if (!isCandidatePath(path)) return { status: 'skipped', path };
  const file = new SourceFile(path, text);
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    if (!mayBeInfrastructure(text.slice(0, 64 * 1024))) return { status: 'skipped', path };
    return {
      status: 'failed',
      file,
      reason: 'too-large',
      problem: { message: `the file is larger than ${MAX_FILE_BYTES / (1024 * 1024)} MiB and was not scanned`, offset: 0 },
    };
  }
  if (!mayBeInfrastructure(text)) return { status: 'skipped', path };
  const looksLikeJson = path.toLowerCase().endsWith('.json') || /^\s*[{[]/.test(text);
  const result = looksLikeJson ? parseJson(text) : parseYaml(text);
  if (!result.ok) {
    // A broken file is reported only when it reads like infrastructure; a broken unrelated YAML is not ours.
    if (!/AWSTemplateFormatVersion|Type:\s*["']?AWS::|"Type"\s*:\s*"AWS::|"Statement"/.test(text)) {
      return { status: 'skipped', path };
    }
    return { status: 'failed', file, reason: 'parse-error', problem: result.problem };
  }
  const kind = classifyDocument(result.root, path);
  if (kind === undefined) return { status: 'skipped', path };
  return { status: 'parsed', document: { kind, file, root: result.root } };
}
