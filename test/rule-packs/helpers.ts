import { expect } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import type { Finding } from '../../src/findings/finding.js';
import { loadCustomRules } from '../../src/rule-packs/custom-rules.js';
import type { EvaluationOptions } from '../../src/rule-packs/evaluate.js';
import type { Rule } from '../../src/rules/types.js';

/** Loads custom rules from YAML and fails the test on any load error. */
export function rulesFrom(yaml: string, options: EvaluationOptions = {}): Rule[] {
  const { rules, errors } = loadCustomRules(yaml, 'rules.yml', options);
  expect(errors).toEqual([]);
  return rules;
}

/** Scans one file with the given rules; returns `line severity ruleId: message` strings, internal errors included. */
export function scan(text: string, rules: readonly Rule[], path = 'template.yaml'): Finding[] {
  const { findings, files } = scanFiles([{ path, text }], {}, rules);
  expect(files[0]?.status).toBe('scanned');
  return findings;
}

export function lines(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.line}:${f.column} ${f.severity} ${f.ruleId}: ${f.message}`);
}

/** A template with the given Resources block (indented by two spaces already). */
export function template(resources: string, extra = ''): string {
  return `AWSTemplateFormatVersion: '2010-09-09'\n${extra}Resources:\n${resources}`;
}
