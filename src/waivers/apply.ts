import type { Finding } from '../findings/finding.js';
import type { WaiverRecord } from './records.js';

export interface WaivedFinding {
  finding: Finding;
  waiver: WaiverRecord;
}

export interface WaiverOutcome {
  /** Findings no waiver covers: they count towards the conclusion. */
  remaining: Finding[];
  /** Findings covered by a current waiver: listed, but they do not fail the check. */
  waived: WaivedFinding[];
  /** Current waivers that cover no finding of this run (fixed, or the code moved on): listed so people can tidy up. */
  unmatched: WaiverRecord[];
  /** Waivers past their expiry date: they no longer apply. */
  expired: WaiverRecord[];
}

/** The last instant a waiver applies: the end of its expiry day, UTC. */
export function waiverEnd(waiver: Pick<WaiverRecord, 'expires'>): number {
  return waiver.expires === undefined ? Number.POSITIVE_INFINITY : Date.parse(`${waiver.expires}T23:59:59.999Z`);
}

/**
 * Applies the pull request's waivers to a run's findings. A finding waiver matches by fingerprint (so it
 * survives line shifts and unrelated edits, and stops matching when the offending element changes); a
 * rule waiver matches every finding of the rule, or of the rule in one file. Expiry is judged at `now`,
 * so an expired waiver stops applying at the next run without anyone touching it.
 */
export function applyWaivers(findings: readonly Finding[], waivers: readonly WaiverRecord[], now: Date): WaiverOutcome {
  const current = waivers.filter((waiver) => waiverEnd(waiver) >= now.getTime());
  const expired = waivers.filter((waiver) => waiverEnd(waiver) < now.getTime());
  const used = new Set<WaiverRecord>();
  const outcome: WaiverOutcome = { remaining: [], waived: [], unmatched: [], expired };
  for (const finding of findings) {
    const waiver = current.find((candidate) => covers(candidate, finding));
    if (waiver === undefined) {
      outcome.remaining.push(finding);
    } else {
      used.add(waiver);
      outcome.waived.push({ finding, waiver });
    }
  }
  outcome.unmatched = current.filter((waiver) => !used.has(waiver));
  return outcome;
}

export function covers(waiver: WaiverRecord, finding: Finding): boolean {
  const scope = waiver.scope;
  if (scope.kind === 'finding') return finding.fingerprint.startsWith(scope.fingerprint);
  return scope.ruleId === finding.ruleId && (scope.file === undefined || scope.file === finding.file);
}
