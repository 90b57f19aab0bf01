import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanFiles, type InputFile } from '../../src/engine/scan.js';
import { ALL_RULES, ruleById } from '../../src/engine/all-rules.js';

/**
 * Terraform fixtures for every rule family, beside the CloudFormation ones: test/fixtures/terraform/rules/<rule id>/
 * holds pass-* and fail-* files (one-file modules) or folders (modules of several files), and expected.json
 * the findings of that rule alone on each failing one (file, line, and optionally column, severity, message).
 */
interface Expectation {
  file?: string;
  line: number;
  column?: number;
  severity?: string;
  message?: string;
}

const root = join(import.meta.dirname, '..', 'fixtures', 'terraform', 'rules');

function ruleDirs(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (!statSync(full).isDirectory()) return [];
    const id = prefix === '' ? name : `${prefix}/${name}`;
    // A rule's own directory holds expected.json (rule ids may start like fixtures: pass-role-unrestricted).
    if (existsSync(join(full, 'expected.json'))) return [id];
    return /^(pass|fail)-/.test(name) ? [] : ruleDirs(full, id);
  });
}

function inputsOf(path: string, name: string): InputFile[] {
  if (!statSync(path).isDirectory()) return [{ path: name, text: readFileSync(path, 'utf8') }];
  return readdirSync(path).map((file) => ({ path: `${name}/${file}`, text: readFileSync(join(path, file), 'utf8') }));
}

const ids = ruleDirs(root);

describe('Terraform rule fixtures', () => {
  it('cover every rule family', () => {
    const families = new Set(ids.map((id) => id.split('/')[0]));
    expect([...families].sort()).toEqual(['cross-account-trust', 'imdsv2', 'least-privilege', 'pack', 'policy-validation', 'resource-exposure']);
  });

  // Terraform modules are judged by every rule that reads templates (src/engine/terraform-scan.ts), so each
  // of them, code rule or pack rule, has Terraform fixtures beside its CloudFormation ones.
  it('cover every rule that Terraform modules are judged by', () => {
    const judged = ALL_RULES.filter((rule) => rule.appliesTo.includes('resources')).map((rule) => rule.meta.id);
    expect(judged.length).toBeGreaterThan(40);
    expect(judged.filter((id) => !ids.includes(id)), `rules without test/fixtures/terraform/rules/<id>/expected.json`).toEqual([]);
  });

  for (const id of ids) {
    describe(id, () => {
      const rule = ruleById(id);
      const dir = join(root, id);
      const expected: Record<string, Expectation[]> = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
      const fixtures = readdirSync(dir).filter((name) => /^(pass|fail)-/.test(name));

      it('names a rule and has passing and failing fixtures', () => {
        expect(rule, id).toBeDefined();
        expect(fixtures.some((name) => name.startsWith('pass-'))).toBe(true);
        for (const name of fixtures.filter((n) => n.startsWith('fail-'))) expect(expected[name], `${name} in expected.json`).toBeDefined();
      });

      for (const name of fixtures) {
        it(name, () => {
          const { findings, files } = scanFiles(inputsOf(join(dir, name), name), {}, [rule!]);
          expect(files.every((file) => file.status === 'scanned' && file.kind === 'terraform')).toBe(true);
          expect(findings.filter((f) => f.category === 'internal-error' || f.category === 'parse-error')).toEqual([]);
          const mine = findings.filter((f) => f.ruleId === id);
          if (name.startsWith('pass-')) {
            expect(mine.map((f) => `${f.file}:${f.line}: ${f.message}`)).toEqual([]);
            return;
          }
          const wanted = expected[name] ?? [];
          const actual = mine.map((f, i) => {
            const want = wanted[i];
            return {
              ...(want?.file !== undefined ? { file: f.file } : {}),
              line: f.line,
              ...(want?.column !== undefined ? { column: f.column } : {}),
              ...(want?.severity !== undefined ? { severity: f.severity } : {}),
              ...(want?.message !== undefined ? { message: f.message.includes(want.message) ? want.message : f.message } : {}),
            };
          });
          expect(actual).toEqual(wanted);
        });
      }
    });
  }
});
