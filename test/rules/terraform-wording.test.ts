import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TF_CORPUS } from '../../scripts/corpus-summary.js';
import { collectFiles } from '../../src/cli/collect-files.js';
import { ALL_RULES, ruleById } from '../../src/engine/all-rules.js';
import { scanFiles, type InputFile } from '../../src/engine/scan.js';
import type { Finding } from '../../src/findings/finding.js';
import { unboundVocabulary } from '../../src/engine/unbound-vocabulary.js';
import { vocabularyOf } from '../../src/model/vocabulary.js';
import { ruleTextIn } from '../../src/rules/types.js';
import { isTerraformPath, moduleDirectory, readTerraformModule } from '../../src/terraform/index.js';
import { snakeCase } from '../../src/terraform/vocabulary.js';

/**
 * Findings on Terraform speak Terraform (issue 17, "the house"): no CloudFormation resource type, intrinsic,
 * `Properties` or property name that the mapping (src/terraform/resources.ts) translated may appear in the
 * message, the related messages or the remediation of a finding on a `.tf` file — the built-in rule packs'
 * text included (policies/*.yaml words it with wording placeholders, src/model/wording.ts). Quoted text is
 * left out (values as written, an AWS CLI query), and so are tokens with a colon or a `${` inside
 * (actions, ARNs and their placeholders, condition keys); a name written as a YAML key (`HttpTokens:`,
 * `{HttpTokens: required}`) is a name.
 */
const RESOURCES_SOURCE = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'terraform', 'resources.ts'), 'utf8');

/** Names of AWS's own APIs that messages cite as such in either language: an AMI's ImdsSupport attribute. */
const AWS_API_NAMES = new Set(['ImdsSupport']);

/** The compound PascalCase property names the mapping writes (`HttpTokens`, `MetadataOptions`, `RoleName`). */
const TRANSLATED = new Set(
  [...RESOURCES_SOURCE.matchAll(/'([A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+)'/g)].map((match) => match[1]!).filter((name) => snakeCase(name) !== name && !AWS_API_NAMES.has(name)),
);

/**
 * What of a message is CloudFormation's and not Terraform's. `authoredNames`: the text is a user's own (a
 * custom rule's message names what its author chose), so only what trustgate adds to it is held.
 */
export function cloudFormationWords(message: string, authoredNames = false): string[] {
  const words: string[] = [];
  const unquoted = message
    .replace(/"[^"]*"/g, '""')
    // An EMR security configuration is JSON in both languages: its keys are EMR's, not a mapped property.
    .replace(/(security configuration \S+, (which does not set|whose)) [A-Za-z.]+/g, '$1 …')
    .replace(/(whose JSON has) [^}]*\}/g, '$1 …')
    // A text that gives Terraform's names beside CloudFormation's ("SourceArn and SourceAccount properties (source_arn, source_account in Terraform)").
    .replace(/\S+ and \S+ properties \([^()]* in Terraform\)/g, '…');
  for (const match of unquoted.matchAll(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+|AWS::NoValue|Fn::[A-Za-z]+|!Ref\b|!GetAtt\b|!Sub\b/g)) words.push(match[0]);
  for (const written of unquoted.split(/[\s(),;]+/)) {
    // A name written as a map key: `HttpTokens:`, `{MinimumInstanceMetadataServiceVersion:`.
    const token = written.replace(/^[{[]+/, '').replace(/[:}\]]+$/, '');
    if (token.includes(':') || token.includes('${')) continue;
    for (const part of token.split(/[.[\]]+/)) {
      const word = part.replace(/^[^A-Za-z]+|[^A-Za-z0-9]+$/g, '');
      if (word === 'Properties' || (!authoredNames && TRANSLATED.has(word))) words.push(word);
    }
  }
  return words;
}

/** Each pass-* and fail-* fixture (a file, or a folder that is one module) under `dir`, as the inputs of its own scan. */
function terraformFixtures(dir: string): InputFile[][] {
  const out: InputFile[][] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const full = join(current, name);
      const path = relative(dir, full).split('\\').join('/');
      if (/^(pass|fail)-/.test(name)) {
        out.push(statSync(full).isDirectory() ? readdirSync(full).map((file) => ({ path: `${path}/${file}`, text: readFileSync(join(full, file), 'utf8') })) : [{ path, text: readFileSync(full, 'utf8') }]);
      } else if (statSync(full).isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}

const ruleFindings = (findings: Finding[]) => findings.filter((finding) => /\.tf(\.json)?$/.test(finding.file));

function offending(findings: Finding[]): string[] {
  return ruleFindings(findings).flatMap((finding) =>
    [
      ['message', finding.message],
      ...(finding.related ?? []).map((related) => ['related', related.message] as const),
      ['remediation', finding.remediation ?? ''],
    ].flatMap(([what, message]) => {
      // A custom rule's text is its author's: only what trustgate adds to it (paths, removed values) is held.
      const words = cloudFormationWords(message!, finding.ruleId.startsWith('custom/'));
      return words.length === 0 ? [] : [`${finding.file}:${finding.line} ${finding.ruleId} ${what}: ${words.join(', ')} in "${message!.slice(0, 300)}"`];
    }),
  );
}

describe('Terraform findings speak Terraform, in their messages and their remediation', () => {
  it('recognises the words it must refuse', () => {
    expect(TRANSLATED.has('HttpTokens')).toBe(true);
    expect(TRANSLATED.has('MetadataOptions')).toBe(true);
    expect(cloudFormationWords('IAM Role Foo (ManagedPolicy Bar) removes MetadataOptions (AWS::NoValue) in one branch of Fn::If')).toEqual(['AWS::NoValue', 'Fn::If', 'MetadataOptions']);
    expect(cloudFormationWords('SQS QueuePolicy q (AWS::SQS::QueuePolicy) at Resources.q.Properties.PolicyDocument')).toEqual(['AWS::SQS::QueuePolicy', 'Properties', 'PolicyDocument']);
    expect(cloudFormationWords('aws_instance.web sets metadata_options.http_tokens to optional (aws ec2 --query "LaunchTemplateData.MetadataOptions"); ec2:MetadataHttpTokens')).toEqual([]);
    expect(cloudFormationWords('aws_emr_cluster.a uses security configuration b, which does not set InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion')).toEqual([]);
    expect(cloudFormationWords('aws_sagemaker_notebook_instance.a sets MinimumInstanceMetadataServiceVersion to 1')).toEqual(['MinimumInstanceMetadataServiceVersion']);
    expect(cloudFormationWords('Hop limit: Resources["aws_launch_template.a"].Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit (AWS::NoValue)', true)).toEqual(['AWS::NoValue', 'Properties']);
    // Names written as YAML keys are names; EMR's JSON keys and text that gives Terraform's names beside are not held.
    expect(cloudFormationWords('Set MetadataOptions: {HttpTokens: required}. SageMaker: InstanceMetadataServiceConfiguration: {MinimumInstanceMetadataServiceVersion: "2"}')).toEqual([
      'MetadataOptions',
      'HttpTokens',
      'InstanceMetadataServiceConfiguration',
      'MinimumInstanceMetadataServiceVersion',
    ]);
    expect(cloudFormationWords('EMR: a security_configuration whose JSON has InstanceMetadataServiceConfiguration: {MinimumInstanceMetadataServiceVersion: 2, HttpPutResponseHopLimit: 1}, named by the cluster.')).toEqual([]);
    expect(cloudFormationWords("pin it with the permission's SourceArn and SourceAccount properties (source_arn, source_account in Terraform)")).toEqual([]);
    expect(cloudFormationWords('Set http_tokens = "required" in metadata_options { http_tokens = "required" }; the block setting { namespace = "aws:autoscaling:launchconfiguration" }')).toEqual([]);
  });

  it('on every Terraform rule fixture', () => {
    const root = join(import.meta.dirname, '..', 'fixtures', 'terraform');
    const findings = terraformFixtures(root).flatMap((inputs) => scanFiles(inputs).findings);
    expect(ruleFindings(findings).length).toBeGreaterThan(20);
    expect(offending(findings)).toEqual([]);
  });

  it.skipIf(!existsSync(TF_CORPUS))('on the Terraform corpus (../shared/corpus/terraform-aws-modules)', async () => {
    const collected = await collectFiles([TF_CORPUS]);
    if (!collected.ok) throw new Error(collected.error);
    const { findings } = scanFiles(collected.files);
    expect(ruleFindings(findings).length).toBeGreaterThan(200);
    expect(offending(findings)).toEqual([]);
  });
});

describe('a path in the model, as a Terraform message writes it', () => {
  it('is the address and the arguments and blocks as written', async () => {
    const { readTerraformModule } = await import('../../src/terraform/index.js');
    const { vocabularyOf } = await import('../../src/model/vocabulary.js');
    const text = 'resource "aws_launch_template" "lt" {\n  metadata_options {\n    http_put_response_hop_limit = 3\n  }\n}\n';
    const module = readTerraformModule('', [{ path: 'main.tf', text }]);
    const words = vocabularyOf(module.document!);
    expect(words.path(['Resources', 'aws_launch_template.lt', 'Properties', 'LaunchTemplateData', 'MetadataOptions', 'HttpPutResponseHopLimit'])).toBe('aws_launch_template.lt.metadata_options.http_put_response_hop_limit');
    expect(words.path(['Resources', 'aws_launch_template.lt', 'Properties', 'LaunchTemplateData'])).toBe('aws_launch_template.lt');
    expect(words.property('aws_launch_template.lt', 'LaunchTemplateData.MetadataOptions.HttpTokens')).toBe('metadata_options.http_tokens');
    expect(words.removed('metadata_options')).toBe('metadata_options (null)');
  });
});

describe('a property another resource writes (a folded aws_s3_bucket_public_access_block, aws_iam_user_login_profile)', () => {
  const text = [
    'resource "aws_s3_bucket" "b" {',
    '  bucket = "b"',
    '}',
    'resource "aws_s3_bucket_public_access_block" "pab" {',
    '  bucket              = aws_s3_bucket.b.id',
    '  block_public_policy = false',
    '}',
    'resource "aws_s3_bucket_public_access_block" "lone" {',
    '  bucket            = "not-in-this-module"',
    '  block_public_acls = false',
    '}',
    'resource "aws_iam_user" "u" {',
    '  name = "u"',
    '}',
    'resource "aws_iam_user_login_profile" "console" {',
    '  user = aws_iam_user.u.name',
    '}',
    '',
  ].join('\n');
  const words = vocabularyOf(readTerraformModule('', [{ path: 'main.tf', text }]).document!);

  it('is named at the address of the resource that writes it', () => {
    expect(words.path(['Resources', 'aws_s3_bucket.b', 'Properties', 'PublicAccessBlockConfiguration', 'BlockPublicPolicy'])).toBe('aws_s3_bucket_public_access_block.pab.block_public_policy');
    expect(words.path(['Resources', 'aws_s3_bucket.b', 'Properties', 'PublicAccessBlockConfiguration'])).toBe('aws_s3_bucket_public_access_block.pab');
    expect(words.property('aws_s3_bucket.b', 'PublicAccessBlockConfiguration.RestrictPublicBuckets')).toBe('aws_s3_bucket_public_access_block.pab.restrict_public_buckets');
    expect(words.field('aws_s3_bucket.b', 'PublicAccessBlockConfiguration.BlockPublicPolicy')).toBe('block_public_policy');
    expect(words.field('aws_s3_bucket.b', 'PublicAccessBlockConfiguration')).toBe('aws_s3_bucket_public_access_block');
    expect(words.path(['Resources', 'aws_iam_user.u', 'Properties', 'LoginProfile', 'PasswordResetRequired'])).toBe('aws_iam_user_login_profile.console.password_reset_required');
    // The bucket's own arguments stay its own.
    expect(words.path(['Resources', 'aws_s3_bucket.b', 'Properties', 'BucketName'])).toBe('aws_s3_bucket.b.bucket');
    // One whose bucket is not in the module is a bucket of its own: its arguments are the configuration.
    expect(words.path(['Resources', 'aws_s3_bucket_public_access_block.lone', 'Properties', 'PublicAccessBlockConfiguration', 'BlockPublicAcls'])).toBe('aws_s3_bucket_public_access_block.lone.block_public_acls');
  });

  it('in the findings of pack/s3-public-access-block', () => {
    const unknown = text.replace('block_public_policy = false', 'block_public_policy = var.policy') + 'variable "policy" {}\n';
    const messages = scanFiles([{ path: 'main.tf', text: unknown }])
      .findings.filter((f) => f.ruleId === 'pack/s3-public-access-block' && f.message.includes('cannot be checked'))
      .map((f) => f.message.slice(0, f.message.indexOf(' cannot be checked')));
    expect(messages).toEqual(['S3 bucket turns off a Block Public Access setting: aws_s3_bucket_public_access_block.pab.block_public_policy of aws_s3_bucket.b']);
  });
});

describe('a rule shown without a file (SARIF, /trustgate explain) in Terraform’s words', () => {
  const terraform = unboundVocabulary('terraform');

  it('names no CloudFormation type, property or intrinsic in any rule’s title, why or fix', () => {
    const found = ALL_RULES.flatMap((rule) =>
      Object.entries(ruleTextIn(rule.meta, terraform)).flatMap(([what, text]) => {
        const words = cloudFormationWords(text);
        return words.length === 0 ? [] : [`${rule.meta.id} ${what}: ${words.join(', ')} in "${text}"`];
      }),
    );
    expect(found).toEqual([]);
    // And reads as it always did in CloudFormation's.
    for (const rule of ALL_RULES) expect(ruleTextIn(rule.meta, unboundVocabulary('cloudformation'))).toEqual({ title: rule.meta.title, why: rule.meta.why, fix: rule.meta.fix });
  });

  it('gives the fix that findings on the Terraform fixtures carry from the rule, resource by resource', () => {
    const root = join(import.meta.dirname, '..', 'fixtures', 'terraform');
    const compared = new Set<string>();
    const differ: string[] = [];
    for (const inputs of terraformFixtures(root)) {
      const byModule = new Map<string, InputFile[]>();
      for (const input of inputs.filter((i) => isTerraformPath(i.path))) byModule.set(moduleDirectory(input.path), [...(byModule.get(moduleDirectory(input.path)) ?? []), input]);
      const words = new Map([...byModule].map(([dir, files]) => [dir, vocabularyOf(readTerraformModule(dir, files).document!)]));
      for (const finding of ruleFindings(scanFiles(inputs).findings)) {
        const remedy = ruleById(finding.ruleId)?.meta.remedy;
        const moduleWords = words.get(moduleDirectory(finding.file));
        if (remedy === undefined || moduleWords === undefined) continue;
        compared.add(finding.ruleId);
        const inModule = remedy(moduleWords, finding.resource ?? '');
        if (inModule !== remedy(terraform, '')) differ.push(`${finding.file} ${finding.ruleId} ${finding.resource}: "${inModule}" / "${remedy(terraform, '')}"`);
      }
    }
    expect(differ).toEqual([]);
    expect([...compared].sort()).toEqual(expect.arrayContaining(['imdsv2/beanstalk-imds', 'imdsv2/instance-imds', 'pack/imds-http-tokens', 'pack/lambda-url-auth-none', 'pack/s3-public-access-block']));
  });

  it('spells a property as the mapping does where that is not snake_case', () => {
    expect(ruleTextIn(ruleById('pack/lambda-url-auth-none')!.meta, terraform).fix).toMatch(/^Set authorization_type to AWS_IAM /);
    expect(ruleTextIn(ruleById('imdsv2/beanstalk-imds')!.meta, terraform).fix).toBe('Add the block setting { namespace = "aws:autoscaling:launchconfiguration", name = "DisableIMDSv1", value = "true" }.');
    expect(ruleTextIn(ruleById('pack/imds-http-tokens')!.meta, terraform).title).toBe('Instance metadata answers IMDSv1 requests (http_tokens not required)');
  });
});

