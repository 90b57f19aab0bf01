import type { Finding } from '../findings/finding.js';

/**
 * The JSON contract of `trustgate scan --format json`. Field names and meanings are stable; new
 * optional fields may be added (remediation, docs, id, related), none removed.
 */
export function renderJson(findings: readonly Finding[]): string {
  return (
    JSON.stringify(
      {
        findings: findings.map((f) => ({
          id: f.id,
          ruleId: f.ruleId,
          category: f.category,
          severity: f.severity,
          file: f.file,
          line: f.line,
          endLine: f.endLine,
          column: f.column,
          endColumn: f.endColumn,
          resource: f.resource ?? null,
          path: f.path ?? null,
          message: f.message,
          remediation: f.remediation ?? null,
          docs: f.docs ?? null,
          ...(f.related ? { related: f.related } : {}),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}
