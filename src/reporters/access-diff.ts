import type { AccessChange, AccessDiff, AccessFact } from '../model/access-diff.js';
import { codeOrEscaped, escapeUntrusted } from './untrusted-text.js';

/**
 * The access a change adds and removes, as Markdown list lines for the check run summary: one line per
 * principal or resource, then one per fact. Everything in it comes from the files of the pull request,
 * so every part goes through the escaping helper.
 */
export function accessDiffMarkdown(diff: AccessDiff): string[] {
  const lines: string[] = [];
  for (const change of ordered(diff.changes)) {
    lines.push(`- **${escapeUntrusted(change.subject, 200)}** in ${codeOrEscaped(change.file)}`);
    for (const fact of change.added) lines.push(`  - **adds** ${label(fact)}: ${escapeUntrusted(fact.what, 400)}`);
    for (const fact of change.removed) lines.push(`  - removes ${label(fact)}: ${escapeUntrusted(fact.what, 400)}`);
  }
  return lines;
}

/** The same for a terminal: plain text, indented. */
export function accessDiffText(diff: AccessDiff): string {
  if (diff.changes.length === 0) return 'What this change grants: no access added or removed.\n';
  const lines = ['What this change grants:'];
  for (const change of ordered(diff.changes)) {
    lines.push(`  ${change.file}: ${change.subject}`);
    for (const fact of change.added) lines.push(`    + ${label(fact)}: ${fact.what}`);
    for (const fact of change.removed) lines.push(`    - ${label(fact)}: ${fact.what}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The JSON form: one entry per subject, facts without their internal keys. */
export function accessDiffJson(diff: AccessDiff): { file: string; subject: string; added: { kind: string; what: string }[]; removed: { kind: string; what: string }[] }[] {
  return ordered(diff.changes).map((change) => ({
    file: change.file,
    subject: change.subject,
    added: change.added.map((fact) => ({ kind: fact.kind, what: fact.what })),
    removed: change.removed.map((fact) => ({ kind: fact.kind, what: fact.what })),
  }));
}

function label(fact: AccessFact): string {
  switch (fact.kind) {
    case 'action':
      return 'permission';
    case 'trust':
      return 'trust';
    case 'resource-policy':
      return 'resource policy';
    case 'imds':
      return 'instance metadata';
    case 'instance-role':
      return 'instance role';
    case 'boundary':
      return 'boundary';
  }
}

/** Subjects that gain access first (a reviewer reads those), then by file and name. */
function ordered(changes: readonly AccessChange[]): AccessChange[] {
  return [...changes].sort((a, b) => Number(b.added.length > 0) - Number(a.added.length > 0) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
}

/**
 * When IAM Access Analyzer's CheckNoNewAccess ran, its verdict beside the offline diff: where both say
 * a policy grants new access they agree; a policy Access Analyzer flags that the offline diff shows no
 * added access for, or added access offline on a policy Access Analyzer compared and passed, is listed
 * as a difference. `flagged` are the CheckNoNewAccess findings; `compared` the files it had a base for.
 */
export function accessAnalyzerAgreement(diff: AccessDiff, flagged: readonly { file: string; resource?: string }[], compared: ReadonlySet<string>): string[] {
  const grants = (fact: AccessFact) => fact.kind === 'action' || fact.kind === 'trust' || fact.kind === 'resource-policy';
  const offline = diff.changes.flatMap((change) => change.added.filter(grants));
  const agree: string[] = [];
  const differ: string[] = [];
  for (const finding of flagged) {
    const where = `${codeOrEscaped(finding.file)}${finding.resource !== undefined ? ` ${escapeUntrusted(finding.resource, 200)}` : ''}`;
    const matched = offline.some((fact) => fact.file === finding.file && (finding.resource === undefined || fact.owners.includes(finding.resource)));
    (matched ? agree : differ).push(matched ? where : `- Access Analyzer reports new access for ${where}; the offline diff shows none added there.`);
  }
  for (const fact of offline) {
    if (!compared.has(fact.file)) continue;
    if (flagged.some((finding) => finding.file === fact.file && (finding.resource === undefined || fact.owners.includes(finding.resource)))) continue;
    differ.push(`- The offline diff shows ${escapeUntrusted(fact.subject, 200)} in ${codeOrEscaped(fact.file)} gaining ${escapeUntrusted(fact.what, 300)}; Access Analyzer's CheckNoNewAccess did not flag it.`);
  }
  const lines: string[] = [];
  if (agree.length > 0) lines.push(`- IAM Access Analyzer's CheckNoNewAccess agrees: new access in ${agree.join(', ')}.`);
  if (differ.length === 0 && agree.length === 0) lines.push("- IAM Access Analyzer's CheckNoNewAccess agrees: no new access.");
  lines.push(...[...new Set(differ)]);
  return lines;
}
