import type { Finding } from '../findings/finding.js';
import type { Severity } from '../findings/severity.js';
import type { Rule } from '../rules/types.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning orders alerts by this CVSS-like number (`security-severity`). */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

/**
 * SARIF 2.1.0 as GitHub code scanning accepts it: one run, the rules that appear (with help text), and
 * results with a region and partialFingerprints so alerts survive line shifts.
 */
export function renderSarif(findings: readonly Finding[], rules: readonly Rule[], version: string): string {
  const ruleIds = [...new Set(findings.map((f) => f.ruleId))].sort();
  const byId = new Map(rules.map((rule) => [rule.meta.id, rule]));
  const sarifRules = ruleIds.map((id) => {
    const rule = byId.get(id);
    const worst = findings.filter((f) => f.ruleId === id).map((f) => f.severity)[0] ?? 'info';
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')),
      shortDescription: { text: rule?.meta.title ?? id },
      fullDescription: { text: rule?.meta.why ?? id },
      help: { text: rule?.meta.fix ?? '', markdown: rule ? `${rule.meta.why}\n\n**Fix:** ${rule.meta.fix}` : '' },
      ...(findings.find((f) => f.ruleId === id)?.docs ? { helpUri: findings.find((f) => f.ruleId === id)!.docs } : {}),
      defaultConfiguration: { level: LEVEL[rule?.meta.severity ?? worst] },
      properties: {
        tags: ['security', rule?.meta.category ?? 'trustgate'],
        'security-severity': SECURITY_SEVERITY[rule?.meta.severity ?? worst],
      },
    };
  });
  const results = findings.map((f) => ({
    ruleId: f.ruleId,
    ruleIndex: ruleIds.indexOf(f.ruleId),
    level: LEVEL[f.severity],
    message: { text: f.remediation ? `${f.message} Fix: ${f.remediation}` : f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: f.file, uriBaseId: '%SRCROOT%' },
          region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: Math.max(f.endColumn, f.endLine === f.line ? f.column + 1 : 1) },
        },
        ...(f.resource ? { logicalLocations: [{ name: f.resource, kind: 'resource' }] } : {}),
      },
    ],
    ...(f.related
      ? {
          relatedLocations: f.related.map((r, index) => ({
            id: index,
            message: { text: r.message },
            physicalLocation: { artifactLocation: { uri: r.file, uriBaseId: '%SRCROOT%' }, region: { startLine: r.line, startColumn: r.column } },
          })),
        }
      : {}),
    partialFingerprints: { trustgateFingerprint: f.fingerprint },
    properties: { severity: f.severity, category: f.category, 'security-severity': SECURITY_SEVERITY[f.severity] },
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'trustgate', version, semanticVersion: version, rules: sarifRules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: './' } },
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
