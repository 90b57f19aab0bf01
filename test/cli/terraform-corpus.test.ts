import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TERRAFORM_CORPUS, terraformFiles } from '../support/terraform-corpus.js';
import { main } from '../../src/cli/main.js';
import { parseHcl } from '../../src/terraform/hcl.js';

// The corpus lives outside the repository (../shared/corpus): 566 real files of the terraform-aws-modules
// organisation (issue 17: "every file parses without a crash"). Where it is absent this cannot be checked.
const CORPUS = TERRAFORM_CORPUS;
const present = existsSync(CORPUS);
if (!present) console.warn(`Terraform corpus not checked: ${CORPUS} is absent`);


describe('the terraform-aws-modules corpus', () => {
  it.skipIf(!present)('every file parses: no syntax problem, and every file with content yields blocks or attributes', () => {
    const files = terraformFiles(CORPUS);
    expect(files.length).toBeGreaterThanOrEqual(566);
    const problems: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const result = parseHcl(text);
      const where = relative(CORPUS, file);
      if (!result.ok) problems.push(`${where}: ${result.problem.message}`);
      else if (result.problems.length > 0) problems.push(`${where}: ${result.problems.map((p) => p.message).join('; ')}`);
      // A root the grammar gave up on reads as an empty body (see test/cli/hostile-hcl.test.ts): count it too.
      else if (/^\s*[a-z]/m.test(text.replace(/^\s*(#|\/\/).*$/gm, '')) && result.body.blocks.length + result.body.attributes.length === 0) problems.push(`${where}: read as empty`);
    }
    expect(problems).toEqual([]);
  });

  it.skipIf(!present)('trustgate scan reads all of it through the CLI: no parse-error, file-too-large or internal-error', async () => {
    let text = '';
    await main(['scan', CORPUS], { stdout: (t) => (text += t), stderr: () => {} });
    expect(text).toMatch(/ in 566 infrastructure file\(s\)/);
    let json = '';
    await main(['scan', CORPUS, '--format', 'json'], { stdout: (t) => (json += t), stderr: () => {} });
    const findings = (JSON.parse(json) as { findings: { ruleId: string; file: string; line: number; message: string }[] }).findings;
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.filter((f) => ['parse-error', 'file-too-large', 'internal-error'].includes(f.ruleId)).map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.message}`)).toEqual([]);
  }, 60_000);
});
