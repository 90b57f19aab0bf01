import { codeOrEscaped, escapeUntrusted } from '../reporters/untrusted-text.js';
import type { SuppressionOutcome, SuppressionProblem } from '../engine/suppressions.js';
import type { Finding } from '../findings/finding.js';
import type { WaiverOutcome } from './apply.js';
import type { WaiverRecord } from './records.js';

/** What a waiver covers, in words: `finding 1a2b3c4d5e6f (least-privilege/full-admin in a.yaml)`. */
export function describeScope(waiver: WaiverRecord): string {
  const scope = waiver.scope;
  if (scope.kind === 'finding') {
    const where = [scope.ruleId, scope.file !== undefined ? `in ${codeOrEscaped(scope.file)}` : undefined].filter((part) => part !== undefined).join(' ');
    return `finding \`${scope.fingerprint.slice(0, 12)}\`${where !== '' ? ` (${where})` : ''}`;
  }
  return `every ${codeOrEscaped(scope.ruleId)} finding${scope.file !== undefined ? ` in ${codeOrEscaped(scope.file)}` : ''}`;
}

/**
 * Who, why, until when — the line the summary shows for a waiver. The reason is the waiver author's own
 * text: escaped, so it can neither render (HTML, links, mentions) nor carry a record of its own. The id
 * and the login are checked when the record is read (records.ts), so they are safe in a code span.
 */
export function describeWaiver(waiver: WaiverRecord): string {
  const until = waiver.expires === undefined ? 'no expiry' : `until ${waiver.expires}`;
  return `\`${waiver.id}\` by @${waiver.actor} (${until}): ${escapeUntrusted(waiver.reason, 500)}`;
}

export interface ExceptionsSummaryInput {
  waivers?: WaiverOutcome;
  suppressions?: SuppressionOutcome;
  suppressionProblems?: readonly SuppressionProblem[];
  /** How a finding is shown (with a link); defaults to `file:line`. */
  findingLabel?: (finding: Finding) => string;
}

/**
 * The check run summary section about exceptions: waivers in force and what they cover, inline
 * suppressions applied, suppressions that only request a waiver, and waivers or suppressions that no
 * longer match anything. Empty when there is nothing to say.
 */
export function renderExceptionsSummary(input: ExceptionsSummaryInput): string {
  const label = input.findingLabel ?? ((finding: Finding) => `\`${finding.file}:${finding.line}\``);
  const lines: string[] = [];
  const waivers = input.waivers;
  if (waivers !== undefined) {
    const byWaiver = new Map<WaiverRecord, Finding[]>();
    for (const { finding, waiver } of waivers.waived) byWaiver.set(waiver, [...(byWaiver.get(waiver) ?? []), finding]);
    if (byWaiver.size > 0) {
      lines.push(`### Waivers in force (${byWaiver.size})`, '');
      for (const [waiver, findings] of byWaiver) {
        lines.push(`- ${describeWaiver(waiver)} — covers ${describeScope(waiver)}: ${findings.map((f) => `\`${f.id}\` ${label(f)}`).join(', ')}`);
      }
      lines.push('');
    }
    if (waivers.unmatched.length > 0) {
      lines.push(`### Waivers that match no finding (${waivers.unmatched.length})`, '');
      lines.push('The finding was fixed or changed; a changed finding needs a new waiver. Remove these with `/trustgate unwaive <id>`.', '');
      for (const waiver of waivers.unmatched) lines.push(`- ${describeWaiver(waiver)} — ${describeScope(waiver)}`);
      lines.push('');
    }
    if (waivers.expired.length > 0) {
      lines.push(`### Expired waivers (${waivers.expired.length})`, '');
      for (const waiver of waivers.expired) lines.push(`- ${describeWaiver(waiver)} — ${describeScope(waiver)}; no longer applies`);
      lines.push('');
    }
  }
  const suppressions = input.suppressions;
  if (suppressions !== undefined) {
    if (suppressions.suppressed.length > 0) {
      lines.push(`### Suppressed in the code (${suppressions.suppressed.length})`, '');
      for (const { finding, suppression } of suppressions.suppressed) {
        lines.push(`- \`${finding.id}\` ${finding.severity} \`${finding.ruleId}\` ${label(finding)} — ${escapeUntrusted(suppression.reason)} (${codeOrEscaped(`${suppression.file}:${suppression.line}`)})`);
      }
      lines.push('');
    }
    if (suppressions.requests.length > 0) {
      lines.push(`### Suppressions that need a waiver (${suppressions.requests.length})`, '');
      lines.push('These findings are too severe for a suppression written in the pull request itself; they still count until someone allowed to waive answers `/trustgate waive <id> --reason "…"`.', '');
      for (const { finding, suppression } of suppressions.requests) {
        lines.push(`- \`${finding.id}\` ${finding.severity} \`${finding.ruleId}\` ${label(finding)} — requested: ${escapeUntrusted(suppression.reason)}`);
      }
      lines.push('');
    }
    if (suppressions.unused.length > 0) {
      lines.push(`### Suppressions that match no finding (${suppressions.unused.length})`, '');
      for (const suppression of suppressions.unused) lines.push(`- ${codeOrEscaped(suppression.ruleId)} at ${codeOrEscaped(`${suppression.file}:${suppression.line}`)} — ${escapeUntrusted(suppression.reason)}`);
      lines.push('');
    }
  }
  const problems = input.suppressionProblems ?? [];
  if (problems.length > 0) {
    lines.push(`### Suppressions ignored (${problems.length})`, '');
    for (const problem of problems) lines.push(`- ${codeOrEscaped(`${problem.file}:${problem.line}`)} — ${escapeUntrusted(problem.message, 500)}`);
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}
