import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import { ALL_RULES } from '../../src/engine/all-rules.js';
import { CODE_RULES } from '../../src/rules/index.js';
import { CATEGORIES } from '../../src/findings/finding.js';
import { isSeverity } from '../../src/findings/severity.js';
import { CLOUDFORMATION_VOCABULARY } from '../../src/model/vocabulary.js';

const root = join(import.meta.dirname, '..', '..');
const fixturesOf = (id: string) => join(root, 'test', 'fixtures', 'rules', id);

interface Expectation {
  line: number;
  severity?: string;
  column?: number;
  message?: string;
}

/** Every rule file under src/rules (except the index and types) must be in the index. */
function ruleFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return ruleFiles(join(dir, entry.name), `${prefix}${entry.name}/`);
    if (!entry.name.endsWith('.ts') || prefix === '' || entry.name === 'index.ts' || entry.name.startsWith('_')) return [];
    return [`${prefix}${entry.name.replace(/\.ts$/, '')}`];
  });
}

/** Rule ids declared in the built-in rule packs, read from the YAML text itself. */
function packRuleIds(): string[] {
  const dir = join(root, 'policies');
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .flatMap((name) => [...readFileSync(join(dir, name), 'utf8').matchAll(/^\s*-\s*id:\s*(pack\/[a-z0-9-]+)\s*$/gm)].map((m) => m[1]!))
    .sort();
}

describe('rule registry', () => {
  it('indexes every rule file, once, sorted by id', () => {
    const ids = ALL_RULES.map((rule) => rule.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // Rules written in TypeScript match their files; declarative ones (pack/…) come from policies/*.yaml.
    expect(ids.filter((id) => !id.startsWith('pack/')).sort()).toEqual(ruleFiles(join(root, 'src', 'rules')).sort());
    expect(ids.filter((id) => id.startsWith('pack/')).sort()).toEqual(packRuleIds());
    // The code rules are src/rules/index.ts's own list; the packs join them one layer up (src/engine/all-rules.ts).
    expect(CODE_RULES.map((rule) => rule.meta.id)).toEqual(ids.filter((id) => !id.startsWith('pack/')));
  });

  for (const rule of ALL_RULES) {
    describe(rule.meta.id, () => {
      it('has complete metadata and a docs page', () => {
        expect(rule.meta.title.length).toBeGreaterThan(5);
        expect(rule.meta.why.length).toBeGreaterThan(20);
        expect(rule.meta.fix.length).toBeGreaterThan(20);
        expect(isSeverity(rule.meta.severity)).toBe(true);
        expect(rule.meta.category.startsWith('custom/') || (CATEGORIES as readonly string[]).includes(rule.meta.category)).toBe(true);
        expect(rule.meta.docs).toBe(`docs/rules/${rule.meta.id}.md`);
        expect(existsSync(join(root, rule.meta.docs))).toBe(true);
        const page = readFileSync(join(root, rule.meta.docs), 'utf8');
        expect(page).toContain(rule.meta.id);
        expect(page).toMatch(/## How to fix/);
      });

      // A finding's fix in its document's words (rule.meta.remedy) says the rule's fix in CloudFormation's.
      it.skipIf(rule.meta.remedy === undefined)('words its fix for CloudFormation as its fix says it', () => {
        expect(rule.meta.remedy!(CLOUDFORMATION_VOCABULARY, 'Resource')).toBe(rule.meta.fix);
        expect(rule.meta.remedy!(CLOUDFORMATION_VOCABULARY, '')).toBe(rule.meta.fix);
      });

      // Its title and why in a language's words (rule.meta.worded, where the rule is shown without a file) say them in CloudFormation's.
      it.skipIf(rule.meta.worded === undefined)('words its title and why for CloudFormation as they say them', () => {
        const worded = rule.meta.worded!(CLOUDFORMATION_VOCABULARY);
        expect([worded.title ?? rule.meta.title, worded.why ?? rule.meta.why]).toEqual([rule.meta.title, rule.meta.why]);
      });

      const dir = fixturesOf(rule.meta.id);
      const files = existsSync(dir) ? readdirSync(dir).filter((name) => /^(pass|fail)-/.test(name)) : [];
      const expected: Record<string, Expectation[]> = existsSync(join(dir, 'expected.json'))
        ? JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'))
        : {};

      it('has passing and failing fixtures, and an expectation for each failing one', () => {
        expect(files.some((name) => name.startsWith('pass-'))).toBe(true);
        const failing = files.filter((name) => name.startsWith('fail-'));
        expect(failing.length).toBeGreaterThan(0);
        for (const name of failing) expect(expected[name], `${name} in expected.json`).toBeDefined();
      });

      for (const name of files) {
        it(`${name}`, () => {
          const text = readFileSync(join(dir, name), 'utf8');
          const { findings, files: scanned } = scanFiles([{ path: name, text }], {}, [rule]);
          expect(scanned[0]?.status).toBe('scanned');
          const mine = findings.filter((f) => f.ruleId === rule.meta.id);
          expect(findings.filter((f) => f.category === 'internal-error')).toEqual([]);
          if (name.startsWith('pass-')) {
            expect(mine.map((f) => `${f.line}: ${f.message}`)).toEqual([]);
            return;
          }
          const wanted = expected[name] ?? [];
          const actual = mine.map((f, i) => {
            const want = wanted[i];
            return {
              line: f.line,
              ...(want?.severity !== undefined ? { severity: f.severity } : {}),
              ...(want?.column !== undefined ? { column: f.column } : {}),
              ...(want?.message !== undefined ? { message: f.message.includes(want.message) ? want.message : f.message } : {}),
            };
          });
          expect(actual).toEqual(wanted);
        });
      }
    });
  }
});
