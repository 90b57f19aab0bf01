import type { Finding } from '../findings/finding.js';
import { atLeast, SEVERITIES, severityRank, type Severity } from '../findings/severity.js';
import { describeSettingsOrigins } from './settings-origin.js';
import { codeOrEscaped, escapeUntrusted, plainUntrusted } from './untrusted-text.js';

/** GitHub's limits on check run output. */
export const MAX_TITLE_CHARS = 255;
export const MAX_OUTPUT_CHARS = 65_535;
/** GitHub accepts at most this many annotations per create or update request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** Default cap on annotations per run: each 50 costs a write; the summary says when it applied. */
export const DEFAULT_MAX_ANNOTATIONS = 500;
const MAX_ANNOTATION_MESSAGE_CHARS = 4_000;
/** Notes (waivers, suppressions, a configuration change) take at most this much of the summary. */
const MAX_NOTES_CHARS = 16_000;
/** Room kept for the notes that say what did not fit. */
const RESERVED_FOR_CUT_NOTES = 1_000;

export type CheckConclusion = 'success' | 'failure' | 'neutral';

/** An annotation as GitHub's checks API takes it. */
export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  /** Only when start_line equals end_line, as GitHub requires. */
  start_column?: number;
  end_column?: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckOutput {
  title: string;
  summary: string;
  text?: string;
  annotations?: CheckAnnotation[];
}

/** A finding that a waiver accepted: reported for the record, never blocking. */
export interface WaivedFinding {
  finding: Finding;
  reason: string;
}

export interface CheckRunReportInput {
  /** Findings that count (waived ones already removed), in engine order. */
  findings: readonly Finding[];
  waived?: readonly WaivedFinding[];
  failOn: Severity;
  /** Infrastructure files found among the changed files (scanned or unreadable). */
  infrastructureFiles: number;
  /** Reasons the check must not pass whatever the findings (e.g. GitHub cut the file list short). */
  blockingProblems?: readonly string[];
  /** Web link to a line of a file at the checked commit. */
  lineUrl: (file: string, line: number) => string;
  maxAnnotations?: number;
  /** Report-only mode (repository configuration): what would fail concludes neutral instead. */
  reportOnly?: boolean;
  /** Markdown added to the summary before "What to do next": waivers, suppressions, a configuration change. */
  notes?: string;
  /** Where each setting came from (setting → `owner/repo:path` on a default branch); shown even when nothing was checked. */
  settingsOrigins?: Readonly<Record<string, string>>;
  /**
   * The change judged against its base. With gate `new`, `findings` are the new ones and `existing` the
   * findings already on the base (listed collapsed and counted, never blocking or annotated); `fixed`
   * are the base findings the change removes; `unavailable` says why some files were judged whole.
   */
  /**
   * What the change grants (reporters/access-diff.ts): Markdown list lines, already escaped; empty when it
   * adds and removes no access. Shown under its own heading even when nothing blocks.
   */
  accessDiff?: readonly string[];
  baseline?: {
    gate: 'new' | 'all';
    existing: readonly Finding[];
    fixed: readonly Finding[];
    unavailable: readonly string[];
  };
}

/** Everything a check run needs; annotations are not yet split into requests. */
export interface CheckRunReport {
  conclusion: CheckConclusion;
  output: { title: string; summary: string; text?: string };
  annotations: CheckAnnotation[];
}

/**
 * Builds the check run for a finished scan: a title that says what blocks the merge, a summary with
 * counts and the blocking findings first, a text with every finding, and annotations on exact lines
 * (blocking ones first, so a cap drops the least important). Pure: no I/O.
 */
export function buildCheckRunReport(input: CheckRunReportInput): CheckRunReport {
  const { findings, failOn } = input;
  const waived = input.waived ?? [];
  const problems = input.blockingProblems ?? [];
  const blocking = byImportance(findings.filter((f) => atLeast(f.severity, failOn)));
  const other = byImportance(findings.filter((f) => !atLeast(f.severity, failOn)));
  const wouldFail = blocking.length > 0 || problems.length > 0;
  const conclusion: CheckConclusion = wouldFail ? (input.reportOnly === true ? 'neutral' : 'failure') : 'success';
  const notes = input.notes ?? '';
  const origins = describeSettingsOrigins(input.settingsOrigins ?? {});

  if (findings.length === 0 && waived.length === 0 && problems.length === 0 && input.infrastructureFiles === 0 && notes === '' && (input.baseline?.fixed.length ?? 0) === 0) {
    return {
      conclusion: 'success',
      output: {
        title: 'No infrastructure files changed',
        summary: ['None of the files changed here is a CloudFormation/SAM template or an IAM policy document, so there was nothing for trustgate to check.', origins].filter((part) => part !== '').join('\n\n'),
      },
      annotations: [],
    };
  }

  const existingCount = input.baseline?.gate === 'new' ? input.baseline.existing.length : 0;
  const judgedTitle = titleFor(blocking, other, problems, failOn);
  const title = clip(existingCount > 0 ? `${judgedTitle.replace(/^No blocking findings/, 'No new blocking findings')}; ${existingCount} already on the base` : judgedTitle, MAX_TITLE_CHARS);
  const ordered = [...blocking, ...other];
  const allAnnotations = toAnnotations(ordered, failOn, input.lineUrl);
  const maxAnnotations = input.maxAnnotations ?? DEFAULT_MAX_ANNOTATIONS;
  const annotations = allAnnotations.slice(0, maxAnnotations);

  // The summary is budgeted, not cut: the head (what was checked, what cannot pass, the counts) and the
  // tail (what to do next, how to waive and reproduce, what was left out) always survive; the lists of
  // findings take what is left, most severe first, and say how many they could not show.
  const baseline = input.baseline;
  const head: string[] =
    baseline === undefined
      ? [`trustgate checked ${plural(input.infrastructureFiles, 'infrastructure file')} at the head of this change. Findings at or above **${failOn}** block the merge.`]
      : baselineIntro(baseline, input.infrastructureFiles, failOn);
  for (const problem of problems) head.push(`> **The check cannot pass:** ${problem}`);
  if (input.reportOnly === true) head.push('', '> **Report-only mode** (`reportOnly: true` in .github/trustgate.yml): nothing here blocks the merge; the check concludes neutral where it would fail.');
  head.push('', countsTable(findings), '');
  const tail: string[] = [];
  if (notes !== '') tail.push(clipMarkdown(notes, MAX_NOTES_CHARS, 'the notes'), '');
  if (origins !== '') tail.push(clipMarkdown(origins, MAX_NOTES_CHARS, 'where the settings came from'), '');
  tail.push('### What to do next', '', ...nextSteps(blocking.length, problems.length, failOn));

  let budget = MAX_OUTPUT_CHARS - joinedLength(head) - joinedLength(tail) - RESERVED_FOR_CUT_NOTES;
  const lists: string[] = [];
  let unlisted = 0;
  const addList = (heading: string, lines: string[]) => {
    if (lines.length === 0) return;
    const shown: string[] = [];
    for (const line of lines) {
      if (line.length + 1 > budget - heading.length - 4) break;
      shown.push(line);
      budget -= line.length + 1;
    }
    lists.push(heading, '', ...shown);
    if (shown.length < lines.length) {
      unlisted += lines.length - shown.length;
      lists.push(`- … and ${lines.length - shown.length} more, not listed: the summary would pass GitHub's ${MAX_OUTPUT_CHARS} characters.`);
    }
    lists.push('');
    budget -= heading.length + 2;
  };
  if (input.accessDiff !== undefined) {
    addList('### What this pull request changes', input.accessDiff.length > 0 ? [...input.accessDiff] : ['- No access added or removed: no new permissions, trusts, open resource policies, IMDS or boundary changes.']);
  }
  addList(`### Blocking (${blocking.length})`, blocking.map((f) => findingLine(f, input.lineUrl)));
  addList(`### Below the threshold (${other.length})`, other.map((f) => findingLine(f, input.lineUrl)));
  if (baseline !== undefined && baseline.existing.length > 0) {
    const existing = byImportance(baseline.existing);
    const opening = `<details><summary>${plural(existing.length, 'finding')} of the changed files ${existing.length === 1 ? 'was' : 'were'} there before this change (${severityCounts(existing)}): listed, not judged</summary>`;
    lists.push(opening, '');
    budget -= opening.length + 20;
    addList(`### Already on the base (${existing.length})`, existing.map((f) => findingLine(f, input.lineUrl)));
    lists.push('</details>', '');
  }
  if (baseline !== undefined && baseline.fixed.length > 0) {
    const fixed = byImportance(baseline.fixed);
    const opening = `<details><summary>This pull request fixes ${plural(fixed.length, 'finding')} (${severityCounts(fixed)})</summary>`;
    lists.push(opening, '');
    budget -= opening.length + 20;
    addList(`### Fixed (${fixed.length})`, fixed.map((f) => `- **${f.severity}** \`${f.ruleId}\` \`${f.id}\` ${untrustedText(f.file)}${f.resource !== undefined ? ` (${untrustedText(f.resource)})` : ''}: ${untrustedText(f.message)}`));
    lists.push('</details>', '');
  }
  addList(`### Waived (${waived.length})`, waived.map((w) => `${findingLine(w.finding, input.lineUrl)} — waived: ${w.reason}`));

  const details = detailsText(ordered, input.lineUrl);
  const cutNotes: string[] = [];
  if (annotations.length < allAnnotations.length) {
    cutNotes.push(`Only the ${annotations.length} most severe findings are annotated on lines.`);
  }
  if (unlisted > 0 || details.omitted > 0 || annotations.length < allAnnotations.length) {
    const where = unlisted === 0 ? 'All of them are listed above.' : details.omitted === 0 ? 'The details below describe every finding.' : `To see every finding, run \`trustgate scan\` on the changed files (see "What to do next").`;
    cutNotes.push(`${ordered.length + waived.length} findings in all; ${unlisted > 0 ? `${unlisted} are not listed in this summary` : 'this summary lists every one'}${details.omitted > 0 ? ` and ${details.omitted} are not in the details` : ''}. ${where}`);
  }
  const summaryLines = [...head, ...lists, ...tail];
  if (cutNotes.length > 0) summaryLines.push('', ...cutNotes);
  const output: CheckRunReport['output'] = {
    title,
    summary: fitOutput(summaryLines.join('\n'), 'the summary', 'Run `trustgate scan` on the changed files to see every finding.'),
  };
  if (details.text !== undefined) output.text = details.text;
  return { conclusion, output, annotations };
}

/** Output of a run created before the slow part starts, so people see it working. */
export function buildInProgressOutput(candidateFiles: number): { title: string; summary: string } {
  return {
    title: `Checking ${plural(candidateFiles, 'changed file')}…`,
    summary: 'trustgate is reading the changed infrastructure files and checking them. This run completes on its own; nothing to do yet.',
  };
}

/**
 * The run when something went wrong. It fails closed: a check that could not look must not let the
 * merge through, and the text says what happened and how to get a real result.
 */
export function buildErrorReport(what: string, detail: string): CheckRunReport {
  return {
    conclusion: 'failure',
    output: {
      title: clip(`trustgate could not finish: ${what}`, MAX_TITLE_CHARS),
      summary: fitOutput(
        [
          `trustgate stopped before it could check this change, so the change is not known to be safe and the check fails.`,
          '',
          `**What happened:** ${what}.`,
          '',
          '```',
          detail,
          '```',
          '',
          '### What to do next',
          '',
          '- Re-run this check (the **Re-run** button on this check run); most failures are temporary GitHub or network errors.',
          '- If it fails again the same way, tell the operators of this trustgate installation and quote the text above.',
        ].join('\n'),
        'the summary',
        '',
      ),
    },
    annotations: [],
  };
}

/** The run when the repository's trustgate configuration cannot be used: fails and names the file. */
export function buildConfigurationErrorReport(file: string, message: string): CheckRunReport {
  return {
    conclusion: 'failure',
    output: {
      title: clip(`The trustgate configuration ${file} is invalid`, MAX_TITLE_CHARS),
      summary: fitOutput(
        [
          `trustgate did not check this change because its configuration cannot be used, and a check that cannot apply its rules must not pass.`,
          '',
          `**${file}:** ${message}`,
          '',
          '### What to do next',
          '',
          `- Fix ${file} on the default branch, then re-run this check.`,
        ].join('\n'),
        'the summary',
        '',
      ),
    },
    annotations: [],
  };
}

/** The run when a commit belongs to no open pull request: there is no change to judge. */
export function buildNoPullRequestReport(sha: string): CheckRunReport {
  return {
    conclusion: 'neutral',
    output: {
      title: 'No open pull request for this commit',
      summary: `trustgate checks the files a pull request changes; commit ${sha} is the head of no open pull request, so there was nothing to compare. Open a pull request to get a result.`,
    },
    annotations: [],
  };
}

/** Splits annotations into the chunks GitHub takes per request. */
export function chunkAnnotations(annotations: readonly CheckAnnotation[]): CheckAnnotation[][] {
  const chunks: CheckAnnotation[][] = [];
  for (let start = 0; start < annotations.length; start += ANNOTATIONS_PER_REQUEST) {
    chunks.push(annotations.slice(start, start + ANNOTATIONS_PER_REQUEST));
  }
  return chunks;
}

function titleFor(blocking: readonly Finding[], other: readonly Finding[], problems: readonly string[], failOn: Severity): string {
  if (blocking.length > 0) {
    const verb = blocking.length === 1 ? 'blocks' : 'block';
    const base = `${plural(blocking.length, 'finding')} ${verb} this merge: ${severityCounts(blocking)}`;
    return problems.length > 0 ? `${base}; the check is incomplete` : base;
  }
  if (problems.length > 0) return 'The check is incomplete, so it cannot pass';
  if (other.length > 0) return `No blocking findings (${severityCounts(other)} below ${failOn})`;
  return 'No blocking findings';
}

/** Reasons a file was judged whole, shown at most this many (the head of the summary is never cut). */
const MAX_UNAVAILABLE_LINES = 10;

/** The opening lines when the change is judged against its base: what blocks, and what was compared. */
function baselineIntro(baseline: NonNullable<CheckRunReportInput['baseline']>, files: number, failOn: Severity): string[] {
  const lines =
    baseline.gate === 'new'
      ? [`trustgate checked ${plural(files, 'infrastructure file')} at the head of this change and at its base. **New** findings at or above **${failOn}** block the merge; findings already on the base are listed, not judged (\`gate: all\` in .github/trustgate.yml judges them).`]
      : [`trustgate checked ${plural(files, 'infrastructure file')} at the head of this change. Findings at or above **${failOn}** block the merge, new or not (\`gate: all\`).`];
  const compared: string[] = [];
  if (baseline.gate === 'new') compared.push(`${plural(baseline.existing.length, 'finding')} already on the base`);
  if (baseline.fixed.length > 0) compared.push(`this pull request fixes ${plural(baseline.fixed.length, 'finding')}`);
  if (compared.length > 0) lines.push('', `Compared with the base: ${compared.join('; ')}.`);
  const reasons = [...new Set(baseline.unavailable)];
  for (const why of reasons.slice(0, MAX_UNAVAILABLE_LINES)) lines.push('', `> **Judged whole:** ${why}; every finding there counts as new.`);
  if (reasons.length > MAX_UNAVAILABLE_LINES) lines.push('', `> … and ${reasons.length - MAX_UNAVAILABLE_LINES} more files judged whole for the same kinds of reason.`);
  return lines;
}

function severityCounts(findings: readonly Finding[]): string {
  return SEVERITIES.map((severity) => [severity, findings.filter((f) => f.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`)
    .join(', ');
}

function countsTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No findings.';
  // Only the severities that occur: a table of zeros hides the rows that matter.
  const bySeverity = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, count]) => count > 0)
    .map(([s, count]) => `| ${s} | ${count} |`);
  const categories = [...new Set(findings.map((f) => String(f.category)))].sort();
  const byCategory = categories.map((c) => `| ${c} | ${findings.filter((f) => f.category === c).length} |`);
  return ['| Severity | Findings |', '| --- | ---: |', ...bySeverity, '', '| Category | Findings |', '| --- | ---: |', ...byCategory].join('\n');
}

function findingLine(f: Finding, lineUrl: CheckRunReportInput['lineUrl']): string {
  const where = `[${untrustedText(f.file)}:${f.line}](${lineUrl(f.file, f.line)})`;
  const resource = f.resource !== undefined ? ` (${untrustedText(f.resource)})` : '';
  return `- **${f.severity}** \`${f.ruleId}\` \`${f.id}\` ${where}${resource}: ${untrustedText(f.message)}`;
}

/**
 * A finding's message, resource, file or path in Markdown. They are built from what the pull request
 * wrote (logical ids, Sids, descriptions, parameter values, file names), so they go through the one
 * escaping helper: they render as the same characters and can open no HTML, link, mention or marker.
 */
function untrustedText(text: string): string {
  return escapeUntrusted(text, 4_000);
}

/** The details of each finding, most severe first, as many as GitHub's limit takes, and how many did not fit. */
function detailsText(ordered: readonly Finding[], lineUrl: CheckRunReportInput['lineUrl']): { text?: string; omitted: number } {
  if (ordered.length === 0) return { omitted: 0 };
  const parts = ['## Details', ''];
  let length = joinedLength(parts);
  const fixes = new RepeatedAdvice();
  let shown = 0;
  for (const f of ordered) {
    const block = findingDetails(f, lineUrl, fixes.say(f, (first) => `as for \`${first}\` above.`));
    if (length + block.length + 1 > MAX_OUTPUT_CHARS - RESERVED_FOR_CUT_NOTES) break;
    parts.push(block);
    length += block.length + 1;
    shown++;
  }
  const omitted = ordered.length - shown;
  if (omitted > 0) parts.push(`**… ${omitted} more findings are not detailed here: the details would pass GitHub's ${MAX_OUTPUT_CHARS} characters.** Run \`trustgate scan\` on the changed files (install the CLI from the trustgate repository as its README says: a packed tarball or a git URL, not \`npx\`) to see them all.`);
  return { text: parts.join('\n'), omitted };
}

/**
 * Several findings on one line often share their advice (one statement, several rules): the first says it,
 * the next ones point at it.
 */
class RepeatedAdvice {
  readonly #first = new Map<string, string>();

  /** The remediation to print for `f`: its own the first time on its line, else a pointer to the first. */
  say(f: Finding, pointer: (firstId: string) => string): string | undefined {
    if (f.remediation === undefined || f.remediation === '') return undefined;
    const key = `${f.file}\u0000${f.line}\u0000${f.remediation}`;
    const first = this.#first.get(key);
    if (first === undefined) {
      this.#first.set(key, f.id);
      return f.remediation;
    }
    return pointer(first);
  }
}

function findingDetails(f: Finding, lineUrl: CheckRunReportInput['lineUrl'], remediation: string | undefined = f.remediation): string {
  const lines = [`### \`${f.id}\` ${f.ruleId} (${f.severity})`, '', `[${untrustedText(f.file)}:${f.line}](${lineUrl(f.file, f.line)})${f.path !== undefined ? ` at ${codeOrEscaped(f.path, 4_000)}` : ''}`, '', untrustedText(f.message)];
  if (f.related !== undefined && f.related.length > 0) {
    lines.push('', '**The chain, step by step:**', '');
    for (const r of f.related) lines.push(`- [${untrustedText(r.file)}:${r.line}](${lineUrl(r.file, r.line)}): ${untrustedText(r.message)}`);
  }
  // The finding's own advice may quote the template; a pointer to an earlier finding is this module's text.
  if (remediation) lines.push('', `**How to fix:** ${remediation === f.remediation ? untrustedText(remediation) : remediation}`);
  if (f.docs) lines.push('', `[Rule documentation](${f.docs})`);
  lines.push('');
  return lines.join('\n');
}

function nextSteps(blocking: number, problems: number, failOn: Severity): string[] {
  const steps: string[] = [];
  if (blocking > 0) {
    steps.push(`- Fix each blocking finding at the linked line (the details below say how) and push: the check runs again on every push.`);
    steps.push('- To accept a finding for this pull request instead, a maintainer comments `/trustgate waive <finding-id> --reason "why"` (the ids are in the lists above; `/trustgate help` lists every command).');
    steps.push(`- To reproduce locally: \`trustgate scan <changed files> --fail-on ${failOn}\` with the CLI installed from the trustgate repository (its README: a packed tarball or a git URL; no \`trustgate\` package is published on npm, so not \`npx\`).`);
  }
  if (problems > 0) steps.push('- Split the change into smaller pull requests so every changed file can be checked.');
  if (steps.length === 0) steps.push('- Nothing blocks the merge. Findings below the threshold are worth a look in review.');
  return steps;
}

function toAnnotations(ordered: readonly Finding[], failOn: Severity, lineUrl: CheckRunReportInput['lineUrl']): CheckAnnotation[] {
  const fixes = new RepeatedAdvice();
  return ordered.map((f) => toAnnotation(f, failOn, lineUrl, fixes.say(f, (first) => `as for [${first}] on this line.`)));
}

function toAnnotation(f: Finding, failOn: Severity, lineUrl: CheckRunReportInput['lineUrl'], remediation: string | undefined): CheckAnnotation {
  const level: CheckAnnotation['annotation_level'] = atLeast(f.severity, failOn) ? 'failure' : f.severity === 'info' ? 'notice' : 'warning';
  const annotation: CheckAnnotation = {
    path: f.file,
    start_line: f.line,
    end_line: Math.max(f.endLine, f.line),
    annotation_level: level,
    title: clip(`${f.ruleId} (${f.severity}) [${f.id}]`, MAX_TITLE_CHARS),
    message: clip(annotationMessage(f, lineUrl, remediation), MAX_ANNOTATION_MESSAGE_CHARS),
  };
  if (annotation.start_line === annotation.end_line) {
    annotation.start_column = f.column;
    annotation.end_column = Math.max(f.endColumn, f.column);
  }
  return annotation;
}

/** The message, each linked step of a chain (GitHub shows annotation messages as plain text, so bare URLs), the fix and the docs. */
function annotationMessage(f: Finding, lineUrl: CheckRunReportInput['lineUrl'], remediation: string | undefined): string {
  // Plain text on GitHub, but from the pull request all the same: no marker, no mention (untrusted-text.ts).
  const parts = [plainUntrusted(f.message)];
  if (f.related !== undefined && f.related.length > 0) {
    parts.push(['Related:', ...f.related.map((r) => `- ${plainUntrusted(r.file)}:${r.line} ${plainUntrusted(oneLine(r.message))} (${lineUrl(r.file, r.line)})`)].join('\n'));
  }
  if (remediation) parts.push(`How to fix: ${plainUntrusted(remediation)}`);
  if (f.docs) parts.push(`Docs: ${f.docs}`);
  return parts.join('\n\n');
}

/** Most severe first; the engine's file/line order within a severity. */
function byImportance(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}

function fitOutput(text: string, what: string, where: string): string {
  if (text.length <= MAX_OUTPUT_CHARS) return text;
  const note = `\n\n**… ${what} was cut here: it is longer than GitHub's ${MAX_OUTPUT_CHARS} characters.** ${where}`.trimEnd();
  const cut = text.slice(0, MAX_OUTPUT_CHARS - note.length);
  const lineEnd = cut.lastIndexOf('\n');
  return (lineEnd > 0 ? cut.slice(0, lineEnd) : cut) + note;
}

/** Markdown cut at a line end under `max`, saying so. */
function clipMarkdown(text: string, max: number, what: string): string {
  if (text.length <= max) return text;
  const note = `\n\n**… ${what} were cut here to keep the summary within GitHub's limit.**`;
  const cut = text.slice(0, max - note.length - 40);
  const kept = cut.lastIndexOf('\n') > 0 ? cut.slice(0, cut.lastIndexOf('\n')) : cut;
  // A collapsed block cut open would swallow everything after it (what to do next among it): close it.
  const open = (kept.match(/<details>/g) ?? []).length - (kept.match(/<\/details>/g) ?? []).length;
  return kept + note + '\n\n</details>'.repeat(Math.max(0, open));
}

function joinedLength(lines: readonly string[]): number {
  return lines.reduce((sum, line) => sum + line.length + 1, 0);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
