/**
 * Writes docs/rules/README.md, the table of every built-in rule, from the rule index itself, so the
 * list cannot drift from the code. Run: `npx tsx scripts/generate-rules-index.ts`
 * (test/rules/rules-index.test.ts fails when the committed page is out of date).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_RULES } from '../src/engine/all-rules.js';

export function renderRulesIndex(): string {
  const families = [...new Set(ALL_RULES.map((rule) => rule.meta.category))].sort();
  const lines = [
    '# Rules',
    '',
    'Every built-in rule, by category. Generated from `src/engine/all-rules.ts` by',
    '`npx tsx scripts/generate-rules-index.ts`; do not edit by hand.',
    '',
    'Rules with ids under `pack/` are declarative rule packs in `policies/` ([format](../rule-packs.md));',
    'the others are TypeScript under `src/rules/`. Both report the same way. Findings that are not rules:',
    '[parse-error](parse-error.md), [file-too-large](file-too-large.md), [internal-error](internal-error.md);',
    'Access Analyzer findings are described in [access-analyzer.md](../access-analyzer.md).',
    '',
    '## Terraform examples on rule pages',
    '',
    'Every rule page has a "Terraform" section with at least one failing and one passing example of its rule.',
    'Each ```` ```hcl ```` block on a rule page is a whole `main.tf`',
    'whose first line says what it shows, and `test/docs/terraform-examples.test.ts` scans it with the CLI',
    '(`trustgate scan <dir> --format json`) to hold the page to it:',
    '',
    '- `# fails: <rule-id>` (optionally followed by a severity: `# fails: imdsv2/instance-imds high`): the',
    '  scan yields a finding of that rule (at that severity).',
    '- `# passes: <rule-id>`: the scan yields no finding of that rule (other rules may report).',
    '- `# not-yet: <rule-id>`: what the rule should find once trustgate reads that Terraform resource; the page',
    '  says "Not checked on Terraform yet". The test expects the rule not to fire (`it.fails`) and turns red',
    '  the day it does, when the marker becomes `# fails:`.',
    '',
    'No example may yield a parse error (unless it is the parse-error page\'s own). A rule that cannot apply to',
    'Terraform says "does not apply to Terraform" in its section instead.',
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
