import { describe, expect, it } from 'vitest';
import { lines, rulesFrom, scan, template } from './helpers.js';

/**
 * The account-level IMDS default (AWS::EC2::InstanceMetadataDefaults; Terraform's aws_ec2_instance_metadata_defaults)
 * as rule packs read it: `account-imds-default` judges the value it gives one setting, `account-default-requires-imdsv2`
 * says whether it leaves a launch that sets no HttpTokens without IMDSv1. Both read the model, so a rule names no
 * language; only Terraform declares such a resource.
 */

function rule(check: string, message = '{{resource}}: {{value}} ({{expected}})'): string {
  return `rules:
  - id: custom/account-default
    title: Rule under test
    category: imdsv2
    severity: high
    why: Exercises the account-level IMDS default assertions.
    fix: Set the setting on the launch template itself.
    resources: [AWS::EC2::LaunchTemplate, AWS::ImageBuilder::InfrastructureConfiguration]
    if-unknown: fail
    if-missing: pass
    message: '${message}'
    checks:
      - ${check.trim().split('\n').join('\n        ')}
`;
}

const HOP_LIMIT = 'select: $\naccount-imds-default: {HttpPutResponseHopLimit: {less-than: 2}}';

function module(defaults: string, templates = 'resource "aws_launch_template" "web" {\n  name = "web"\n}\n'): string {
  return `variable "unknown" {\n  type = string\n}\n\n${defaults}\n${templates}`;
}

describe('account-imds-default', () => {
  it('judges each defaults resource that states a preference, at the resource judged, naming the default', () => {
    const text = module(
      'resource "aws_ec2_instance_metadata_defaults" "none" {\n  http_put_response_hop_limit = -1\n}\n\nresource "aws_ec2_instance_metadata_defaults" "wide" {\n  http_put_response_hop_limit = 4\n}\n',
    );
    const findings = scan(text, rulesFrom(rule(HOP_LIMIT)), 'main.tf');
    expect(lines(findings)).toEqual([
      '13:1 high custom/account-default: aws_launch_template.web: 4 (the account-level IMDS default must be less than 2) (the value comes from aws_ec2_instance_metadata_defaults.wide)',
    ]);
    expect(findings[0]!.related).toEqual([{ file: 'main.tf', line: 10, column: 33, message: 'value from aws_ec2_instance_metadata_defaults.wide' }]);
  });

  it('is missing without a defaults resource or when each states no preference, and if-missing decides', () => {
    for (const defaults of ['', 'resource "aws_ec2_instance_metadata_defaults" "none" {\n  http_put_response_hop_limit = -1\n  http_tokens = "no-preference"\n}\n']) {
      expect(lines(scan(module(defaults), rulesFrom(rule(HOP_LIMIT)), 'main.tf'))).toEqual([]);
      expect(scan(module(defaults), rulesFrom(rule(`${HOP_LIMIT}\nif-missing: fail`)), 'main.tf').map((f) => f.message)).toEqual(['aws_launch_template.web: not set (null) (the account-level IMDS default must be less than 2)']);
      expect(lines(scan(module(defaults), rulesFrom(rule('select: $\naccount-imds-default: {HttpTokens: {equals: required}}\nif-missing: fail')), 'main.tf'))).toHaveLength(1);
    }
  });

  it('is unknown for a value not known before apply or a defaults resource that may not be created', () => {
    const unknown = module('resource "aws_ec2_instance_metadata_defaults" "this" {\n  http_put_response_hop_limit = var.unknown\n}\n');
    expect(scan(unknown, rulesFrom(rule(HOP_LIMIT)), 'main.tf').map((f) => f.message)).toEqual([
      'Rule under test: aws_launch_template.web cannot be checked from the module (the account-level IMDS default aws_ec2_instance_metadata_defaults.this sets http_put_response_hop_limit to a value not known: ${var.unknown} depends on var.unknown, known only at deployment); this rule counts a value unknown until deployment as a failure. Make sure the deployed value satisfies it (the account-level IMDS default must be less than 2).',
    ]);
    const maybe = module('resource "aws_ec2_instance_metadata_defaults" "this" {\n  count = var.unknown == "yes" ? 1 : 0\n  http_put_response_hop_limit = 1\n}\n');
    expect(scan(maybe, rulesFrom(rule(HOP_LIMIT)), 'main.tf').map((f) => f.message)[0]).toContain('may not be created');
    expect(scan(maybe, rulesFrom(rule(HOP_LIMIT).replace('if-unknown: fail', 'if-unknown: pass')), 'main.tf')).toEqual([]);
  });

  it('reads the defaults of the document, so a CloudFormation template (which has none) is missing', () => {
    const text = template('  Lt:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData: {}\n');
    expect(lines(scan(text, rulesFrom(rule(`${HOP_LIMIT}\nif-missing: fail`))))).toEqual(['3:3 high custom/account-default: Lt: not set (AWS::NoValue) (the account-level IMDS default must be less than 2)']);
    expect(lines(scan(text, rulesFrom(rule(HOP_LIMIT))))).toEqual([]);
  });
});

describe('account-default-requires-imdsv2', () => {
  const REQUIRES = 'select: $\naccount-default-requires-imdsv2: false\nif-missing: fail';

  it('is true where HttpTokens required is the default, naming it, and false where it allows IMDSv1, is not known or may not be created', () => {
    const required = scan(module('resource "aws_ec2_instance_metadata_defaults" "this" {\n  http_tokens = "required"\n}\n'), rulesFrom(rule(REQUIRES)), 'main.tf');
    expect(lines(required)).toEqual([
      '9:1 high custom/account-default: aws_launch_template.web: the account-level IMDS default (http_tokens required) (must not be known to launch without IMDSv1 by the account-level IMDS default) (the value comes from aws_ec2_instance_metadata_defaults.this)',
    ]);
    expect(required[0]!.related?.map((r) => r.line)).toEqual([6]);
    for (const defaults of [
      '',
      'resource "aws_ec2_instance_metadata_defaults" "this" {\n  http_tokens = "optional"\n}\n',
      'resource "aws_ec2_instance_metadata_defaults" "this" {\n  http_tokens = var.unknown\n}\n',
      'resource "aws_ec2_instance_metadata_defaults" "this" {\n  count = var.unknown == "yes" ? 1 : 0\n  http_tokens = "required"\n}\n',
      // one region's default that allows IMDSv1 outweighs another's that requires it
      'resource "aws_ec2_instance_metadata_defaults" "a" {\n  http_tokens = "required"\n}\n\nresource "aws_ec2_instance_metadata_defaults" "b" {\n  http_tokens = "optional"\n}\n',
    ]) {
      expect(lines(scan(module(defaults), rulesFrom(rule(REQUIRES)), 'main.tf')), defaults).toEqual([]);
      expect(lines(scan(module(defaults), rulesFrom(rule(REQUIRES.replace('false', 'true'))), 'main.tf')), defaults).toHaveLength(1);
    }
  });

  it('counts a default that disables the endpoint only for a launch that leaves HttpEndpoint unset', () => {
    const text = module(
      'resource "aws_ec2_instance_metadata_defaults" "this" {\n  http_endpoint = "disabled"\n}\n',
      [
        'resource "aws_launch_template" "unset" {\n  name = "unset"\n}\n',
        'resource "aws_launch_template" "enabled" {\n  name = "enabled"\n  metadata_options {\n    http_endpoint = "enabled"\n  }\n}\n',
      ].join('\n'),
    );
    expect(scan(text, rulesFrom(rule(REQUIRES.replace('false', 'true'))), 'main.tf').map((f) => f.resource)).toEqual(['aws_launch_template.enabled']);
  });

  it('is the model\'s reading, not a language\'s: the same defaults in a template; never for Image Builder, which the model does not apply them to', () => {
    const text = template(
      '  Defaults:\n    Type: AWS::EC2::InstanceMetadataDefaults\n    Properties: {HttpTokens: required}\n  Lt:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData: {}\n  Build:\n    Type: AWS::ImageBuilder::InfrastructureConfiguration\n    Properties: {Name: build, InstanceProfileName: builder}\n',
    );
    expect(scan(text, rulesFrom(rule(REQUIRES.replace('false', 'true')))).map((f) => f.resource)).toEqual(['Build']);
  });
});
