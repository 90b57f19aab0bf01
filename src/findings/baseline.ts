import type { Finding } from './finding.js';
import { severityRank } from './severity.js';

/**
 * Judging the change, not the file: the findings of a changed file's head version compared with those
 * of its base version (the pull request's base commit, or the merge group's), by fingerprint.
 *
 * - **new**: no finding with its fingerprint on the base, or the one there was less severe;
 * - **existing**: the same finding (fingerprint, at least as severe) was already on the base;
 * - **fixed**: on the base, gone at the head.
 *
 * A file whose base version could not be used (unreadable, or it does not parse) has no baseline:
 * every head finding of it is new, and `unavailable` says why. Parse and internal errors at the head
 * are always new: a file trustgate cannot read is never "as bad as before".
 */
export interface Baseline {
  /** Findings of the base versions, under the head paths (a renamed file under its new name). */
  findings: readonly Finding[];
  /** Head paths whose base version could not be used, and why (shown in the summary). */
  unavailable: ReadonlyMap<string, string>;
}

export interface Classification {
  new: Finding[];
  existing: Finding[];
  fixed: Finding[];
}

export type GateMode = 'new' | 'all';
export const GATE_MODES: readonly GateMode[] = ['new', 'all'];

export function classifyFindings(head: readonly Finding[], baseline: Baseline): Classification {
  const onBase = new Map<string, Finding[]>();
  for (const finding of baseline.findings) {
    if (baseline.unavailable.has(finding.file) || isFileProblem(finding)) continue;
    const same = onBase.get(finding.fingerprint);
    if (same === undefined) onBase.set(finding.fingerprint, [finding]);
    else same.push(finding);
  }
  const out: Classification = { new: [], existing: [], fixed: [] };
  const matched = new Set<Finding>();
  for (const finding of head) {
    const candidates = isFileProblem(finding) || baseline.unavailable.has(finding.file) ? undefined : onBase.get(finding.fingerprint);
    const twin = candidates?.find((candidate) => !matched.has(candidate));
    if (twin === undefined) {
      out.new.push(finding);
      continue;
    }
    matched.add(twin);
    if (severityRank(finding.severity) > severityRank(twin.severity)) out.new.push(finding);
    else out.existing.push(finding);
  }
  for (const candidates of onBase.values()) for (const finding of candidates) if (!matched.has(finding)) out.fixed.push(finding);
  return out;
}

function isFileProblem(finding: Finding): boolean {
  return finding.category === 'parse-error' || finding.category === 'internal-error';
}
