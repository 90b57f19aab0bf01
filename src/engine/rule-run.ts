import { fingerprintOf, type Finding } from '../findings/finding.js';
import type { Severity } from '../findings/severity.js';
import { stablePath } from '../findings/stable-path.js';
import type { DocumentModel } from '../model/document-model.js';
import { CLOUDFORMATION_VOCABULARY, type Vocabulary } from '../model/vocabulary.js';
import type { EngineOptions } from '../model/options.js';
import { nodePath, pathSegments, type SourceNode } from '../parse/nodes.js';
import { originOf } from '../parse/node-origin.js';
import type { SourceFile } from '../parse/source-file.js';
import type { Report, Rule } from '../rules/types.js';
import { docsUrl } from './docs-links.js';

/**
 * What every language's scan shares: the files in and out, the engine's own rule ids, and running one
 * rule on one document model into findings with exact positions. scan.ts (CloudFormation and policy
 * JSON) and terraform-scan.ts both build on it, so neither imports the other's internals.
 */
export interface InputFile {
  /** Path relative to the scanned root, `/`-separated. */
  path: string;
  text: string;
}

export interface ScannedFile {
  path: string;
  status: 'scanned' | 'failed' | 'skipped';
  kind?: 'cloudformation' | 'iam-policy' | 'terraform';
}

export const PARSE_ERROR_RULE = 'parse-error';
export const FILE_TOO_LARGE_RULE = 'file-too-large';
export const INTERNAL_ERROR_RULE = 'internal-error';

export function runRule(rule: Rule, model: DocumentModel, options: EngineOptions, sink: Finding[]): void {
  const produced: Finding[] = [];
  const severityOverride = options.rules[rule.meta.id]?.severity;
  try {
    rule.check({
      model,
      report: (report) => produced.push(toFinding(rule, model.file, report, severityOverride, model.vocabulary)),
    });
    sink.push(...dedupe(produced));
  } catch (error) {
    // A rule that throws fails closed: what it found so far stands, plus one finding that says it broke.
    sink.push(...dedupe(produced));
    sink.push(internalErrorFinding(model.file, rule.meta.id, error));
  }
}

/** Two Fn::If branches can produce the same finding on the same node; keep one. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = `${finding.fingerprint}:${finding.line}:${finding.column}:${finding.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A report as a finding; a rule's fallback remediation is worded with `vocabulary`, the document's. */
export function toFinding(rule: Rule, documentFile: SourceFile, report: Report, severityOverride?: Severity, vocabulary: Vocabulary = CLOUDFORMATION_VOCABULARY): Finding {
  // A document built from several files (a Terraform module) knows each node's own file.
  const file = originOf(report.node) ?? documentFile;
  const span = file.spanOf(report.node.start, report.node.end);
  const resource = report.resource ?? resourceOf(report.node);
  const path = nodePath(report.node);
  // The fingerprint names list items by Sid, PolicyName or content (stable-path.ts), never by index.
  const fingerprint = fingerprintOf({ ruleId: rule.meta.id, file: file.path, resource, path: stablePath(report.node), element: report.element ?? elementText(report.node) });
  const finding: Finding = {
    id: fingerprint.slice(0, 12),
    fingerprint,
    ruleId: rule.meta.id,
    category: rule.meta.category,
    severity: severityOverride ?? report.severity ?? rule.meta.severity,
    file: file.path,
    ...span,
    message: report.message,
    remediation: report.remediation ?? rule.meta.remedy?.(vocabulary, resource ?? '') ?? rule.meta.fix,
    docs: docsUrl(rule.meta.docs),
  };
  if (resource !== undefined) finding.resource = resource;
  if (path !== '') finding.path = path;
  if (report.related !== undefined && report.related.length > 0) {
    finding.related = report.related.map((related) => {
      const relatedFile = originOf(related.node) ?? documentFile;
      const position = relatedFile.positionAt(related.node.start);
      return { file: relatedFile.path, line: position.line, column: position.column, message: related.message };
    });
  }
  return finding;
}

/** The logical id when the node sits under `Resources.<id>`. */
export function resourceOf(node: SourceNode): string | undefined {
  const segments = pathSegments(node);
  return segments[0] === 'Resources' && typeof segments[1] === 'string' ? segments[1] : undefined;
}

function elementText(node: SourceNode): string {
  return node.kind === 'scalar' ? String(node.value) : '';
}

export function internalErrorFinding(file: SourceFile, ruleId: string, error: unknown): Finding {
  const fingerprint = fingerprintOf({ ruleId: INTERNAL_ERROR_RULE, file: file.path, element: ruleId });
  const reason = error instanceof Error ? error.message : String(error);
  return {
    id: fingerprint.slice(0, 12),
    fingerprint,
    ruleId: INTERNAL_ERROR_RULE,
    category: 'internal-error',
    severity: 'high',
    file: file.path,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    message: `Rule ${ruleId} failed on this file (${reason}); its result is unknown, so the file is not known to be safe.`,
    remediation: 'Report this to the trustgate maintainers with the file; re-run once fixed.',
    docs: docsUrl('docs/rules/internal-error.md'),
  };
}
