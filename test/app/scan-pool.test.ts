import { afterEach, describe, expect, it } from 'vitest';
import { scanFiles, type InputFile } from '../../src/engine/scan.js';
import { withDefaults } from '../../src/model/options.js';
import { outOfMemoryFinding, ScanPool, timeLimitFinding } from '../../src/app/scan-pool.js';
import { fixture } from './helpers.js';

/*
 * The scan pool's real worker threads with a small heap (issue 13, "a check over the memory bound fails
 * closed with a finding"): the file that needs more than the limit is found and reported, and every other
 * file gets exactly the findings the whole batch would have given.
 */
function hugeTemplate(topics = 60_000): string {
  const lines = ['AWSTemplateFormatVersion: "2010-09-09"', 'Resources:'];
  for (let index = 0; index < topics; index++) lines.push(`  Topic${index}:`, '    Type: AWS::SNS::Topic', '    Properties:', `      TopicName: topic-${index}`, '      DisplayName: a topic with a display name long enough');
  return lines.join('\n') + '\n';
}

/**
 * Roles whose policies name wildcard actions: slow to judge for their size (about 6 s for 24,000 roles,
 * 12 MB, on an idle machine), where a template of topics is mostly parsing.
 */
function slowTemplate(roles: number): string {
  const lines = ['AWSTemplateFormatVersion: "2010-09-09"', 'Resources:'];
  for (let index = 0; index < roles; index++) {
    lines.push(`  Role${index}:`, '    Type: AWS::IAM::Role', '    Properties:', '      AssumeRolePolicyDocument:', '        Statement:', '          - Effect: Allow');
    lines.push('            Principal: { Service: ec2.amazonaws.com }', '            Action: sts:AssumeRole', '      Policies:', `        - PolicyName: p${index}`, '          PolicyDocument:');
    lines.push('            Statement:', '              - Effect: Allow', '                Action: ["s3:Get*", "ec2:Describe*", "iam:List*", "kms:De*", "dynamodb:*Item"]', `                Resource: "arn:aws:s3:::bucket-${index}/*"`);
  }
  return lines.join('\n') + '\n';
}

const ADMIN_JSON = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, null, 2);
const TERRAFORM = [
  'resource "aws_iam_policy" "inline" {',
  '  name   = "inline"',
  '  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "iam:*", Resource = "*" }] })',
  '}',
  '',
  'resource "aws_iam_policy" "from_file" {',
  '  name   = "from-file"',
  '  policy = file("${path.module}/admin.json")',
  '}',
  '',
].join('\n');

let pool: ScanPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('a scan that runs out of its thread\'s memory', () => {
  it('finds the file that needs more than the limit; the others, Terraform and the policy file it reads included, are scanned as in one batch', async () => {
    // 64 MB: Terraform's parser needs some of it (at 32 MB its scan alone can run out); the template, about 17 MB, is far past that.
    pool = new ScanPool({ threads: 1, memoryMb: 64, timeoutMs: 120_000 });
    const others: InputFile[] = [
      { path: 'stacks/admin.yaml', text: fixture('admin-role.yaml') },
      { path: 'stacks/safe.yaml', text: fixture('scoped-role.yaml') },
      { path: 'infra/main.tf', text: TERRAFORM },
      { path: 'infra/admin.json', text: ADMIN_JSON },
      { path: 'policies/admin.json', text: ADMIN_JSON },
    ];
    const huge: InputFile = { path: 'stacks/huge.yaml', text: hugeTemplate(120_000) };
    const inputs = [others[0]!, huge, ...others.slice(1)];

    const result = await pool.scan(inputs);

    const expected = scanFiles(others);
    const withoutHuge = result.findings.filter((finding) => finding.file !== huge.path);
    expect(withoutHuge).toEqual(expected.findings);
    expect(result.findings.filter((finding) => finding.file === huge.path)).toEqual([outOfMemoryFinding(huge.path, 64, withDefaults({}))]);
    expect(result.files.find((file) => file.path === huge.path)).toEqual({ path: huge.path, status: 'failed' });
    expect(result.files.filter((file) => file.path !== huge.path).sort((a, b) => a.path.localeCompare(b.path))).toEqual([...expected.files].sort((a, b) => a.path.localeCompare(b.path)));
    // Sanity: the batch holds findings of every kind of file it read, and Terraform read infra/admin.json (it is not scanned on its own).
    expect(expected.files).toContainEqual({ path: 'infra/admin.json', status: 'scanned', kind: 'terraform' });
    expect(new Set(expected.findings.map((finding) => finding.file))).toEqual(new Set(['stacks/admin.yaml', 'infra/main.tf', 'infra/admin.json', 'policies/admin.json']));
  }, 120_000);

  it('a file that runs out alone is reported the same way, and the severity follows configuration of file-too-large', async () => {
    pool = new ScanPool({ threads: 1, memoryMb: 32, timeoutMs: 120_000 });
    const result = await pool.scan([{ path: 'stacks/huge.yaml', text: hugeTemplate(120_000) }], { rules: { 'file-too-large': { enabled: true, severity: 'medium' } } });
    expect(result.findings.map((finding) => [finding.ruleId, finding.severity, finding.file, finding.line])).toEqual([['file-too-large', 'medium', 'stacks/huge.yaml', 1]]);
    // The thread was replaced: the pool goes on.
    expect((await pool.scan([{ path: 'stacks/admin.yaml', text: fixture('admin-role.yaml') }])).findings.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('a scan that runs past its time limit', () => {
  it('finds the file that takes longer than the limit alone; the others are scanned as in one batch', async () => {
    // The slow template takes about 6 s to scan on an idle machine, each small file some 20 ms (a few
    // hundred in a thread just started): a 1 s limit (counted once the thread has loaded the engine) lies
    // between them, with a wide margin on either side.
    pool = new ScanPool({ threads: 1, memoryMb: 2048, timeoutMs: 1000 });
    const others: InputFile[] = [
      { path: 'stacks/admin.yaml', text: fixture('admin-role.yaml') },
      { path: 'policies/admin.json', text: ADMIN_JSON },
    ];
    const huge: InputFile = { path: 'stacks/huge.yaml', text: slowTemplate(24_000) };

    const result = await pool.scan([others[0]!, huge, others[1]!]);

    const expected = scanFiles(others);
    expect(result.findings.filter((finding) => finding.file !== huge.path)).toEqual(expected.findings);
    expect(result.findings.filter((finding) => finding.file === huge.path)).toEqual([timeLimitFinding(huge.path, 1000, withDefaults({}))]);
    expect(result.findings.find((finding) => finding.file === huge.path)!.message).toContain('took longer than the 1 second one check may take');
    expect(result.files.find((file) => file.path === huge.path)).toEqual({ path: huge.path, status: 'failed' });
    expect(new Set(expected.findings.map((finding) => finding.file))).toEqual(new Set(['stacks/admin.yaml', 'policies/admin.json']));
    // The thread that ran past the limit was replaced: the pool goes on.
    expect((await pool.scan([others[0]!])).findings).toEqual(scanFiles([others[0]!]).findings);
  }, 120_000);
});
