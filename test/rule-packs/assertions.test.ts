import { describe, expect, it } from 'vitest';
import { lines, rulesFrom, scan, template } from './helpers.js';

/** One custom rule over AWS::Test::Thing resources with one check; `check` is the check's YAML body. */
function rule(check: string, extra = ''): string {
  return `rules:
  - id: custom/under-test
    title: Rule under test
    category: custom/testing
    severity: high
    why: Exercises one assertion of the rule pack format.
    fix: Change the value so that the assertion holds.
    resources: [AWS::Test::Thing]
    if-unknown: fail
${extra}    message: '{{resource}} {{key}}={{value}} ({{expected}})'
    checks:
      - ${check.trim().split('\n').join('\n        ')}
`;
}

/** Things with the given property bodies: `A: {Mode: x}` etc., each on known lines (resource i at line 3 + 4i). */
function things(...properties: string[]): string {
  return template(properties.map((p, i) => `  T${i}:\n    Type: AWS::Test::Thing\n    Properties:\n      ${p}\n`).join(''));
}

function run(check: string, ...properties: string[]): string[] {
  return lines(scan(things(...properties), rulesFrom(rule(check))));
}

describe('assertions', () => {
  it('exists: missing is the failure, at the deepest key that exists', () => {
    expect(run('select: $.Properties.Logging.Bucket\nexists: true', 'Logging: {Bucket: logs}', 'Logging: {Prefix: x}', 'Other: 1')).toEqual([
      '10:7 high custom/under-test: T1 Bucket=not set (must be set)',
      '13:5 high custom/under-test: T2 Bucket=not set (must be set)',
    ]);
  });

  it('absent: a present value fails, AWS::NoValue passes', () => {
    expect(run('select: $.Properties.Password\nabsent: true', 'Password: hunter2', 'Password: !Ref AWS::NoValue', 'Name: x')).toEqual([
      '6:17 high custom/under-test: T0 Password=hunter2 (must not be set)',
    ]);
  });

  it('equals: compares booleans and numbers as CloudFormation reads them', () => {
    expect(
      run('select: $.Properties.On\nequals: true\nif-missing: pass', 'On: true', 'On: "True"', 'On: "false"', 'On: 1', 'Off: x'),
    ).toEqual(['14:11 high custom/under-test: T2 On=false (must equal true)', '18:11 high custom/under-test: T3 On=1 (must equal true)']);
    expect(run('select: $.Properties.N\nequals: 2\nif-missing: pass', 'N: "2"', 'N: 2.0', 'N: "two"')).toEqual([
      '14:10 high custom/under-test: T2 N=two (must equal 2)',
    ]);
  });

  it('in and not-in', () => {
    expect(run('select: $.Properties.Mode\nin: [a, b]\nif-missing: pass', 'Mode: a', 'Mode: c')).toEqual([
      '10:13 high custom/under-test: T1 Mode=c (must be one of a, b)',
    ]);
    expect(run("select: $.Properties.Mode\nnot-in: ['*', NONE]\nif-missing: pass", 'Mode: NONE', 'Mode: IAM', "Mode: '*'")).toEqual([
      '6:13 high custom/under-test: T0 Mode=NONE (must not be any of *, NONE)',
      '14:13 high custom/under-test: T2 Mode=* (must not be any of *, NONE)',
    ]);
  });

  it('matches: an RE2 search, anchored only when the pattern says so', () => {
    expect(run("select: $.Properties.Name\nmatches: '^prod-[a-z]+$'\nif-missing: pass", 'Name: prod-api', 'Name: my-prod-api', 'Name: prod-API')).toEqual([
      '10:13 high custom/under-test: T1 Name=my-prod-api (must match ^prod-[a-z]+$)',
      '14:13 high custom/under-test: T2 Name=prod-API (must match ^prod-[a-z]+$)',
    ]);
    expect(run("select: $.Properties.Name\nmatches: '(?i)prod'\nif-missing: pass", 'Name: my-PROD', 'Name: dev')).toEqual([
      '10:13 high custom/under-test: T1 Name=dev (must match (?i)prod)',
    ]);
  });

  it('less-than and greater-than: numbers and numeric strings; anything else fails', () => {
    expect(run('select: $.Properties.Hops\nless-than: 2\nif-missing: pass', 'Hops: 1', 'Hops: 2', 'Hops: "64"', 'Hops: many')).toEqual([
      '10:13 high custom/under-test: T1 Hops=2 (must be less than 2)',
      '14:13 high custom/under-test: T2 Hops=64 (must be less than 2)',
      '18:13 high custom/under-test: T3 Hops=many (must be less than 2)',
    ]);
    expect(run('select: $.Properties.Days\ngreater-than: 89\nif-missing: pass', 'Days: 90', 'Days: 7')).toEqual([
      '10:13 high custom/under-test: T1 Days=7 (must be greater than 89)',
    ]);
  });

  it('all: each failing item is a finding at the item', () => {
    expect(run("select: $.Properties.Ports\nall: {less-than: 1024}\nif-missing: pass", 'Ports: [22, 80]', 'Ports: [22, 8080, 9090]', 'Ports: []')).toEqual([
      '10:19 high custom/under-test: T1 Ports=8080 (every item must be less than 1024)',
      '10:25 high custom/under-test: T1 Ports=9090 (every item must be less than 1024)',
    ]);
  });

  it('any: fails at the list when no item satisfies', () => {
    expect(run("select: $.Properties.Tags[*].Key\nany: {equals: owner}\nif-missing: pass", 'Tags: [{Key: owner}]', 'Tags: [{Key: team}]')).toEqual([
      '10:20 high custom/under-test: T1 Key=team (at least one item must equal owner)',
    ]);
    expect(run("select: $.Properties.Owners\nany: {equals: security}\nif-missing: fail", 'Owners: [dev, security]', 'Owners: [dev, ops]', 'Name: x')).toEqual([
      '10:7 high custom/under-test: T1 Owners=dev, ops (at least one item must equal security)',
      '13:5 high custom/under-test: T2 Owners=not set (at least one item must equal security)',
    ]);
  });

  it('none: each item that satisfies is a finding; a lone value counts as a list of one', () => {
    expect(run("select: $.Properties.Actions\nnone: {matches: '\\*'}\nif-missing: pass", 'Actions: [s3:GetObject, "s3:*"]', 'Actions: "*"', 'Actions: [ec2:Describe*]')).toEqual([
      '6:31 high custom/under-test: T0 Actions=s3:* (no item may satisfy: match \\*)',
      '10:16 high custom/under-test: T1 Actions=* (no item may satisfy: match \\*)',
      '14:17 high custom/under-test: T2 Actions=ec2:Describe* (no item may satisfy: match \\*)',
    ]);
  });
});

describe('values pass through the intrinsic resolver', () => {
  const params = `Parameters:
  Mode:
    Type: String
    Default: safe
    AllowedValues: [safe, open]
  Fixed:
    Type: String
    Default: safe
Conditions:
  Prod: !Equals [!Ref 'AWS::Region', eu-west-1]
`;
  const check = 'select: $.Properties.Mode\nequals: safe\nif-missing: fail';

  it('judges every allowed value of a parameter and names it', () => {
    const findings = scan(template('  A:\n    Type: AWS::Test::Thing\n    Properties:\n      Mode: !Ref Mode\n  B:\n    Type: AWS::Test::Thing\n    Properties:\n      Mode: !Ref Fixed\n', params), rulesFrom(rule(check)));
    expect(lines(findings)).toEqual(['16:7 high custom/under-test: A Mode=open (must equal safe) (the value comes from parameter Mode (AllowedValues))']);
    expect(findings[0]!.related).toEqual([{ file: 'template.yaml', line: 6, column: 27, message: 'value from parameter Mode (AllowedValues)' }]);
  });

  it('judges both branches of Fn::If, and AWS::NoValue as missing', () => {
    const resources = '  A:\n    Type: AWS::Test::Thing\n    Properties:\n      Mode: !If [Prod, safe, open]\n  B:\n    Type: AWS::Test::Thing\n    Properties:\n      Mode: !If [Prod, safe, !Ref AWS::NoValue]\n  C:\n    Type: AWS::Test::Thing\n    Properties:\n      Mode: !If [Prod, safe, safe]\n';
    expect(lines(scan(template(resources, params), rulesFrom(rule(check))))).toEqual([
      '16:7 high custom/under-test: A Mode=open (must equal safe)',
      '20:7 high custom/under-test: B Mode=not set (AWS::NoValue) (must equal safe)',
    ]);
  });

  it('says what unknown means: fail reports at the rule severity, warn at info, pass stays silent', () => {
    const resources = '  A:\n    Type: AWS::Test::Thing\n    Properties:\n      Mode: !ImportValue shared-mode\n  B:\n    Type: AWS::Test::Thing\n    Properties:\n      Mode: !GetAtt Other.Mode\n';
    const text = template(resources);
    const fail = lines(scan(text, rulesFrom(rule(check))));
    expect(fail).toEqual([
      '6:7 high custom/under-test: Rule under test: Resources.A.Properties.Mode of A cannot be checked from the template (imported from another stack (Fn::ImportValue shared-mode)); this rule counts a value unknown until deployment as a failure. Make sure the deployed value satisfies it (must equal safe).',
      '10:7 high custom/under-test: Rule under test: Resources.B.Properties.Mode of B cannot be checked from the template (${Other.Mode} depends on Other, known only at deployment); this rule counts a value unknown until deployment as a failure. Make sure the deployed value satisfies it (must equal safe).',
    ]);
    const warn = scan(text, rulesFrom(rule(check).replace('if-unknown: fail', 'if-unknown: warn')));
    expect(warn.map((f) => `${f.line} ${f.severity}`)).toEqual(['6 info', '10 info']);
    expect(warn[0]!.message).toContain('as a warning');
    expect(scan(text, rulesFrom(rule(check).replace('if-unknown: fail', 'if-unknown: pass')))).toEqual([]);
  });

  it('treats a selector blocked by an intrinsic function as unknown, not missing', () => {
    const resources = '  A:\n    Type: AWS::Test::Thing\n    Properties:\n      Settings: !If [Prod, {Mode: safe}, {Mode: open}]\n';
    expect(lines(scan(template(resources, params), rulesFrom(rule('select: $.Properties.Settings.Mode\nequals: safe\nif-missing: pass'))))).toEqual([
      '16:7 high custom/under-test: Rule under test: Resources.A.Properties.Settings of A cannot be checked from the template (Resources.A.Properties.Settings is computed by Fn::If, and selectors do not look inside intrinsic functions); this rule counts a value unknown until deployment as a failure. Make sure the deployed value satisfies it (must equal safe).',
    ]);
  });
});

describe('scopes, conditions and applicability', () => {
  it('each: every selected node becomes the scope of select, so a missing key is found per item', () => {
    const check = 'each: $.Properties.BlockDeviceMappings[*].Ebs\nselect: $.Encrypted\nequals: true\nif-missing: fail';
    expect(
      run(check, 'BlockDeviceMappings: [{DeviceName: a, Ebs: {Encrypted: true}}, {DeviceName: b, Ebs: {VolumeSize: 8}}, {DeviceName: c, Ebs: {Encrypted: false}}]'),
    ).toEqual([
      '6:86 high custom/under-test: T0 Encrypted=not set (must equal true)',
      '6:142 high custom/under-test: T0 Encrypted=false (must equal true)',
    ]);
  });

  it('when: the check runs only where every condition holds or cannot be decided', () => {
    const check = `when:
  - select: $.Properties.Public
    equals: true
    if-missing: fail
select: $.Properties.Auth
exists: true`;
    expect(run(check, 'Public: true', 'Public: false', 'Name: x', 'Public: !ImportValue is-public')).toEqual([
      '5:5 high custom/under-test: T0 Auth=not set (must be set)',
      '17:5 high custom/under-test: T3 Auth=not set (must be set)',
    ]);
  });

  it('when: absent holds where a value may be AWS::NoValue (one branch of Fn::If), though a check on it still fails', () => {
    const conditions = `Conditions:
  Prod: !Equals [!Ref 'AWS::Region', eu-west-1]
`;
    const check = `when:
  - select: $.Properties.Hops
    absent: true
select: $.Properties.Auth
exists: true`;
    const resources = [
      '  A:\n    Type: AWS::Test::Thing\n    Properties:\n      Hops: !If [Prod, 3, !Ref AWS::NoValue]\n',
      '  B:\n    Type: AWS::Test::Thing\n    Properties:\n      Hops: 3\n',
      '  C:\n    Type: AWS::Test::Thing\n    Properties:\n      Name: x\n',
    ].join('');
    expect(lines(scan(template(resources, conditions), rulesFrom(rule(check))))).toEqual([
      '7:5 high custom/under-test: A Auth=not set (must be set)',
      '15:5 high custom/under-test: C Auth=not set (must be set)',
    ]);
    expect(lines(scan(template(resources, conditions), rulesFrom(rule('select: $.Properties.Hops\nabsent: true'))))).toEqual([
      '8:7 high custom/under-test: A Hops=3 (must not be set)',
      '12:13 high custom/under-test: B Hops=3 (must not be set)',
    ]);
  });

  it('check-level resources narrow the rule, and resource type globs match', () => {
    const text = template('  A:\n    Type: AWS::Test::Thing\n    Properties: {Mode: bad}\n  B:\n    Type: AWS::Test::Other\n    Properties: {Mode: bad}\n');
    const yaml = rule("resources: [AWS::Test::Other]\n  select: $.Properties.Mode\n  equals: good\n  if-missing: pass".replace(/\n  /g, '\n')).replace('resources: [AWS::Test::Thing]', "resources: ['AWS::Test::*']");
    expect(lines(scan(text, rulesFrom(yaml)))).toEqual(['8:24 high custom/under-test: B Mode=bad (must equal good)']);
  });

  it('graded checks report a node once: the first failing check wins', () => {
    const yaml = rule(
      ['select: $.Properties.Hops', 'less-than: 3', 'severity: medium', 'if-missing: pass'].join('\n'),
    ).concat(['      - select: $.Properties.Hops', '        less-than: 2', '        severity: low', '        if-missing: pass', ''].join('\n'));
    const findings = scan(things('Hops: 1', 'Hops: 2', 'Hops: 5'), rulesFrom(yaml));
    expect(findings.map((f) => `${f.line} ${f.severity}`)).toEqual(['10 low', '14 medium']);
  });

  it('document rules read IAM policy files, and files globs restrict where a rule runs', () => {
    const yaml = `rules:
  - id: custom/policy-version
    title: Policies declare the current version
    category: policy-validation
    severity: low
    why: Without Version 2012-10-17 policy variables are not substituted.
    fix: 'Add "Version": "2012-10-17" to the policy document.'
    documents: [iam-policy]
    files: ['policies/**']
    if-unknown: fail
    checks:
      - select: $.Version
        equals: '2012-10-17'
        if-missing: fail
        message: 'Version is {{value}} in {{file}}'
`;
    const policy = '{\n  "Version": "2008-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]\n}\n';
    const rules = rulesFrom(yaml);
    expect(lines(scan(policy, rules, 'policies/read.json'))).toEqual(['2:14 low custom/policy-version: Version is 2008-10-17 in policies/read.json']);
    expect(scan(policy, rules, 'other/read.json')).toEqual([]);
  });

  it('findings carry the resource, the JSON path and the rule metadata like a code rule', () => {
    const [finding] = scan(things('Mode: bad'), rulesFrom(rule('select: $.Properties.Mode\nequals: good\nif-missing: pass')));
    expect(finding).toMatchObject({
      ruleId: 'custom/under-test',
      category: 'custom/testing',
      severity: 'high',
      file: 'template.yaml',
      line: 6,
      column: 13,
      endLine: 6,
      endColumn: 16,
      resource: 'T0',
      path: 'Resources.T0.Properties.Mode',
      remediation: 'Change the value so that the assertion holds.',
    });
    expect(finding!.docs).toMatch(/docs\/rule-packs\.md$/);
  });
});
