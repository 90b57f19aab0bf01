import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRulePackError, loadCustomRules } from '../../src/rule-packs/custom-rules.js';
import { loadRulePack } from '../../src/rule-packs/loader.js';
import { loadBuiltinPackRules } from '../../src/rule-packs/builtin.js';

const VALID = `rules:
  - id: custom/no-optional-tokens
    title: Launch templates require IMDSv2
    category: imdsv2
    severity: high
    why: Our platform team requires IMDSv2 on every launch template.
    fix: Set HttpTokens to required in MetadataOptions.
    resources: [AWS::EC2::LaunchTemplate]
    if-unknown: fail
    checks:
      - select: $.Properties.LaunchTemplateData.MetadataOptions.HttpTokens
        equals: required
        if-missing: fail
        message: '{{resource}} has HttpTokens {{value}}'
`;

/** A valid rule with `replace` swapped for `by`, to make one thing wrong at a known line. */
function withChange(replace: string, by: string): string {
  expect(VALID).toContain(replace);
  return VALID.replace(replace, by);
}

function errorsOf(text: string, file = 'rules.yml'): string[] {
  return loadCustomRules(text, file).errors.map(formatRulePackError);
}

describe('rule pack loader: the format', () => {
  it('loads a valid custom rule into an engine Rule with its metadata', () => {
    const { rules, errors } = loadCustomRules(VALID, '.github/trustgate.yml');
    expect(errors).toEqual([]);
    expect(rules.map((r) => r.meta)).toEqual([
      {
        id: 'custom/no-optional-tokens',
        title: 'Launch templates require IMDSv2',
        category: 'imdsv2',
        severity: 'high',
        why: 'Our platform team requires IMDSv2 on every launch template.',
        worded: expect.any(Function),
        fix: 'Set HttpTokens to required in MetadataOptions.',
        remedy: expect.any(Function),
        docs: 'docs/rule-packs.md',
      },
    ]);
    expect(rules[0]!.appliesTo).toEqual(['resources']);
  });

  it('reads the customRules list of a whole configuration file, with that file lines', () => {
    const config = `failOn: high\nexclude: ['vendor/**']\ncustomRules:\n${VALID.split('\n').slice(1).join('\n').replace('severity: high', 'severity: loud')}`;
    expect(errorsOf(config, '.github/trustgate.yml')).toEqual(['.github/trustgate.yml:7:15: severity must be one of critical, high, medium, low, info']);
  });

  it('accepts a bare YAML list and a JSON document', () => {
    expect(loadCustomRules(VALID.split('\n').slice(1).join('\n').replace(/^ {2}/gm, ''), 'list.yml').rules).toHaveLength(1);
    const json = JSON.stringify({
      rules: [
        {
          id: 'custom/doc-rule',
          title: 'Policies name a version',
          category: 'policy-validation',
          severity: 'low',
          why: 'Without Version 2012-10-17 policy variables are not substituted.',
          fix: 'Add "Version": "2012-10-17" to the policy.',
          documents: ['iam-policy'],
          'if-unknown': 'fail',
          checks: [{ select: '$.Version', equals: '2012-10-17', 'if-missing': 'fail', message: 'Version is {{value}}' }],
        },
      ],
    });
    const { rules, errors } = loadCustomRules(json, 'rules.json');
    expect(errors).toEqual([]);
    expect(rules[0]!.appliesTo).toEqual(['iam-policy']);
  });

  it('loads every YAML example of docs/rule-packs.md', () => {
    const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'rule-packs.md'), 'utf8');
    const examples = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const example of examples) {
      const text = /^(customRules|rules):/m.test(example) ? example : `rules:\n${example.replace(/^/gm, '  ')}`;
      const { rules, errors } = loadCustomRules(text, 'docs/rule-packs.md');
      expect(errors).toEqual([]);
      expect(rules).toHaveLength(1);
    }
  });

  it('loads every built-in pack, with docs under docs/rules/pack/', () => {
    const rules = loadBuiltinPackRules();
    expect(rules.length).toBeGreaterThanOrEqual(5);
    for (const rule of rules) {
      expect(rule.meta.id).toMatch(/^pack\/[a-z0-9-]+$/);
      expect(rule.meta.docs).toBe(`docs/rules/${rule.meta.id}.md`);
    }
  });
});

describe('rule pack loader: bad rules are errors with file, line and column', () => {
  it('refuses ids outside custom/ for custom rules, and outside pack/ for built-in packs', () => {
    expect(errorsOf(withChange('id: custom/no-optional-tokens', 'id: imdsv2/launch-template-imds'))).toEqual([
      'rules.yml:2:9: rule id "imdsv2/launch-template-imds" must start with "custom/" (custom rules live under custom/ so they can never shadow a built-in rule)',
    ]);
    expect(loadRulePack(VALID, 'policies/x.yaml', { idPrefix: 'pack/' }).errors.map(formatRulePackError)).toEqual([
      'policies/x.yaml:2:9: rule id "custom/no-optional-tokens" must start with "pack/"',
    ]);
    expect(errorsOf(withChange('custom/no-optional-tokens', 'custom/No_Tokens'))[0]).toBe(
      'rules.yml:2:9: rule id "custom/No_Tokens" must be custom/<kebab-case-name> (lowercase letters, digits and dashes)',
    );
  });

  it('requires a decision about unknown values', () => {
    expect(errorsOf(withChange('    if-unknown: fail\n', ''))).toEqual([
      'rules.yml:10:9: rule custom/no-optional-tokens, check 1 does not say what a value unknown until deployment means: add `if-unknown: fail`, `warn` or `pass` to the check or the rule',
    ]);
  });

  it('requires if-missing on value assertions and refuses it on presence ones', () => {
    expect(errorsOf(withChange('        if-missing: fail\n', ''))).toEqual([
      'rules.yml:11:9: rule custom/no-optional-tokens, check 1: `equals` needs `if-missing: fail` or `if-missing: pass`: say what it means when the selector finds nothing or the value is AWS::NoValue',
    ]);
    expect(errorsOf(withChange('equals: required', 'exists: true'))).toEqual([
      'rules.yml:13:21: rule custom/no-optional-tokens, check 1: `exists` judges presence itself; remove `if-missing`',
    ]);
  });

  it('names unknown keys and suggests the closest one', () => {
    expect(errorsOf(withChange('if-unknown: fail', 'if-unkown: fail'))).toEqual([
      'rules.yml:9:5: unknown key `if-unkown` in a rule (did you mean `if-unknown`?); allowed: id, title, category, severity, why, fix, message, resources, documents, files, if-unknown, if-missing, checks',
      'rules.yml:11:9: rule custom/no-optional-tokens, check 1 does not say what a value unknown until deployment means: add `if-unknown: fail`, `warn` or `pass` to the check or the rule',
    ]);
  });

  it('refuses assertions outside the closed set, and two assertions in one check', () => {
    expect(errorsOf(withChange('equals: required', 'startsWith: req'))).toEqual([
      'rules.yml:12:9: unknown key `startsWith` in a check; allowed: select, each, when, resources, severity, message, if-unknown, if-missing, exists, absent, equals, in, not-in, matches, less-than, greater-than, all, any, none, ami-requires-imdsv2, launches-without-instance-profile, account-default-requires-imdsv2, account-imds-default',
      'rules.yml:11:9: rule custom/no-optional-tokens, check 1: needs one assertion (exists, absent, equals, in, not-in, matches, less-than, greater-than, all, any, none, ami-requires-imdsv2, launches-without-instance-profile, account-default-requires-imdsv2, account-imds-default)',
    ]);
    expect(errorsOf(withChange('equals: required', 'equals: required\n        in: [required]'))).toEqual([
      'rules.yml:11:9: rule custom/no-optional-tokens, check 1: has more than one assertion (exists, absent, equals, in, not-in, matches, less-than, greater-than, all, any, none, ami-requires-imdsv2, launches-without-instance-profile, account-default-requires-imdsv2, account-imds-default): found equals, in; write one check per assertion',
    ]);
    expect(errorsOf(withChange('equals: required', 'less-than: "3"'))).toEqual(['rules.yml:12:20: rule custom/no-optional-tokens, check 1: `less-than` takes a number']);
    expect(errorsOf(withChange('equals: required', 'ami-requires-imdsv2: "yes"'))).toEqual(['rules.yml:12:30: rule custom/no-optional-tokens, check 1: `ami-requires-imdsv2` takes true or false']);
    expect(errorsOf(withChange('equals: required', 'account-default-requires-imdsv2: 1'))).toEqual(['rules.yml:12:42: rule custom/no-optional-tokens, check 1: `account-default-requires-imdsv2` takes true or false']);
    expect(errorsOf(withChange('equals: required', 'account-imds-default: {HopLimit: {less-than: 2}}'))).toEqual([
      'rules.yml:12:31: rule custom/no-optional-tokens, check 1: `account-imds-default` takes one setting (HttpTokens, HttpEndpoint, HttpPutResponseHopLimit, InstanceMetadataTags) with one value assertion, e.g. `account-imds-default: {HttpPutResponseHopLimit: {less-than: 2}}`',
    ]);
    expect(errorsOf(withChange('equals: required', 'account-imds-default: {HttpTokens: {exists: true}}'))).toEqual([
      'rules.yml:12:44: rule custom/no-optional-tokens, check 1: `account-imds-default` takes exactly one of equals, in, not-in, matches, less-than, greater-than for HttpTokens',
    ]);
    expect(errorsOf(withChange('equals: required', 'account-imds-default: {HttpPutResponseHopLimit: {less-than: two}}'))).toEqual([
      'rules.yml:12:69: rule custom/no-optional-tokens, check 1: `less-than` takes a number',
    ]);
    expect(errorsOf(withChange('equals: required', 'all: {all: {equals: x}}'))).toEqual([
      'rules.yml:12:14: rule custom/no-optional-tokens, check 1: `all` takes exactly one of equals, in, not-in, matches, less-than, greater-than (not all; lists do not nest)',
    ]);
  });

  it('refuses unknown message placeholders', () => {
    expect(errorsOf(withChange("'{{resource}} has HttpTokens {{value}}'", "'{{resource}} has {{secret}}'"))).toEqual([
      'rules.yml:14:18: unknown placeholder {{secret}} in the message; available: {{value}}, {{resource}}, {{type}}, {{path}}, {{key}}, {{expected}}, {{file}}, {{rule}} and the wording placeholders ({{field:…}}, {{property:…}}, {{setting:…=…}}, {{document}}, {{deployer}}, {{conditional}}, {{noValue}}, {{cloudformation: … | terraform: …}})',
    ]);
  });

  it('refuses rules that do not say what they apply to, bad resource types and bad categories', () => {
    expect(errorsOf(withChange('    resources: [AWS::EC2::LaunchTemplate]\n', ''))).toEqual([
      'rules.yml:2:5: rule custom/no-optional-tokens needs `resources` (CloudFormation or Terraform resource types) or `documents` (cloudformation, iam-policy): say what it applies to',
    ]);
    expect(errorsOf(withChange('[AWS::EC2::LaunchTemplate]', '[LaunchTemplate]'))).toEqual([
      'rules.yml:8:17: "LaunchTemplate" is not a CloudFormation resource type such as AWS::EC2::LaunchTemplate nor a Terraform one such as aws_launch_template (globs like AWS::EC2::* and aws_iam_* are allowed)',
    ]);
    expect(errorsOf(withChange('category: imdsv2', 'category: internal-error'))).toEqual([
      'rules.yml:4:15: category "internal-error" must be one of least-privilege, imdsv2, cross-account-trust, resource-exposure, policy-validation, or custom/<kebab-case-name>',
    ]);
    expect(loadCustomRules(withChange('category: imdsv2', 'category: custom/platform'), 'r.yml').errors).toEqual([]);
  });

  it('refuses patterns RE2 does not support, naming the line', () => {
    expect(errorsOf(withChange('equals: required', 'matches: "(re)\\\\1"'))).toEqual([
      'rules.yml:12:18: rule custom/no-optional-tokens, check 1: the pattern "(re)\\\\1" is not valid RE2 syntax (error parsing regexp: invalid escape sequence: `\\1`); rule patterns run on RE2, which has no backreferences or lookaround',
    ]);
    expect(errorsOf(withChange('equals: required', "matches: '^(?=req)'"))[0]).toContain('rules.yml:12:18: rule custom/no-optional-tokens, check 1: the pattern "^(?=req)" is not valid RE2 syntax');
  });

  it('reports a rule defined twice and YAML syntax errors with their line', () => {
    const twice = `rules:\n${VALID.split('\n').slice(1).join('\n')}${VALID.split('\n').slice(1).join('\n')}`;
    expect(errorsOf(twice)).toEqual(['rules.yml:15:9: rule id custom/no-optional-tokens is defined twice in this file']);
    expect(errorsOf('rules:\n  - id: [unclosed\n')[0]).toMatch(/^rules\.yml:2:17: the file is not valid YAML: .*\(the file ends here\)/);
    expect(errorsOf('checks: []\n')).toEqual(['rules.yml:1:1: expected a list of rules under `rules:` (or `customRules:` in .github/trustgate.yml)']);
  });

  it('keeps the good rules of a file that has a bad one', () => {
    const mixed = `${VALID}${VALID.split('\n').slice(1).join('\n').replace('custom/no-optional-tokens', 'custom/second').replace('severity: high', 'severity: 7')}`;
    const { rules, errors } = loadCustomRules(mixed, 'rules.yml');
    expect(rules.map((r) => r.meta.id)).toEqual(['custom/no-optional-tokens']);
    expect(errors.map(formatRulePackError)).toEqual(['rules.yml:18:15: severity must be one of critical, high, medium, low, info']);
  });
});
