import { createHash } from 'node:crypto';
import { severityRank, type Severity } from './severity.js';

export const CATEGORIES = [
  'least-privilege',
  'imdsv2',
  'cross-account-trust',
  'resource-exposure',
  'policy-validation',
  'parse-error',
  'internal-error',
] as const;
export type Category = (typeof CATEGORIES)[number] | `custom/${string}` | (string & {});

/** Another place that belongs to the same finding (a link of an attack path, a parameter). */
export interface RelatedLocation {
  file: string;
  line: number;
  column: number;
  message: string;
}

/**
 * One problem at one place. Positions are 1-based; `path` is the JSON path of the offending node in
 * its document. `fingerprint` identifies the finding across line shifts, reorders and unrelated edits
 * (rule, file, resource, the path with list items named by Sid/PolicyName/content — stable-path.ts — and
 * the offending value), and `id` is its short form shown to people.
 */
export interface Finding {
  id: string;
  fingerprint: string;
  ruleId: string;
  category: Category;
  severity: Severity;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  resource?: string;
  path?: string;
  message: string;
  remediation?: string;
  docs?: string;
  related?: RelatedLocation[];
}

export function fingerprintOf(parts: { ruleId: string; file: string; resource?: string; path?: string; element?: string }): string {
  return createHash('sha256')
    .update([parts.ruleId, parts.file, parts.resource ?? '', parts.path ?? '', parts.element ?? ''].join('\u0000'))
    .digest('hex');
}

/** Deterministic order: file, position, then the most severe first, then rule and message. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    severityRank(b.severity) - severityRank(a.severity) ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.message, b.message)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
