import { describe, expect, it } from 'vitest';
import { CLOUDFORMATION_VOCABULARY, vocabularyOf } from '../../src/model/vocabulary.js';
import { renderWording, wordingErrors } from '../../src/model/wording.js';
import { readTerraformModule } from '../../src/terraform/index.js';

/** The vocabulary of a module with a launch template, a Lambda function URL and a Beanstalk environment. */
function terraformWords() {
  const text = [
    'resource "aws_launch_template" "lt" {',
    '  metadata_options {',
    '    http_tokens = "optional"',
    '  }',
    '}',
    'resource "aws_lambda_function_url" "url" {',
    '  function_name      = "f"',
    '  authorization_type = "NONE"',
    '}',
    'resource "aws_elastic_beanstalk_environment" "env" {',
    '  name        = "env"',
    '  application = "app"',
    '}',
    '',
  ].join('\n');
  const module = readTerraformModule('', [{ path: 'main.tf', text }]);
  return vocabularyOf(module.document!);
}

describe('wording: text written once, in the words of the document', () => {
  const terraform = terraformWords();

  it('names properties, fields and settings as each language writes them, for the resource', () => {
    const text = 'Set {{property:LaunchTemplateData.MetadataOptions.HttpTokens}} ({{field:LaunchTemplateData.MetadataOptions.HttpTokens}}); {{ setting:HttpTokens=required }}.';
    expect(renderWording(text, CLOUDFORMATION_VOCABULARY, 'Lt')).toBe('Set LaunchTemplateData.MetadataOptions.HttpTokens (HttpTokens); HttpTokens: required.');
    expect(renderWording(text, terraform, 'aws_launch_template.lt')).toBe('Set metadata_options.http_tokens (http_tokens); http_tokens = "required".');
    // The mapping's own spelling wins over snake_case: AuthType is authorization_type on a function URL.
    expect(renderWording('Set {{field:AuthType}} to AWS_IAM', terraform, 'aws_lambda_function_url.url')).toBe('Set authorization_type to AWS_IAM');
    expect(renderWording('Set {{field:AuthType}} to AWS_IAM', CLOUDFORMATION_VOCABULARY, 'Url')).toBe('Set AuthType to AWS_IAM');
    // HCL writes numbers and booleans bare.
    expect(renderWording('{{setting:MetadataOptions.HttpPutResponseHopLimit=1}}', terraform, 'aws_launch_template.lt')).toBe('http_put_response_hop_limit = 1');
    expect(renderWording('{{setting:MetadataOptions.HttpPutResponseHopLimit=1}}', CLOUDFORMATION_VOCABULARY, 'Lt')).toBe('HttpPutResponseHopLimit: 1');
  });

  it('has words for the document, its deployer, conditionals and removed values', () => {
    const text = 'in this {{document}} ({{deployer}}), one branch of {{conditional}}, {{noValue}}';
    expect(renderWording(text, CLOUDFORMATION_VOCABULARY)).toBe('in this template (CloudFormation), one branch of Fn::If, AWS::NoValue');
    expect(renderWording(text, terraform)).toBe('in this module (Terraform), one branch of a conditional expression, null');
  });

  it('picks the alternative of the language, the first when the language has none', () => {
    const text = 'Remove {{cloudformation: LoginProfile | terraform: the aws_iam_user_login_profile}} and {{cloudformation: only this}}.';
    expect(renderWording(text, CLOUDFORMATION_VOCABULARY)).toBe('Remove LoginProfile and only this.');
    expect(renderWording(text, terraform)).toBe('Remove the aws_iam_user_login_profile and only this.');
    // A folded YAML string spans lines: the alternative reads as one line.
    expect(renderWording('({{cloudformation: A,\n  B | terraform: c}})', CLOUDFORMATION_VOCABULARY)).toBe('(A, B)');
  });

  it("leaves any other {{…}} as written (a rule pack's own placeholders)", () => {
    expect(renderWording('{{resource}} sets {{field:HttpTokens}} to {{value}} {{resolve:ssm:x}}', terraform)).toBe('{{resource}} sets http_tokens to {{value}} {{resolve:ssm:x}}');
    expect(renderWording('no placeholders', terraform)).toBe('no placeholders');
  });

  it('says what is wrong with a placeholder that looks like one and is not well formed', () => {
    expect(wordingErrors('{{field:HttpTokens}} {{value}} {{setting:HttpTokens=required}} {{cloudformation: a | terraform: b}}')).toEqual([]);
    expect(wordingErrors('{{field:}} {{property:Metadata Options}} {{setting:HttpTokens}} {{cloudformation: a | pulumi: b}} {{terraform: a | terraform: b}}')).toEqual([
      '{{field:}} must name a property path such as MetadataOptions.HttpTokens',
      '{{property:Metadata Options}} must name a property path such as MetadataOptions.HttpTokens',
      '{{setting:HttpTokens}} must be {{setting:Property.Path=value}}',
      'each alternative of {{cloudformation: a | pulumi: b}} must start with a language (cloudformation, terraform) and a colon',
      '{{terraform: a | terraform: b}} names terraform twice',
    ]);
  });
});

describe('the vocabulary writes a fix as a user writes it', () => {
  const terraform = terraformWords();

  it('a map property with its settings', () => {
    const settings = [['MinimumInstanceMetadataServiceVersion', '2']] as const;
    expect(CLOUDFORMATION_VOCABULARY.block('', 'InstanceMetadataServiceConfiguration', settings)).toBe('InstanceMetadataServiceConfiguration: {MinimumInstanceMetadataServiceVersion: "2"}');
    expect(terraform.block('', 'InstanceMetadataServiceConfiguration', settings)).toBe('instance_metadata_service_configuration { minimum_instance_metadata_service_version = "2" }');
    expect(CLOUDFORMATION_VOCABULARY.block('', 'MetadataOptions', [['HttpTokens', 'required'], ['HttpPutResponseHopLimit', 1]])).toBe('MetadataOptions: {HttpTokens: required, HttpPutResponseHopLimit: 1}');
    expect(terraform.block('aws_launch_template.lt', 'LaunchTemplateData.MetadataOptions', [['HttpTokens', 'required'], ['HttpPutResponseHopLimit', 1]])).toBe('metadata_options { http_tokens = "required", http_put_response_hop_limit = 1 }');
  });

  it('an item of a list property, with the names the mapping records even where the module has none yet', () => {
    const fields = [['Namespace', 'aws:autoscaling:launchconfiguration'], ['OptionName', 'DisableIMDSv1'], ['Value', 'true']] as const;
    expect(CLOUDFORMATION_VOCABULARY.item('Env', 'OptionSettings', 'option setting', fields)).toBe('the option setting Namespace aws:autoscaling:launchconfiguration, OptionName DisableIMDSv1, Value "true"');
    expect(terraform.item('aws_elastic_beanstalk_environment.env', 'OptionSettings', 'option setting', fields)).toBe('the block setting { namespace = "aws:autoscaling:launchconfiguration", name = "DisableIMDSv1", value = "true" }');
  });

  it('the last name of a path', () => {
    const segments = ['Resources', 'aws_launch_template.lt', 'Properties', 'LaunchTemplateData', 'MetadataOptions', 'HttpTokens'];
    expect(CLOUDFORMATION_VOCABULARY.key(segments)).toBe('HttpTokens');
    expect(terraform.key(segments)).toBe('http_tokens');
    expect(CLOUDFORMATION_VOCABULARY.key(['Statement', 0])).toBe('Statement');
  });
});
