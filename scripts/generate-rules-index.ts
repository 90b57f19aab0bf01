/**
 * Writes docs/rules/README.md, the table of every built-in rule, from the rule index itself, so the
 * list cannot drift from the code. Run: `npx tsx scripts/generate-rules-index.ts`
 * (test/rules/rules-index.test.ts fails when the committed page is out of date).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_RULES } from '../src/rules/index.js';

export function renderRulesIndex(): string {
  const families = [...new Set(ALL_RULES.map((rule) => rule.meta.category))].sort();
  const lines = [
    '# Rules',
    '',
    'Every built-in rule, by category. Generated from `src/rules/index.ts` by',
    '`npx tsx scripts/generate-rules-index.ts`; do not edit by hand.',
    '',
    'Rules with ids under `pack/` are declarative rule packs in `policies/` ([format](../rule-packs.md));',
    'the others are TypeScript under `src/rules/`. Both report the same way. Findings that are not rules:',
    '[parse-error](parse-error.md), [file-too-large](file-too-large.md), [internal-error](internal-error.md);',
    'Access Analyzer findings are described in [access-analyzer.md](../access-analyzer.md).',
  ];
  for (const family of families) {
    lines.push('', `## ${family}`, '', '| rule | default severity | what it finds |', '| --- | --- | --- |');
    for (const rule of ALL_RULES.filter((r) => r.meta.category === family)) {
      const link = rule.meta.docs.replace(/^docs\/rules\//, '');
      lines.push(`| [${rule.meta.id}](${link}) | ${rule.meta.severity} | ${rule.meta.title.replace(/\|/g, '\\|')} |`);
    }
  }
  return lines.join('\n') + '\n';
}

if (process.argv[1]?.endsWith('generate-rules-index.ts')) {
  writeFileSync(join(import.meta.dirname, '..', 'docs', 'rules', 'README.md'), renderRulesIndex());
}
