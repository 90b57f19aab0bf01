import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

/**
 * examples/terraform/capital-one/ is the Capital One chain as a module of four files (README, docs/terraform.md):
 * the launch template in main.tf, its role in iam.tf, the setting in terraform.tfvars. Scanned through the CLI
 * as a user would, and again with the one-line fix in terraform.tfvars.
 */
interface Finding { ruleId: string; severity: string; file: string; line: number; column: number; resource?: string; related?: { file: string; line: number; message: string }[] }

const example = join(import.meta.dirname, '..', '..', 'examples', 'terraform', 'capital-one');
const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

async function scan(dir: string): Promise<{ code: number; findings: Finding[] }> {
  let stdout = '';
  const code = await main(['scan', dir, '--format', 'json'], { stdout: (t) => (stdout += t), stderr: () => {} });
  return { code, findings: (JSON.parse(stdout) as { findings: Finding[] }).findings };
}

describe('the Capital One example as a Terraform module (examples/terraform/capital-one/)', () => {
  it('blocks with one critical chain at the http_tokens line, whose links are in three files', async () => {
    const { code, findings } = await scan(example);
    expect(code).toBe(1);
    const chains = findings.filter((f) => f.ruleId === 'imdsv2/credential-exfiltration-path');
    expect(chains.map((f) => [f.severity, f.file, f.line, f.column, f.resource])).toEqual([['critical', 'main.tf', 9, 21, 'aws_launch_template.proxy']]);
    expect(chains[0]!.related?.map((r) => [r.file, r.line])).toEqual([
      ['main.tf', 2],
      ['main.tf', 5],
      ['iam.tf', 1],
      ['iam.tf', 5],
      ['iam.tf', 22],
    ]);
    // The IMDSv1 setting comes from terraform.tfvars, and the finding says so.
    const tokens = findings.find((f) => f.ruleId === 'pack/imds-http-tokens');
    expect(tokens?.related?.map((r) => [r.file, r.line])).toEqual([['terraform.tfvars', 1]]);
  });

  it('passes the chain once terraform.tfvars sets http_tokens to required', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-capital-one-'));
    temporary.push(dir);
    cpSync(example, dir, { recursive: true });
    writeFileSync(join(dir, 'terraform.tfvars'), 'http_tokens = "required"\n');
    const { findings } = await scan(dir);
    expect(findings.filter((f) => f.ruleId.startsWith('imdsv2/') || f.ruleId === 'pack/imds-http-tokens').map((f) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual([]);
    // The role still reads every bucket: that finding stays, on its own line.
    expect(findings.filter((f) => f.ruleId === 'least-privilege/sensitive-data-read').map((f) => [f.file, f.line])).toEqual([['iam.tf', 22]]);
  });
});
