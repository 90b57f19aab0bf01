import type { Finding } from '../findings/finding.js';
import { atLeast, SEVERITIES, type Severity } from '../findings/severity.js';

/** What the text output says besides the findings. */
export interface TextNotes {
  /** The configuration's reportOnly: the exit code is 0 whatever is found. */
  reportOnly?: boolean;
  /** Inline suppressions that silenced nothing, each `file:line: why`. */
  notApplied?: readonly string[];
}

/** Console output: one block per finding, grouped by file, then a one-line verdict. */
export function renderText(findings: readonly Finding[], failOn: Severity, scannedFiles: number, notes: TextNotes = {}): string {
  const lines: string[] = [];
  let currentFile = '';
  for (const f of findings) {
    if (f.file !== currentFile) {
      currentFile = f.file;
      lines.push('', f.file);
    }
    const marker = atLeast(f.severity, failOn) ? '✖' : '⚠';
    lines.push(`  ${f.line}:${f.column}  ${marker} ${f.severity.padEnd(8)} ${f.ruleId}  [${f.id}]`);
    lines.push(`      ${f.message}`);
    for (const related of f.related ?? []) lines.push(`      ↳ ${related.file}:${related.line}  ${related.message}`);
    if (f.remediation) lines.push(`      fix: ${f.remediation}`);
  }
  const blocking = findings.filter((f) => atLeast(f.severity, failOn));
  const counts = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  if (notes.notApplied !== undefined && notes.notApplied.length > 0) {
    lines.push('', `Inline suppressions not applied (${notes.notApplied.length}):`);
    for (const line of notes.notApplied) lines.push(`  ${line}`);
  }
  lines.push('');
  lines.push(
    findings.length === 0 && scannedFiles === 0
      ? `⚠ Nothing was checked: no CloudFormation/SAM template or IAM policy file was found in the given paths.`
      : findings.length === 0
      ? `✔ ${scannedFiles} infrastructure file(s) checked, no findings.`
      : `${blocking.length > 0 ? '✖' : '✔'} ${findings.length} finding(s) in ${scannedFiles} infrastructure file(s) (${counts}); ${blocking.length} at or above ${failOn}.`,
  );
  if (notes.reportOnly === true) {
    lines.push(`Report-only mode (reportOnly: true in the configuration): the exit code is 0 whatever is found${blocking.length > 0 ? `; without it, the ${blocking.length} finding(s) at or above ${failOn} would fail` : ''}.`);
  }
  return lines.join('\n').replace(/^\n/, '') + '\n';
}
