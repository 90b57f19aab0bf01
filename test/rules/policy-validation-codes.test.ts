import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/rules/policy-validation/_codes.js';
import { policyValidationRules } from '../../src/rules/policy-validation/index.js';

const root = join(import.meta.dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'rules', 'policy-validation');

describe('policy-validation issue codes', () => {
  const codes = Object.keys(CODES);

  it('are each owned by exactly one rule', () => {
    const owned = policyValidationRules.flatMap((rule) => [...rule.codes]);
    expect([...owned].sort()).toEqual([...codes].sort());
  });

  it('each appear in docs/access-analyzer.md', () => {
    const page = readFileSync(join(root, 'docs', 'access-analyzer.md'), 'utf8');
    for (const code of codes) expect(page, code).toContain(`| ${code} |`);
  });

  it('each have a failing fixture whose expectation names them', () => {
    const expected = new Set<string>();
    for (const dir of readdirSync(fixtures)) {
      const map = JSON.parse(readFileSync(join(fixtures, dir, 'expected.json'), 'utf8')) as Record<string, { message?: string }[]>;
      for (const list of Object.values(map)) for (const item of list) if (item.message !== undefined) expected.add(item.message);
    }
    for (const code of codes) expect(expected.has(code), code).toBe(true);
  });
});
