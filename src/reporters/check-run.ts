import type { Finding } from '../findings/finding.js';
import { atLeast, SEVERITIES, severityRank, type Severity } from '../findings/severity.js';

/** GitHub's limits on check run output. */
export const MAX_TITLE_CHARS = 255;
export const MAX_OUTPUT_CHARS = 65_535;
/** GitHub accepts at most this many annotations per create or update request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** Default cap on annotations per run: each 50 costs a write; the summary and text still list every finding. */
export const DEFAULT_MAX_ANNOTATIONS = 500;
const MAX_ANNOTATION_MESSAGE_CHARS = 4_000;

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

  if (findings.length === 0 && waived.length === 0 && problems.length === 0 && input.infrastructureFiles === 0 && notes === '') {
    return {
      conclusion: 'success',
      output: {
        title: 'No infrastructure files changed',
        summary: 'None of the files changed here is a CloudFormation/SAM template or an IAM policy document, so there was nothing for trustgate to check.',
      },
      annotations: [],
    };
  }

  const title = clip(titleFor(blocking, other, problems, failOn), MAX_TITLE_CHARS);
  const allAnnotations = [...blocking, ...other].map((f) => toAnnotation(f, failOn, input.lineUrl));
  const maxAnnotations = input.maxAnnotations ?? DEFAULT_MAX_ANNOTATIONS;
  const annotations = allAnnotations.slice(0, maxAnnotations);

  const summary: string[] = [];
  summary.push(`trustgate checked ${plural(input.infrastructureFiles, 'infrastructure file')} at the head of this change. Findings at or above **${failOn}** block the merge.`);
  for (const problem of problems) summary.push(`> **The check cannot pass:** ${problem}`);
  if (input.reportOnly === true) summary.push('', '> **Report-only mode** (`reportOnly: true` in .github/trustgate.yml): nothing here blocks the merge; the check concludes neutral where it would fail.');
  summary.push('', countsTable(findings), '');
  if (blocking.length > 0) {
    summary.push(`### Blocking (${blocking.length})`, '');
    for (const f of blocking) summary.push(findingLine(f, input.lineUrl));
    summary.push('');
  }
  if (other.length > 0) {
    summary.push(`### Below the threshold (${other.length})`, '');
    for (const f of other) summary.push(findingLine(f, input.lineUrl));
    summary.push('');
  }
  if (waived.length > 0) {
    summary.push(`### Waived (${waived.length})`, '');
    for (const w of waived) summary.push(`${findingLine(w.finding, input.lineUrl)} — waived: ${w.reason}`);
    summary.push('');
  }
  if (notes !== '') summary.push(notes, '');
  summary.push('### What to do next', '', ...nextSteps(blocking.length, problems.length, failOn));
  if (annotations.length < allAnnotations.length) {
    summary.push('', `Only the ${annotations.length} most severe findings are annotated on lines; all ${allAnnotations.length} are listed above.`);
  }

  const details = [...blocking, ...other].map((f) => findingDetails(f, input.lineUrl));
  const output: CheckRunReport['output'] = {
    title,
    summary: fitOutput(summary.join('\n'), 'the summary', 'The annotations and the details below list every finding.'),
  };
  if (details.length > 0) output.text = fitOutput(['## Details', '', ...details].join('\n'), 'the details', 'Run `trustgate scan` on the changed files to see them all (install the CLI from the trustgate repository as its README says: a packed tarball or a git URL, not `npx`).');
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
  const where = `[${escapeLinkText(f.file)}:${f.line}](${lineUrl(f.file, f.line)})`;
  const resource = f.resource !== undefined ? ` (${f.resource})` : '';
  return `- **${f.severity}** \`${f.ruleId}\` \`${f.id}\` ${where}${resource}: ${oneLine(f.message)}`;
}

function findingDetails(f: Finding, lineUrl: CheckRunReportInput['lineUrl']): string {
  const lines = [`### \`${f.id}\` ${f.ruleId} (${f.severity})`, '', `[${escapeLinkText(f.file)}:${f.line}](${lineUrl(f.file, f.line)})${f.path !== undefined ? ` at \`${f.path}\`` : ''}`, '', f.message];
  if (f.related !== undefined && f.related.length > 0) {
    lines.push('', '**The chain, step by step:**', '');
    for (const r of f.related) lines.push(`- [${escapeLinkText(r.file)}:${r.line}](${lineUrl(r.file, r.line)}): ${oneLine(r.message)}`);
  }
  if (f.remediation) lines.push('', `**How to fix:** ${f.remediation}`);
  if (f.docs) lines.push('', `[Rule documentation](${f.docs})`);
  lines.push('');
  return lines.join('\n');
}

function nextSteps(blocking: number, problems: number, failOn: Severity): string[] {
  const steps: string[] = [];
  if (blocking > 0) {
    steps.push(`- Fix each blocking finding at the linked line (the details below say how) and push: the check runs again on every push.`);
    steps.push(`- To reproduce locally: \`trustgate scan <changed files> --fail-on ${failOn}\` with the CLI installed from the trustgate repository (its README: a packed tarball or a git URL; no \`trustgate\` package is published on npm, so not \`npx\`).`);
  }
  if (problems > 0) steps.push('- Split the change into smaller pull requests so every changed file can be checked.');
  if (steps.length === 0) steps.push('- Nothing blocks the merge. Findings below the threshold are worth a look in review.');
  return steps;
}

function toAnnotation(f: Finding, failOn: Severity, lineUrl: CheckRunReportInput['lineUrl']): CheckAnnotation {
  const level: CheckAnnotation['annotation_level'] = atLeast(f.severity, failOn) ? 'failure' : f.severity === 'info' ? 'notice' : 'warning';
  const annotation: CheckAnnotation = {
    path: f.file,
    start_line: f.line,
    end_line: Math.max(f.endLine, f.line),
    annotation_level: level,
    title: clip(`${f.ruleId} (${f.severity}) [${f.id}]`, MAX_TITLE_CHARS),
    message: clip(annotationMessage(f, lineUrl), MAX_ANNOTATION_MESSAGE_CHARS),
  };
  if (annotation.start_line === annotation.end_line) {
    annotation.start_column = f.column;
    annotation.end_column = Math.max(f.endColumn, f.column);
  }
  return annotation;
}

/** The message, each linked step of a chain (GitHub shows annotation messages as plain text, so bare URLs), the fix and the docs. */
function annotationMessage(f: Finding, lineUrl: CheckRunReportInput['lineUrl']): string {
  const parts = [f.message];
  if (f.related !== undefined && f.related.length > 0) {
    parts.push(['Related:', ...f.related.map((r) => `- ${r.file}:${r.line} ${oneLine(r.message)} (${lineUrl(r.file, r.line)})`)].join('\n'));
  }
  if (f.remediation) parts.push(`How to fix: ${f.remediation}`);
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

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function escapeLinkText(text: string): string {
  return text.replace(/([[\]\\])/g, '\\$1');
}
