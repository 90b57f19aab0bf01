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
