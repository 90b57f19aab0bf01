import { escapeUntrusted } from './untrusted-text.js';
import type { Finding } from '../findings/finding.js';
import type { Severity } from '../findings/severity.js';
import { unboundVocabulary } from '../engine/unbound-vocabulary.js';
import type { Vocabulary } from '../model/vocabulary.js';
import { ruleTextIn, type Rule } from '../rules/types.js';
import { isTerraformPath } from '../terraform/paths.js';

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

/** How a result compares with the base of the change (`trustgate scan --base <git-ref>`). */
export interface SarifChange {
  /** The base the change is judged against (a git ref). */
  base: string;
  /** Per finding, in the order given: `new`, or `unchanged` when the same finding was on the base. */
  states: readonly ('new' | 'unchanged')[];
  /** Findings on the base that are gone at the head, located as they were at the base. */
  fixed: readonly Finding[];
  /**
   * `absent` (the default): each fixed finding is a result with `baselineState: "absent"` at its base
   * location, as SARIF 2.1.0 (§3.27.24) records a result of the baseline run the current run no longer
   * has. `omit`: fixed findings are left out, only counted (`properties.trustgate.fixedOmitted`): for
   * GitHub code scanning, which reads no `baselineState` and would open an alert for every absent result,
   * at a line or file the head may not have, while it closes an alert by itself when an analysis no
   * longer reports it.
   */
  fixedAs?: 'absent' | 'omit';
}

/**
 * SARIF 2.1.0 as GitHub code scanning accepts it: one run, the rules that appear (with help text), and
 * results with a region and partialFingerprints so alerts survive line shifts.
 *
 * With a change (`--base <git-ref>`), each result carries SARIF's `baselineState`: `new` or `unchanged`
 * for the head's findings, and `absent` for the fixed ones, appended after them at the file and line
 * they had at the base (or left out, {@link SarifChange.fixedAs}). The base is in the run's
 * `properties.trustgate.base`.
 *
 * A rule's descriptions and help are in the words of the files its results are on: Terraform's when they are
 * all `.tf` files (and the like), CloudFormation's when none is, and both, each labelled, when the rule has
 * results in both and its text differs between them.
 */
export function renderSarif(findings: readonly Finding[], rules: readonly Rule[], version: string, change?: SarifChange): string {
  const absent = change !== undefined && change.fixedAs !== 'omit' ? change.fixed : [];
  const all = [...findings, ...absent];
  const ruleIds = [...new Set(all.map((f) => f.ruleId))].sort();
  const byId = new Map(rules.map((rule) => [rule.meta.id, rule]));
  const sarifRules = ruleIds.map((id) => {
    const rule = byId.get(id);
    const worst = all.filter((f) => f.ruleId === id).map((f) => f.severity)[0] ?? 'info';
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')),
      ...(rule === undefined ? { shortDescription: { text: id }, fullDescription: { text: id }, help: { text: '', markdown: '' } } : ruleText(rule, all.filter((f) => f.ruleId === id))),
      ...(all.find((f) => f.ruleId === id)?.docs ? { helpUri: all.find((f) => f.ruleId === id)!.docs } : {}),
      defaultConfiguration: { level: LEVEL[rule?.meta.severity ?? worst] },
      properties: {
        tags: ['security', rule?.meta.category ?? 'trustgate'],
        'security-severity': SECURITY_SEVERITY[rule?.meta.severity ?? worst],
      },
    };
  });
  const results = all.map((f, index) => ({
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
    ...(change !== undefined ? { baselineState: index >= findings.length ? 'absent' : (change.states[index] ?? 'new') } : {}),
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
        ...(change !== undefined
          ? { properties: { trustgate: { base: change.base, ...(change.fixedAs === 'omit' ? { fixedOmitted: change.fixed.length } : {}) } } }
          : {}),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

const LANGUAGE_NAMES: Record<Vocabulary['language'], string> = { cloudformation: 'CloudFormation', terraform: 'Terraform' };

/** Terraform's words for a result on a Terraform file; CloudFormation's for a template or a policy document. */
const languageOf = (finding: Finding): Vocabulary['language'] => (isTerraformPath(finding.file) ? 'terraform' : 'cloudformation');

/** A rule's descriptions and help in the words of the languages of its results: one text where they all read the same, else each labelled. */
function ruleText(rule: Rule, results: readonly Finding[]): { shortDescription: { text: string }; fullDescription: { text: string }; help: { text: string; markdown: string } } {
  const languages = [...new Set(results.map(languageOf))].sort();
  const texts = (languages.length > 0 ? languages : ['cloudformation' as const]).map((language) => ({ name: LANGUAGE_NAMES[language], ...ruleTextIn(rule.meta, unboundVocabulary(language)) }));
  const first = texts[0]!;
  const same = (key: 'title' | 'why' | 'fix') => texts.every((text) => text[key] === first[key]);
  // A custom rule's text is the organisation's configuration, which a pull request can change: in the
  // Markdown help (GitHub renders it) it is shown as the characters written, never as Markdown or HTML.
  const md = rule.meta.id.startsWith('custom/') ? (text: string) => escapeUntrusted(text, 2000) : (text: string) => text;
  return {
    shortDescription: { text: same('title') ? first.title : texts.map((text) => `${text.name}: ${text.title}`).join(' / ') },
    fullDescription: { text: same('why') ? first.why : texts.map((text) => `${text.name}: ${text.why}`).join(' ') },
    help: {
      text: same('fix') ? first.fix : texts.map((text) => `${text.name}: ${text.fix}`).join(' '),
      markdown: [
        ...(same('why') ? [md(first.why)] : texts.map((text) => `**${text.name}:** ${md(text.why)}`)),
        ...(same('fix') ? [`**Fix:** ${md(first.fix)}`] : texts.map((text) => `**Fix (${text.name}):** ${md(text.fix)}`)),
      ].join('\n\n'),
    },
  };
}
