import { describe, expect, it } from 'vitest';
import { ALL_RULES, ruleById } from '../../src/engine/all-rules.js';
import { scanFiles, type InputFile } from '../../src/engine/scan.js';
import { renderSarif } from '../../src/reporters/sarif.js';

/** A rule's descriptions and help in SARIF are in the words of the files its results are on. */

const TEMPLATE: InputFile = {
  path: 'cfn/template.yaml',
  text: ['Resources:', '  Url:', '    Type: AWS::Lambda::Url', '    Properties:', '      AuthType: NONE', '      TargetFunctionArn: arn:aws:lambda:eu-west-1:111122223333:function:f', ''].join('\n'),
};
const MODULE: InputFile = {
  path: 'tf/main.tf',
  text: ['resource "aws_lambda_function_url" "url" {', '  function_name      = "f"', '  authorization_type = "NONE"', '}', ''].join('\n'),
};

interface SarifRule {
  id: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
}

function ruleOf(inputs: InputFile[], id: string): SarifRule {
  const { findings } = scanFiles(inputs);
  expect(findings.map((f) => f.ruleId)).toContain(id);
  const log = JSON.parse(renderSarif(findings, ALL_RULES, '0.0.0')) as { runs: { tool: { driver: { rules: SarifRule[] } } }[] };
  return log.runs[0]!.tool.driver.rules.find((rule) => rule.id === id)!;
}

const URL_RULE = 'pack/lambda-url-auth-none';
const meta = ruleById(URL_RULE)!.meta;
const TF_WHY = 'A function URL with authorization_type NONE can be invoked by anyone on the internet who learns the URL, with the function\'s own role: every bug in the function, and every permission of its role, is reachable without credentials.';
const TF_FIX = 'Set authorization_type to AWS_IAM and grant lambda:InvokeFunctionUrl to the callers, or put the function behind API Gateway or CloudFront with authentication. If the URL must be public, say so with a waiver and a reason.';

describe('SARIF rule help', () => {
  it('with results on templates only, is the rule’s own text, as it always was', () => {
    expect(ruleOf([TEMPLATE], URL_RULE)).toMatchObject({
      shortDescription: { text: meta.title },
      fullDescription: { text: meta.why },
      help: { text: meta.fix, markdown: `${meta.why}\n\n**Fix:** ${meta.fix}` },
    });
    expect(meta.fix).toMatch(/^Set AuthType to AWS_IAM /);
  });

  it('with results on Terraform files only, is in Terraform’s words', () => {
    expect(ruleOf([MODULE], URL_RULE)).toMatchObject({
      shortDescription: { text: meta.title },
      fullDescription: { text: TF_WHY },
      help: { text: TF_FIX, markdown: `${TF_WHY}\n\n**Fix:** ${TF_FIX}` },
    });
  });

  it('with results in both, gives each language’s text, labelled', () => {
    expect(ruleOf([TEMPLATE, MODULE], URL_RULE)).toMatchObject({
      fullDescription: { text: `CloudFormation: ${meta.why} Terraform: ${TF_WHY}` },
      help: {
        text: `CloudFormation: ${meta.fix} Terraform: ${TF_FIX}`,
        markdown: `**CloudFormation:** ${meta.why}\n\n**Terraform:** ${TF_WHY}\n\n**Fix (CloudFormation):** ${meta.fix}\n\n**Fix (Terraform):** ${TF_FIX}`,
      },
    });
  });

  it('labels nothing where the text reads the same in both languages, and gives a title in the words of its results', () => {
    const policy = 'resource "aws_iam_policy" "admin" {\n  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })\n}\n';
    const template = 'Resources:\n  Admin:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: "2012-10-17"\n        Statement:\n          - Effect: Allow\n            Action: "*"\n            Resource: "*"\n';
    const admin = ruleById('least-privilege/full-admin')!.meta;
    expect(ruleOf([{ path: 'cfn/admin.yaml', text: template }, { path: 'tf/admin.tf', text: policy }], 'least-privilege/full-admin')).toMatchObject({
      shortDescription: { text: admin.title },
      fullDescription: { text: admin.why },
      help: { text: admin.fix, markdown: `${admin.why}\n\n**Fix:** ${admin.fix}` },
    });
    const lt = (tokens: string) => `resource "aws_launch_template" "lt" {\n  metadata_options {\n    http_tokens = "${tokens}"\n  }\n}\n`;
    expect(ruleOf([{ path: 'tf/lt.tf', text: lt('optional') }], 'pack/imds-http-tokens').shortDescription.text).toBe('Instance metadata answers IMDSv1 requests (http_tokens not required)');
    const template2 = 'Resources:\n  Lt:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData:\n        MetadataOptions:\n          HttpTokens: optional\n';
    expect(ruleOf([{ path: 'cfn/lt.yaml', text: template2 }, { path: 'tf/lt.tf', text: lt('optional') }], 'pack/imds-http-tokens').shortDescription.text).toBe(
      'CloudFormation: Instance metadata answers IMDSv1 requests (HttpTokens not required) / Terraform: Instance metadata answers IMDSv1 requests (http_tokens not required)',
    );
  });
});

describe('SARIF rule help of a custom rule', () => {
  it('shows the why and fix the configuration wrote as characters, never as Markdown or HTML', async () => {
    const { loadCustomRules } = await import('../../src/rule-packs/custom-rules.js');
    const config = `rules:
  - id: custom/tokens
    title: Launch templates require IMDSv2
    category: imdsv2
    severity: high
    why: "<img src=x onerror=alert(1)> see [our page](https://evil.example) @security-team"
    fix: "**Set** HttpTokens to \`required\` <!-- hidden -->"
    resources: [AWS::EC2::LaunchTemplate]
    if-unknown: fail
    checks:
      - select: $.Properties.LaunchTemplateData.MetadataOptions.HttpTokens
        equals: required
        if-missing: fail
        message: '{{resource}} has HttpTokens {{value}}'
`;
    const { rules, errors } = loadCustomRules(config, '.github/trustgate.yml');
    expect(errors).toEqual([]);
    const template: InputFile = { path: 'lt.yaml', text: 'Resources:\n  Lt:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData: {}\n' };
    const all = [...ALL_RULES, ...rules];
    const { findings } = scanFiles([template], {}, all);
    expect(findings.map((f) => f.ruleId)).toContain('custom/tokens');
    const log = JSON.parse(renderSarif(findings, all, '0.0.0')) as { runs: { tool: { driver: { rules: SarifRule[] } } }[] };
    const markdown = log.runs[0]!.tool.driver.rules.find((rule) => rule.id === 'custom/tokens')!.help.markdown;
    expect(markdown).not.toMatch(/<img|<!--|\]\(|@security-team|\*\*Set\*\*|`required`/);
    expect(markdown).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
    // The rule's own text in the plain-text fields is unchanged (SARIF viewers show text as text).
    expect(log.runs[0]!.tool.driver.rules.find((rule) => rule.id === 'custom/tokens')!.fullDescription.text).toContain('<img src=x');
  });
});
