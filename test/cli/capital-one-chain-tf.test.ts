import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

interface Finding { ruleId: string; severity: string; file: string; line: number; resource?: string; related?: { file: string; line: number; message: string }[] }

describe('the Capital One example in Terraform (examples/bad/capital-one-chain-tf/main.tf)', () => {
  it('yields one critical chain finding at http_tokens that names every link, each at its line', async () => {
    let stdout = '';
    const dir = join(import.meta.dirname, '..', '..', 'examples', 'bad', 'capital-one-chain-tf');
    const code = await main(['scan', dir, '--format', 'json'], { stdout: (t) => (stdout += t), stderr: () => {} });
    expect(code).toBe(1);
    const findings = (JSON.parse(stdout) as { findings: Finding[] }).findings;
    const chains = findings.filter((f) => f.ruleId === 'imdsv2/credential-exfiltration-path');
    expect(chains.map((f) => [f.severity, f.file, f.line, f.resource])).toEqual([['critical', 'main.tf', 15, 'aws_instance.web_server']]);
    expect(chains[0]!.related?.map((r) => [r.line, r.message])).toEqual([
      [9, 'aws_instance.web_server allows IMDSv1'],
      [12, 'aws_instance.web_server launches with instance profile aws_iam_instance_profile.web_server'],
      [20, 'Instance profile aws_iam_instance_profile.web_server holds role aws_iam_role.web_server'],
      [25, 'aws_iam_role.web_server is the role whose credentials IMDS hands out'],
      [44, 'aws_iam_role_policy.read_data (statement 1) allows s3:GetObject, s3:ListBucket on every resource'],
    ]);
    // The links themselves are reported too, each on its own line.
    expect(findings.filter((f) => f.ruleId !== 'imdsv2/credential-exfiltration-path').map((f) => [f.ruleId, f.line]).sort()).toEqual([
      ['imdsv2/instance-imds', 15],
      ['least-privilege/sensitive-data-read', 44],
    ]);
  });
});
