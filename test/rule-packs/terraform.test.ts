import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { scanFiles } from '../../src/engine/scan.js';
import { loadCustomRules } from '../../src/rule-packs/custom-rules.js';

/** Custom rules that select Terraform resource types, over the evaluated arguments and blocks, through the CLI. */

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const CONFIG = `failOn: high
customRules:
  - id: custom/tf-launch-template-tokens
    title: Launch templates require IMDSv2 tokens
    category: imdsv2
    severity: high
    why: Our platform standard is IMDSv2 everywhere.
    fix: Set metadata_options { http_tokens = "required" }.
    resources: [aws_launch_template]
    if-unknown: fail
    checks:
      - select: $.metadata_options[*].http_tokens
        equals: required
        if-missing: fail
        message: '{{type}} {{resource}} has http_tokens {{value}} at {{path}}; we require "required".'
`;

const MAIN_TF = `variable "tokens" {
  type    = string
  default = "optional"
}

variable "unknown_tokens" {
  type = string
}

resource "aws_launch_template" "good" {
  name = "good"
  metadata_options {
    http_tokens = "required"
  }
}

resource "aws_launch_template" "literal" {
  name = "literal"
  metadata_options {
    http_tokens = "optional"
  }
}

resource "aws_launch_template" "through_variable" {
  name = "through-variable"
  metadata_options {
    http_tokens = var.tokens
  }
}

resource "aws_launch_template" "unset" {
  name = "unset"
}

resource "aws_launch_template" "not_known" {
  name = "not-known"
  metadata_options {
    http_tokens = var.unknown_tokens
  }
}

resource "aws_launch_template" "per_env" {
  for_each = toset(["dev", "prod"])
  name     = each.key
  metadata_options {
    http_tokens = each.key == "prod" ? "required" : "optional"
  }
}

resource "aws_instance" "not_selected" {
  ami = "ami-0123456789abcdef0"
  metadata_options {
    http_tokens = "optional"
  }
}
`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function workspace(config: string, tf: string): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'trustgate-tf-rules-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'infra'));
  writeFileSync(join(dir, 'infra', 'main.tf'), tf);
  const configPath = join(dir, 'trustgate.yml');
  writeFileSync(configPath, config);
  return { dir, config: configPath };
}

interface JsonFinding {
  ruleId: string;
  file: string;
  line: number;
  column: number;
  severity: string;
  resource?: string;
  message: string;
}

describe('custom rules on Terraform resource types', () => {
  it('select aws_launch_template over its evaluated attributes: literal, variable default, missing, unknown and each instance', async () => {
    const { dir, config } = workspace(CONFIG, MAIN_TF);
    const result = await run('scan', join(dir, 'infra'), '--config', config, '--format', 'json');
    expect(result.stderr).toBe('');
    const findings = (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings.filter((f) => f.ruleId === 'custom/tf-launch-template-tokens');
    expect(findings.map((f) => [f.resource, f.line, f.column, f.severity])).toEqual([
      ['aws_launch_template.literal', 20, 19, 'high'],
      // A variable is a reference (a map in the model): the finding points at the argument's name.
      ['aws_launch_template.through_variable', 27, 5, 'high'],
      ['aws_launch_template.unset', 31, 1, 'high'],
      ['aws_launch_template.not_known', 38, 5, 'high'],
      // Each instance of a known for_each is judged: "dev" takes the "optional" branch, "prod" passes.
      ['aws_launch_template.per_env["dev"]', 46, 53, 'high'],
    ]);
    expect(findings[0]!.message).toBe('aws_launch_template aws_launch_template.literal has http_tokens optional at metadata_options[0].http_tokens; we require "required".');
    expect(findings[1]!.message).toContain('the value comes from');
    expect(findings[2]!.message).toContain('has http_tokens not set');
    expect(findings[3]!.message).toContain('cannot be checked from the module');
    expect(findings.every((f) => f.file.endsWith('main.tf'))).toBe(true);
    expect(result.code).toBe(1);
  });

  it('warn on what is unknown when the rule says if-unknown: warn, and stay off CloudFormation types', async () => {
    const { dir, config } = workspace(CONFIG.replace('if-unknown: fail', 'if-unknown: warn'), MAIN_TF);
    const result = await run('scan', join(dir, 'infra'), '--config', config, '--format', 'json');
    const findings = (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings.filter((f) => f.ruleId === 'custom/tf-launch-template-tokens');
    expect(findings.find((f) => f.resource === 'aws_launch_template.not_known')?.severity).toBe('info');
    writeFileSync(join(dir, 'infra', 'template.yaml'), "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Lt:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData: {}\n");
    const both = await run('scan', join(dir, 'infra'), '--config', config, '--format', 'json');
    const inTemplate = (JSON.parse(both.stdout) as { findings: JsonFinding[] }).findings.filter((f) => f.ruleId === 'custom/tf-launch-template-tokens' && f.file.endsWith('template.yaml'));
    expect(inTemplate).toEqual([]);
  });

  it('stop at the work budget on a large module and say so', () => {
    const many = Array.from({ length: 50 }, (_, i) => `resource "aws_launch_template" "lt${i}" {\n  metadata_options {\n    http_tokens = "required"\n  }\n  tags = { ${Array.from({ length: 40 }, (_, j) => `k${j} = "v"`).join(', ')} }\n}\n`).join('');
    const rule = CONFIG.slice(CONFIG.indexOf('customRules:')).replace('select: $.metadata_options[*].http_tokens', 'select: $..http_tokens').replace('if-missing: fail', 'if-missing: pass');
    const scan = (workBudget?: number) => scanFiles([{ path: 'infra/main.tf', text: many }], {}, loadCustomRules(rule, 'trustgate.yml', workBudget === undefined ? {} : { workBudget }).rules).findings.filter((f) => f.ruleId === 'custom/tf-launch-template-tokens');
    expect(scan()).toEqual([]);
    const stopped = scan(500);
    expect(stopped.map((f) => [f.file, f.resource])).toEqual([['infra/main.tf', expect.stringMatching(/^aws_launch_template\.lt\d+$/)]]);
    expect(stopped[0]!.message).toMatch(/stopped after its work budget on this file \(500 node visits\); aws_launch_template\.lt\d+ and the resources after it were not checked/);
  });

  it('on CloudFormation types, word their messages and fixes in the language of the document (wording placeholders)', () => {
    const rule = `customRules:
  - id: custom/worded-tokens
    title: Launch templates require {{field:HttpTokens}}
    category: imdsv2
    severity: high
    why: IMDSv2 everywhere.
    fix: 'Set {{setting:LaunchTemplateData.MetadataOptions.HttpTokens=required}} in this {{document}} ({{cloudformation: CFN only | terraform: TF only}}); {{value}} stays.'
    resources: [AWS::EC2::LaunchTemplate]
    if-unknown: fail
    if-missing: fail
    checks:
      - select: $.Properties.LaunchTemplateData.MetadataOptions.HttpTokens
        equals: required
        message: '{{resource}}: {{key}} is {{value}} ({{property:LaunchTemplateData.MetadataOptions.HttpTokens}}), in one branch of {{conditional}}'
`;
    const loaded = loadCustomRules(rule, 'trustgate.yml');
    expect(loaded.errors).toEqual([]);
    const cfn = 'Resources:\n  Lt:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData:\n        MetadataOptions:\n          HttpTokens: optional\n';
    const tf = 'resource "aws_launch_template" "lt" {\n  metadata_options {\n    http_tokens = "optional"\n  }\n}\n';
    const findingOf = (path: string, text: string) => scanFiles([{ path, text }], {}, loaded.rules).findings.find((f) => f.ruleId === 'custom/worded-tokens')!;
    expect(loaded.rules[0]!.meta.title).toBe('Launch templates require HttpTokens');
    expect(findingOf('template.yaml', cfn)).toMatchObject({
      message: 'Lt: HttpTokens is optional (LaunchTemplateData.MetadataOptions.HttpTokens), in one branch of Fn::If',
      remediation: 'Set HttpTokens: required in this template (CFN only); {{value}} stays.',
    });
    expect(findingOf('main.tf', tf)).toMatchObject({
      message: 'aws_launch_template.lt: http_tokens is optional (metadata_options.http_tokens), in one branch of a conditional expression',
      remediation: 'Set http_tokens = "required" in this module (TF only); {{value}} stays.',
    });
    // A rule written before wording placeholders reads as it always did, in either language.
    const plain = loadCustomRules(rule.replace(/fix: .*/, 'fix: Set HttpTokens to required.').replace(/message: .*/, "message: '{{resource}} has HttpTokens {{value}}'"), 'trustgate.yml');
    const plainOf = (path: string, text: string) => scanFiles([{ path, text }], {}, plain.rules).findings.find((f) => f.ruleId === 'custom/worded-tokens')!;
    expect(plainOf('main.tf', tf)).toMatchObject({ message: 'aws_launch_template.lt has HttpTokens optional', remediation: 'Set HttpTokens to required.' });
    // A wording placeholder that is not well formed is a load error at its line.
    expect(loadCustomRules(rule.replace('{{document}}', '{{field:}}'), 'trustgate.yml').errors.map((e) => `${e.line}: ${e.message}`)).toEqual([
      '7: `fix`: {{field:}} must name a property path such as MetadataOptions.HttpTokens',
    ]);
  });

  it('on CloudFormation types, give {{type}}, a missing {{path}} and a computed path as the document writes them', () => {
    const rule = `customRules:
  - id: custom/typed
    title: Function URLs and policies say what they allow
    category: resource-exposure
    severity: medium
    why: Reviewers read what a URL and a policy allow.
    fix: Write the CORS origins and the policy version.
    resources: [AWS::Lambda::Url, AWS::IAM::ManagedPolicy]
    if-unknown: fail
    checks:
      - resources: [AWS::Lambda::Url]
        select: $.Properties.Cors.AllowOrigins
        exists: true
        message: '{{type}} {{resource}} sets no {{path}}'
      - resources: [AWS::IAM::ManagedPolicy]
        select: $.Properties.PolicyDocument.Version
        exists: true
        message: '{{type}} {{resource}} has no {{path}}'
`;
    const loaded = loadCustomRules(rule, 'trustgate.yml');
    expect(loaded.errors).toEqual([]);
    const messagesOf = (path: string, text: string) =>
      scanFiles([{ path, text }], {}, loaded.rules)
        .findings.filter((f) => f.ruleId === 'custom/typed')
        .map((f) => f.message);
    const cfn = [
      'Conditions:',
      '  Strict: !Equals [!Ref AWS::Region, eu-west-1]',
      'Resources:',
      '  Url:',
      '    Type: AWS::Lambda::Url',
      '    Properties:',
      '      AuthType: AWS_IAM',
      '      TargetFunctionArn: arn:aws:lambda:eu-west-1:111122223333:function:f',
      '  Policy:',
      '    Type: AWS::IAM::ManagedPolicy',
      '    Properties:',
      '      PolicyDocument: !If [Strict, {Statement: []}, {Statement: []}]',
      '',
    ].join('\n');
    const tf = [
      'variable "document" {}',
      'resource "aws_lambda_function_url" "url" {',
      '  function_name      = "f"',
      '  authorization_type = "AWS_IAM"',
      '}',
      'resource "aws_iam_policy" "policy" {',
      '  policy = var.document',
      '}',
      '',
    ].join('\n');
    // CloudFormation as it always read.
    expect(messagesOf('template.yaml', cfn)).toEqual([
      'AWS::Lambda::Url Url sets no Resources.Url.Properties.Cors.AllowOrigins',
      'Function URLs and policies say what they allow: Resources.Policy.Properties.PolicyDocument of Policy cannot be checked from the template (Resources.Policy.Properties.PolicyDocument is computed by Fn::If, and selectors do not look inside intrinsic functions); this rule counts a value unknown until deployment as a failure. Make sure the deployed value satisfies it (must be set).',
    ]);
    // Terraform: the Terraform type, the address and the arguments as written, and the expression that computes the value.
    expect(messagesOf('main.tf', tf)).toEqual([
      'aws_lambda_function_url aws_lambda_function_url.url sets no aws_lambda_function_url.url.cors.allow_origins',
      expect.stringMatching(/^Function URLs and policies say what they allow: aws_iam_policy\.policy\.policy of aws_iam_policy\.policy cannot be checked from the module \(aws_iam_policy\.policy\.policy is computed by a reference to var\.document, and selectors do not look inside expressions\); /),
    ]);
  });

  it('are refused when the types mix CloudFormation and Terraform, or are not resource types', () => {
    const errors = (text: string) => loadCustomRules(text, 'trustgate.yml').errors.map((e) => e.message);
    const rule = CONFIG.slice(CONFIG.indexOf('customRules:'));
    expect(errors(rule)).toEqual([]);
    expect(errors(rule.replace('[aws_launch_template]', '[aws_*]'))).toEqual([]);
    expect(errors(rule.replace('[aws_launch_template]', '[aws_launch_template, AWS::EC2::LaunchTemplate]')).join('\n')).toContain('lists both CloudFormation and Terraform resource types');
    expect(errors(rule.replace('[aws_launch_template]', '[LaunchTemplate]')).join('\n')).toContain('is not a CloudFormation resource type such as AWS::EC2::LaunchTemplate nor a Terraform one');
  });
});
