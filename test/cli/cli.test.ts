import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

interface JsonFinding {
  ruleId: string;
  category: string;
  severity: string;
  file: string;
  line: number;
  endLine: number;
  column: number;
  endColumn: number;
  resource: string | null;
  path: string | null;
  message: string;
}

describe('trustgate scan', () => {
  it('exits 0 on the good examples', async () => {
    const result = await run('scan', join(examples, 'good'), '--format', 'json');
    const findings = (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings;
    expect(findings.filter((f) => ['critical', 'high'].includes(f.severity))).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('exits 1 on the bad examples, with the JSON contract and paths relative to the folder', async () => {
    const result = await run('scan', join(examples, 'bad'), '--format', 'json');
    expect(result.code).toBe(1);
    const findings = (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings;
    const admin = findings.find((f) => f.ruleId === 'least-privilege/full-admin' && f.file === 'admin-policy.json');
    expect(admin).toMatchObject({ category: 'least-privilege', severity: 'critical', line: 13, endLine: 13, column: 17, endColumn: 20, resource: null, path: 'Statement[1].Action' });
    for (const key of ['ruleId', 'category', 'severity', 'file', 'line', 'endLine', 'column', 'endColumn', 'resource', 'path', 'message']) {
      expect(admin).toHaveProperty(key);
    }
    const parse = findings.find((f) => f.category === 'parse-error');
    expect(parse).toMatchObject({ ruleId: 'parse-error', file: 'broken-template.yaml', line: 6 }); // the unclosed [ is on line 6, the file's last; past it is line 7
    expect(findings.every((f) => !f.file.startsWith('/'))).toBe(true);
  });

  it('honours --fail-on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustgate-'));
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }));
    expect((await run('scan', dir, '--format', 'json', '--fail-on', 'critical')).code).toBe(1);
    const clean = mkdtempSync(join(tmpdir(), 'trustgate-'));
    writeFileSync(join(clean, 'p.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] }));
    expect((await run('scan', clean, '--fail-on', 'info')).code).toBe(0);
  });

  it('writes SARIF 2.1.0 with rules, regions and fingerprints', async () => {
    const result = await run('scan', join(examples, 'bad'), '--format', 'sarif');
    const log = JSON.parse(result.stdout);
    expect(log.version).toBe('2.1.0');
    const run0 = log.runs[0];
    expect(run0.tool.driver.name).toBe('trustgate');
    const result0 = run0.results.find((r: { ruleId: string }) => r.ruleId === 'least-privilege/full-admin');
    expect(result0.locations[0].physicalLocation.artifactLocation.uri).toBe('admin-policy.json');
    expect(result0.locations[0].physicalLocation.region.startLine).toBe(13);
    expect(result0.partialFingerprints.trustgateFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(run0.tool.driver.rules[result0.ruleIndex].id).toBe('least-privilege/full-admin');
    expect(result0.level).toBe('error');
  });

  it('prints readable text by default', async () => {
    const result = await run('scan', join(examples, 'bad'));
    expect(result.stdout).toContain('admin-policy.json');
    expect(result.stdout).toMatch(/13:17 +✖ critical +least-privilege\/full-admin/);
  });

  it('exits 2 on usage errors and missing paths', async () => {
    expect((await run('scan', '--format', 'xml')).code).toBe(2);
    expect((await run('scan', '--fail-on', 'severe')).code).toBe(2);
    expect((await run('lint')).code).toBe(2);
    const missing = await run('scan', '/nonexistent/trustgate');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/trustgate');
  });

  it('skips node_modules and files that are not infrastructure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustgate-'));
    mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'x', 'p.json'), JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', Statement: [] }));
    const result = await run('scan', dir, '--format', 'json');
    expect(JSON.parse(result.stdout).findings).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('reads build output a deploy sends to CloudFormation (cdk.out, .aws-sam)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustgate-'));
    mkdirSync(join(dir, 'cdk.out'), { recursive: true });
    mkdirSync(join(dir, '.aws-sam', 'build'), { recursive: true });
    const policy = JSON.stringify({ Resources: { Admin: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } } } } });
    writeFileSync(join(dir, 'cdk.out', 'Stack.template.json'), policy);
    writeFileSync(join(dir, '.aws-sam', 'build', 'template.yaml'), policy);
    const result = await run('scan', dir, '--format', 'json');
    const files = (JSON.parse(result.stdout).findings as { file: string; ruleId: string }[]).filter((f) => f.ruleId === 'least-privilege/full-admin').map((f) => f.file);
    expect(files.sort()).toEqual(['.aws-sam/build/template.yaml', 'cdk.out/Stack.template.json']);
    expect(result.code).toBe(1);
  });
});

describe('trustgate scan --access-analyzer', () => {
  it('loads the AWS client on demand and keeps the offline findings when the API cannot be reached', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example-secret',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      const result = await run('scan', join(examples, 'bad', 'admin-policy.json'), '--access-analyzer', '--format', 'json');
      const findings = (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings;
      expect(findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['least-privilege/full-admin', 'policy-validation/access-analyzer-unavailable']));
      expect(findings.find((f) => f.ruleId === 'policy-validation/access-analyzer-unavailable')!.message).toContain('127.0.0.1:1');
      expect(result.code).toBe(1);
    } finally {
      process.env = saved;
    }
  });
});
