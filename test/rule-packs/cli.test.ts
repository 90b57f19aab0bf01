import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const CONFIG = `failOn: high
customRules:
  - id: custom/bucket-naming
    title: Buckets follow the naming convention
    category: custom/conventions
    severity: high
    why: Our data classification tooling reads the team from the bucket name.
    fix: Name the bucket <team>-<purpose>, lowercase.
    resources: [AWS::S3::Bucket]
    if-unknown: warn
    checks:
      - select: $.Properties.BucketName
        matches: '^[a-z]+-[a-z0-9-]+$'
        if-missing: fail
        message: 'Bucket {{resource}} is named {{value}}, not <team>-<purpose>'
`;

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Good:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: data-reports
  Bad:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: Reports_2024
`;

function workspace(config: string): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'trustgate-rule-packs-'));
  writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
  const configPath = join(dir, 'trustgate.yml');
  writeFileSync(configPath, config);
  return { dir, config: configPath };
}

describe('trustgate scan --config with customRules', () => {
  it('runs the custom rules beside the built-in ones and reports them in the JSON contract', async () => {
    const { dir, config } = workspace(CONFIG);
    const result = await run('scan', dir, '--config', config, '--format', 'json');
    const findings = (JSON.parse(result.stdout) as { findings: { ruleId: string; line: number; message: string; category: string }[] }).findings;
    expect(findings.filter((f) => f.ruleId.startsWith('custom/'))).toEqual([
      expect.objectContaining({ ruleId: 'custom/bucket-naming', line: 10, category: 'custom/conventions', message: 'Bucket Bad is named Reports_2024, not <team>-<purpose>' }),
    ]);
    expect(result.code).toBe(1);
  });

  it('describes the custom rules in SARIF like the built-in ones', async () => {
    const { dir, config } = workspace(CONFIG);
    const result = await run('scan', dir, '--config', config, '--format', 'sarif');
    const sarif = JSON.parse(result.stdout) as { runs: { tool: { driver: { rules: { id: string }[] } } }[] };
    const ids = sarif.runs[0]!.tool.driver.rules.map((rule) => rule.id);
    expect(ids).toContain('custom/bucket-naming');
  });

  it('exits 2 naming the file and line of an invalid custom rule', async () => {
    const { dir, config } = workspace(CONFIG.replace("matches: '^[a-z]+-[a-z0-9-]+$'", "matches: '^(?=[a-z])'"));
    const result = await run('scan', dir, '--config', config);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${config}:13:18: rule custom/bucket-naming, check 1: the pattern "^(?=[a-z])" is not valid RE2 syntax`);
  });
});
