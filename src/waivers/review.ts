import type { InlineSuppressionPolicy } from '../config/config.js';
import { applySuppressions, collectSuppressions, type SuppressionOutcome, type SuppressionProblem } from '../engine/suppressions.js';
import type { InputFile } from '../engine/scan.js';
import type { Finding } from '../findings/finding.js';
import { escapeUntrusted } from '../reporters/untrusted-text.js';
import { applyWaivers, type WaivedFinding, type WaiverOutcome } from './apply.js';
import type { WaiverRecord } from './records.js';
import { describeWaiver, renderExceptionsSummary } from './summary.js';

export interface ReviewInput {
  findings: readonly Finding[];
  /** The scanned files, for their inline suppressions. */
  inputs: readonly InputFile[];
  /** Waivers in force on the pull request (none for the CLI). */
  waivers: readonly WaiverRecord[];
  inlineSuppressions: InlineSuppressionPolicy;
  now: Date;
  findingLabel?: (finding: Finding) => string;
}

export interface ReviewResult {
  /** Findings that count towards the conclusion. */
  findings: Finding[];
  /** Findings a waiver or an inline suppression accepted, with the reason shown beside them. */
  accepted: { finding: Finding; reason: string }[];
  waivers: WaiverOutcome;
  suppressions: SuppressionOutcome;
  suppressionProblems: SuppressionProblem[];
  /** Markdown for the check run summary (empty when there are no exceptions). */
  summary: string;
}

/**
 * Applies exceptions to a run's findings. Waivers come first: they were granted by someone the policy
 * allows. Inline suppressions then apply to what is left, within the configured severity ceiling; the
 * ones above it stay in force and are listed as requests for a waiver.
 */
export function reviewFindings(input: ReviewInput): ReviewResult {
  const waivers = applyWaivers(input.findings, input.waivers, input.now);
  const collected = collectSuppressions(input.inputs);
  const suppressions = applySuppressions(waivers.remaining, collected.suppressions, input.inlineSuppressions);
  // A suppression whose finding a waiver already covers is not stale: judge staleness on every finding.
  suppressions.unused = applySuppressions(input.findings, collected.suppressions, input.inlineSuppressions).unused;
  const accepted = [
    ...waivers.waived.map(({ finding, waiver }: WaivedFinding) => ({ finding, reason: `waiver ${describeWaiver(waiver)}` })),
    ...suppressions.suppressed.map(({ finding, suppression }) => ({ finding, reason: `suppressed in the code: ${escapeUntrusted(suppression.reason)}` })),
  ];
  const summaryInput = { waivers, suppressions, suppressionProblems: collected.problems, ...(input.findingLabel !== undefined ? { findingLabel: input.findingLabel } : {}) };
  return {
    findings: suppressions.remaining,
    accepted,
    waivers,
    suppressions,
    suppressionProblems: collected.problems,
    summary: renderExceptionsSummary(summaryInput),
  };
}
