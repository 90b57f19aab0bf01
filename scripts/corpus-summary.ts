/**
 * The corpus snapshot: what trustgate reports on the AWS sample templates in ../shared/corpus (findings per
 * rule and severity, totals, the files that would block at the default threshold, and every finding as one
 * line), written to test/corpus/cfn-summary.json (and the Terraform modules' to terraform-summary.json) so
 * that every change in what trustgate reports on real code shows up in review. Run: `npm run corpus:summary` (or `npx tsx scripts/corpus-summary.ts`);
 * test/corpus/corpus-summary.test.ts fails when the committed file is out of date.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectFiles } from '../src/cli/collect-files.js';
import { scanFiles } from '../src/engine/scan.js';
import type { Finding } from '../src/findings/finding.js';
import { atLeast, SEVERITIES, type Severity } from '../src/findings/severity.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CFN_CORPUS = join(REPO_ROOT, '..', 'shared', 'corpus', 'aws-cloudformation-templates');
export const CFN_SUMMARY = join(REPO_ROOT, 'test', 'corpus', 'cfn-summary.json');
/** The Terraform modules of ../shared/corpus, summarised the same way. */
export const TF_CORPUS = join(REPO_ROOT, '..', 'shared', 'corpus', 'terraform-aws-modules');
export const TF_SUMMARY = join(REPO_ROOT, 'test', 'corpus', 'terraform-summary.json');
export const REGENERATE_COMMAND = 'npm run corpus:summary';
/** The threshold the CLI and the app fail at unless configured otherwise. */
const DEFAULT_FAIL_ON: Severity = 'high';

export interface CorpusSummary {
  corpus: string;
  regenerate: string;
  failOn: Severity;
  files: { scanned: number; failed: number; skipped: number };
  totals: { findings: number; blockingFiles: number } & Record<Severity, number>;
  /** rule id -> severity -> count (only severities that occur). */
  byRule: Record<string, Partial<Record<Severity, number>>>;
  /** Files with at least one finding at or above failOn. */
  blocking: string[];
  /** file -> one line per finding: `line:column severity rule [resource]`. */
  findings: Record<string, string[]>;
}

export async function summarizeCorpus(root: string = CFN_CORPUS): Promise<CorpusSummary> {
  const collected = await collectFiles([root]);
  if (!collected.ok) throw new Error(collected.error);
  const scan = scanFiles(collected.files);
  return summarize(scan.findings, scan.files, `../shared/corpus/${basename(root)}`);
}

function summarize(found: readonly Finding[], files: readonly { status: string }[], corpus: string): CorpusSummary {
  const severityTotals = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byRule: Record<string, Partial<Record<Severity, number>>> = {};
  const findings: Record<string, string[]> = {};
  const blocking = new Set<string>();
  for (const finding of found) {
    severityTotals[finding.severity] += 1;
    const counts = (byRule[finding.ruleId] ??= {});
    counts[finding.severity] = (counts[finding.severity] ?? 0) + 1;
    (findings[finding.file] ??= []).push(`${finding.line}:${finding.column} ${finding.severity} ${finding.ruleId}${finding.resource !== undefined ? ` ${finding.resource}` : ''}`);
    if (atLeast(finding.severity, DEFAULT_FAIL_ON)) blocking.add(finding.file);
  }
  const sortedByRule: CorpusSummary['byRule'] = {};
  for (const rule of Object.keys(byRule).sort()) {
    const counts = byRule[rule]!;
    sortedByRule[rule] = Object.fromEntries(SEVERITIES.filter((s) => counts[s] !== undefined).map((s) => [s, counts[s]]));
  }
  const sortedFindings: CorpusSummary['findings'] = {};
  for (const file of Object.keys(findings).sort()) sortedFindings[file] = findings[file]!;
  return {
    corpus,
    regenerate: REGENERATE_COMMAND,
    failOn: DEFAULT_FAIL_ON,
    files: {
      scanned: files.filter((f) => f.status === 'scanned').length,
      failed: files.filter((f) => f.status === 'failed').length,
      skipped: files.filter((f) => f.status === 'skipped').length,
    },
    totals: { findings: found.length, blockingFiles: blocking.size, ...severityTotals },
    byRule: sortedByRule,
    blocking: [...blocking].sort(),
    findings: sortedFindings,
  };
}

export function renderSummary(summary: CorpusSummary): string {
  return JSON.stringify(summary, null, 2) + '\n';
}

/** What changed between two summaries, one line each, for a test failure people can read. */
export function describeChanges(before: CorpusSummary, after: CorpusSummary): string[] {
  const lines: string[] = [];
  for (const key of ['files', 'totals'] as const) {
    for (const [name, value] of Object.entries(after[key])) {
      const old = (before[key] as Record<string, number> | undefined)?.[name];
      if (old !== value) lines.push(`${key}.${name}: ${old ?? '-'} -> ${value}`);
    }
  }
  const rules = [...new Set([...Object.keys(before.byRule ?? {}), ...Object.keys(after.byRule)])].sort();
  for (const rule of rules) {
    for (const severity of SEVERITIES) {
      const old = before.byRule?.[rule]?.[severity] ?? 0;
      const now = after.byRule[rule]?.[severity] ?? 0;
      if (old !== now) lines.push(`${rule} ${severity}: ${old} -> ${now}`);
    }
  }
  const wasBlocking = new Set(before.blocking ?? []);
  const isBlocking = new Set(after.blocking);
  for (const file of after.blocking) if (!wasBlocking.has(file)) lines.push(`now blocks: ${file}`);
  for (const file of before.blocking ?? []) if (!isBlocking.has(file)) lines.push(`no longer blocks: ${file}`);
  const files = [...new Set([...Object.keys(before.findings ?? {}), ...Object.keys(after.findings)])].sort();
  for (const file of files) {
    const old = new Set(before.findings?.[file] ?? []);
    const now = new Set(after.findings[file] ?? []);
    for (const line of old) if (!now.has(line)) lines.push(`- ${file} ${line}`);
    for (const line of now) if (!old.has(line)) lines.push(`+ ${file} ${line}`);
  }
  return lines;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!existsSync(CFN_CORPUS)) {
    process.stderr.write(`corpus-summary: ${CFN_CORPUS} is absent; nothing written\n`);
    process.exit(2);
  }
  const summary = await summarizeCorpus();
  writeFileSync(CFN_SUMMARY, renderSummary(summary));
  process.stdout.write(`wrote ${CFN_SUMMARY}: ${summary.totals.findings} findings, ${summary.totals.blockingFiles} of ${summary.files.scanned} files would block\n`);
  if (existsSync(TF_CORPUS)) {
    const terraform = await summarizeCorpus(TF_CORPUS);
    writeFileSync(TF_SUMMARY, renderSummary(terraform));
    process.stdout.write(`wrote ${TF_SUMMARY}: ${terraform.totals.findings} findings, ${terraform.totals.blockingFiles} of ${terraform.files.scanned} files would block\n`);
  }
}
