import type { Finding } from '../findings/finding.js';
import { lowerSeverity, severityRank, type Severity } from '../findings/severity.js';
import { getKey, isMap, isSeq, scalarString, type SourceNode } from '../parse/nodes.js';
import { readInfrastructureFile } from '../parse/parse-file.js';
import type { SourceFile } from '../parse/source-file.js';
import type { InputFile } from './scan.js';
import { terraformSuppressions } from '../terraform/suppressions.js';

/**
 * An inline suppression written in the file it suppresses:
 *
 * - in a template, under a resource's `Metadata.trustgate.suppress` (applies to that resource's findings)
 *   or the template's top-level `Metadata.trustgate.suppress` (applies to the whole file);
 * - in an IAM policy JSON file, under a top-level `"trustgate": {"suppress": [...]}` key (whole file).
 *
 * Each entry is `{rule: <rule id>, reason: <why>}`; the reason is mandatory.
 */
export interface InlineSuppression {
  file: string;
  ruleId: string;
  reason: string;
  /** Logical id of the resource it is written on; undefined for a file-wide suppression. */
  resource?: string;
  /** Where it is written, for the summary. */
  line: number;
}

/** An entry under `trustgate.suppress` that could not be used (no rule, no reason, wrong shape). */
export interface SuppressionProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface CollectedSuppressions {
  suppressions: InlineSuppression[];
  problems: SuppressionProblem[];
}

/** How inline suppressions are allowed to act; comes from the repository configuration. */
export interface SuppressionPolicy {
  enabled: boolean;
  /** The most severe finding a suppression may silence on its own. */
  maxSeverity: Severity;
}

export const DEFAULT_SUPPRESSION_POLICY: SuppressionPolicy = { enabled: true, maxSeverity: lowerSeverity('high') };

export interface SuppressedFinding {
  finding: Finding;
  suppression: InlineSuppression;
}

export interface SuppressionOutcome {
  /** Findings still in force (including the ones whose suppression is only a request). */
  remaining: Finding[];
  /** Findings silenced by an inline suppression. */
  suppressed: SuppressedFinding[];
  /**
   * Findings too severe for an inline suppression (or with suppressions turned off): they stay in force
   * and are shown as requests that need an authorised `/trustgate waive`.
   */
  requests: SuppressedFinding[];
  /** Suppressions that matched no finding (stale, or a misspelt rule id). */
  unused: InlineSuppression[];
}

const MARKER = 'trustgate';

/**
 * Reads the inline suppressions of the scanned files. Only files that mention `trustgate` are parsed
 * again, so the cost is nil for the files that have none. Never throws.
 */
export function collectSuppressions(inputs: readonly InputFile[]): CollectedSuppressions {
  const out: CollectedSuppressions = { suppressions: [], problems: [] };
  for (const input of inputs) {
    if (!input.text.includes(MARKER)) continue;
    if (input.path.toLowerCase().endsWith('.tf')) {
      // `# trustgate:suppress <rule> -- <reason>` comments (src/terraform/suppressions.ts).
      const found = terraformSuppressions(input.path, input.text);
      out.suppressions.push(...found.suppressions);
      out.problems.push(...found.problems.map((problem) => ({ file: input.path, ...problem })));
      continue;
    }
    const outcome = readInfrastructureFile(input.path, input.text);
    if (outcome.status !== 'parsed') continue;
    const { root, file, kind } = outcome.document;
    if (kind === 'cloudformation') {
      readSuppressList(getKey(getKey(root, 'Metadata'), MARKER), file, undefined, out);
      const resources = getKey(root, 'Resources');
      if (isMap(resources)) {
        for (const entry of resources.entries) {
          readSuppressList(getKey(getKey(entry.value, 'Metadata'), MARKER), file, String(entry.key.value), out);
        }
      }
    } else {
      readSuppressList(getKey(root, MARKER), file, undefined, out);
    }
  }
  return out;
}

/**
 * Applies inline suppressions to findings. A suppression silences the findings of its rule in its file
 * (and on its resource, when written on one) whose severity is at most `policy.maxSeverity`; findings
 * above that stay in force and are listed as requests for a waiver, because a suppression arrives with
 * the very pull request it would excuse. Parse and internal errors are never suppressed.
 */
export function applySuppressions(findings: readonly Finding[], suppressions: readonly InlineSuppression[], policy: SuppressionPolicy = DEFAULT_SUPPRESSION_POLICY): SuppressionOutcome {
  const outcome: SuppressionOutcome = { remaining: [], suppressed: [], requests: [], unused: [] };
  const used = new Set<InlineSuppression>();
  for (const finding of findings) {
    const suppression = suppressions.find((candidate) => matches(candidate, finding));
    if (suppression === undefined) {
      outcome.remaining.push(finding);
      continue;
    }
    used.add(suppression);
    if (policy.enabled && severityRank(finding.severity) <= severityRank(policy.maxSeverity)) {
      outcome.suppressed.push({ finding, suppression });
    } else {
      outcome.remaining.push(finding);
      outcome.requests.push({ finding, suppression });
    }
  }
  outcome.unused = suppressions.filter((suppression) => !used.has(suppression));
  return outcome;
}

function matches(suppression: InlineSuppression, finding: Finding): boolean {
  if (finding.category === 'parse-error' || finding.category === 'internal-error') return false;
  if (suppression.file !== finding.file || suppression.ruleId !== finding.ruleId) return false;
  // A resource-level suppression covers findings on that resource only: never its neighbours.
  return suppression.resource === undefined || suppression.resource === finding.resource;
}

function readSuppressList(marker: SourceNode | undefined, file: SourceFile, resource: string | undefined, out: CollectedSuppressions): void {
  if (marker === undefined) return;
  const problem = (node: SourceNode, message: string) => {
    const position = file.positionAt(node.start);
    out.problems.push({ file: file.path, line: position.line, column: position.column, message });
  };
  const list = getKey(marker, 'suppress');
  if (!isMap(marker) || list === undefined) {
    problem(marker, '`trustgate` must be a mapping with a `suppress` list of {rule, reason}');
    return;
  }
  if (!isSeq(list)) {
    problem(list, '`trustgate.suppress` must be a list of {rule, reason}');
    return;
  }
  for (const item of list.items) {
    const rule = scalarString(getKey(item, 'rule'));
    const reason = scalarString(getKey(item, 'reason'));
    if (!isMap(item) || rule === undefined || rule.trim() === '') {
      problem(item, 'a suppression needs `rule: <rule id>`; this one is ignored');
      continue;
    }
    if (reason === undefined || reason.trim() === '') {
      problem(item, `the suppression of ${rule} has no \`reason\`, so it is ignored: say why the finding is acceptable`);
      continue;
    }
    const suppression: InlineSuppression = { file: file.path, ruleId: rule.trim(), reason: reason.trim(), line: file.positionAt(item.start).line };
    if (resource !== undefined) suppression.resource = resource;
    out.suppressions.push(suppression);
  }
}
