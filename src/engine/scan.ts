import { docsUrl } from './docs-links.js';
import { compareFindings, fingerprintOf, type Finding } from '../findings/finding.js';
import { nodePath } from '../parse/nodes.js';
import { readInfrastructureFile, type DuplicateKey, type FileOutcome } from '../parse/parse-file.js';
import type { SourceFile } from '../parse/source-file.js';
import { ALL_RULES } from './all-rules.js';
import { scopeOf, type Rule } from '../rules/types.js';
import { DocumentModel } from '../model/document-model.js';
import { withDefaults, type EngineOptions } from '../model/options.js';
import { isTerraformPath } from '../terraform/index.js';
import { scanTerraformInputs } from './terraform-scan.js';
import { FILE_TOO_LARGE_RULE, PARSE_ERROR_RULE, resourceOf, runRule, type InputFile, type ScannedFile } from './rule-run.js';

export { FILE_TOO_LARGE_RULE, INTERNAL_ERROR_RULE, PARSE_ERROR_RULE, internalErrorFinding, runRule, toFinding, type InputFile, type ScannedFile } from './rule-run.js';

export interface ScanResult {
  findings: Finding[];
  files: ScannedFile[];
}

/**
 * Scans files: parse, classify, run every enabled rule on every infrastructure document. Never throws
 * for bad input: unreadable files and rules that fail become findings, and the other files are still
 * scanned. Findings come back sorted (file, line, column, severity, rule).
 */
export function scanFiles(inputs: readonly InputFile[], partialOptions: Partial<EngineOptions> = {}, rules: readonly Rule[] = ALL_RULES): ScanResult {
  const options = withDefaults(partialOptions);
  const findings: Finding[] = [];
  const files: ScannedFile[] = [];
  const enabledRules = rules.filter((rule) => options.rules[rule.meta.id]?.enabled !== false);
  // Terraform is read per directory (one module = one document); see src/engine/terraform-scan.ts.
  const terraform = inputs.filter((input) => isTerraformPath(input.path));
  const readByTerraform = scanTerraformInputs(terraform, inputs, options, enabledRules, findings, files);
  for (const input of inputs) {
    if (isTerraformPath(input.path) || readByTerraform.has(input.path)) continue;
    const outcome = readInfrastructureFile(input.path, input.text);
    files.push(describeOutcome(outcome));
    if (outcome.status === 'skipped') continue;
    if (outcome.status === 'failed') {
      findings.push(fileProblemFinding(outcome, options));
      continue;
    }
    for (const duplicate of outcome.duplicates) findings.push(duplicateKeyFinding(outcome.document.file, duplicate, options));
    const model = new DocumentModel(outcome.document, options);
    for (const rule of enabledRules) {
      if (!rule.appliesTo.includes(scopeOf(outcome.document.kind))) continue;
      runRule(rule, model, options, findings);
    }
  }
  return { findings: findings.sort(compareFindings), files };
}

function describeOutcome(outcome: FileOutcome): ScannedFile {
  switch (outcome.status) {
    case 'parsed':
      return { path: outcome.document.file.path, status: 'scanned', kind: outcome.document.kind };
    case 'failed':
      return { path: outcome.file.path, status: 'failed' };
    case 'skipped':
      return { path: outcome.path, status: 'skipped' };
  }
}

/**
 * A repeated key blocks: the file does not mean what a reviewer reads. Both places are named, the
 * repeat as the finding's position and the first as its related location.
 */
function duplicateKeyFinding(file: SourceFile, duplicate: DuplicateKey, options: EngineOptions): Finding {
  const span = file.spanOf(duplicate.repeated.start, duplicate.repeated.end);
  const first = file.positionAt(duplicate.first.start);
  const path = nodePath(duplicate.repeated);
  const fingerprint = fingerprintOf({ ruleId: PARSE_ERROR_RULE, file: file.path, path, element: `duplicate:${duplicate.key}` });
  const finding: Finding = {
    id: fingerprint.slice(0, 12),
    fingerprint,
    ruleId: PARSE_ERROR_RULE,
    category: 'parse-error',
    severity: options.rules[PARSE_ERROR_RULE]?.severity ?? 'high',
    file: file.path,
    ...span,
    message: `${file.path} gives the key ${JSON.stringify(duplicate.key)} twice in one mapping (line ${first.line} and line ${span.line}): CloudFormation, IAM and JSON parsers use the last one, while a reviewer reads the first, so the file does not mean what it shows.`,
    remediation: 'Keep one of the two keys: merge their contents or delete the one that should not apply.',
    docs: docsUrl('docs/rules/parse-error.md'),
    related: [{ file: file.path, line: first.line, column: first.column, message: `first ${JSON.stringify(duplicate.key)}` }],
  };
  if (path !== '') finding.path = path;
  const resource = resourceOf(duplicate.repeated);
  if (resource !== undefined) finding.resource = resource;
  return finding;
}

/** A file that could not be read is not known to be safe: it blocks unless configuration lowers its rule's severity. */
function fileProblemFinding(outcome: Extract<FileOutcome, { status: 'failed' }>, options: EngineOptions): Finding {
  const span = outcome.file.spanOf(outcome.problem.offset, outcome.problem.endOffset ?? outcome.problem.offset);
  const ruleId = outcome.reason === 'too-large' ? FILE_TOO_LARGE_RULE : PARSE_ERROR_RULE;
  const fingerprint = fingerprintOf({ ruleId, file: outcome.file.path });
  return {
    id: fingerprint.slice(0, 12),
    fingerprint,
    ruleId,
    category: 'parse-error',
    severity: options.rules[ruleId]?.severity ?? 'high',
    file: outcome.file.path,
    ...span,
    message:
      outcome.reason === 'too-large'
        ? `${outcome.file.path} was not checked: ${outcome.problem.message}, so it is not known to be safe (it may hold a template or a policy).`
        : outcome.problem.limit === true
          ? `${outcome.file.path} was not checked: it goes past a limit trustgate sets against hostile input (${outcome.problem.message}). This is not a syntax error, but the file is not known to be safe.`
          : `${outcome.file.path} could not be parsed: ${outcome.problem.message}. trustgate cannot check a template it cannot read.`,
    remediation:
      outcome.reason === 'too-large'
        ? 'Split the template, or check it locally with `trustgate scan`.'
        : outcome.problem.limit === true
          ? 'Flatten the nesting or write the aliased parts out (the limits are on the parse-error rule page), or split the file.'
          : 'Fix the syntax error at this line.',
    docs: docsUrl('docs/rules/parse-error.md'),
  };
}
