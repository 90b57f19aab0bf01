import { describe, expect, it } from 'vitest';
import { applySuppressions, collectSuppressions } from '../../src/engine/suppressions.js';
import { scanFiles, type InputFile } from '../../src/engine/scan.js';
import { ruleById } from '../../src/engine/all-rules.js';

const FULL_ADMIN = 'least-privilege/full-admin';
const rules = [ruleById(FULL_ADMIN)!];

const template = (suppress: string) => `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AdminRole:
    Type: AWS::IAM::Role
    Metadata:
${suppress}
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: all
          PolicyDocument:
            Statement:
              - { Effect: Allow, Action: "*", Resource: "*" }
  OtherRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: all
          PolicyDocument:
            Statement:
              - { Effect: Allow, Action: "*", Resource: "*" }
`;

const withReason = template(`      trustgate:
        suppress:
          - rule: ${FULL_ADMIN}
            reason: break-glass role, only assumable by the on-call
`);

function run(files: InputFile[], severity?: 'medium' | 'critical') {
  const options = severity === undefined ? {} : { rules: { [FULL_ADMIN]: { severity } } };
  const { findings } = scanFiles(files, options, rules);
  const collected = collectSuppressions(files);
  return { findings, collected };
}

describe('inline suppressions', () => {
  it('silence a finding below high severity on the resource they are written on, and only there', () => {
    const { findings, collected } = run([{ path: 't.yaml', text: withReason }], 'medium');
    expect(findings.map((f) => [f.resource, f.line])).toEqual([
      ['AdminRole', 19],
      ['OtherRole', 30],
    ]);
    expect(collected.suppressions).toEqual([{ file: 't.yaml', ruleId: FULL_ADMIN, reason: 'break-glass role, only assumable by the on-call', resource: 'AdminRole', line: 8 }]);
    const outcome = applySuppressions(findings, collected.suppressions);
    expect(outcome.suppressed.map((s) => s.finding.resource)).toEqual(['AdminRole']);
    expect(outcome.remaining.map((f) => f.resource)).toEqual(['OtherRole']);
    expect(outcome.requests).toEqual([]);
  });

  it('at high severity and above are only requests: the finding stays in force', () => {
    const { findings, collected } = run([{ path: 't.yaml', text: withReason }]);
    expect(findings[0]!.severity).toBe('critical');
    const outcome = applySuppressions(findings, collected.suppressions);
    expect(outcome.suppressed).toEqual([]);
    expect(outcome.remaining.map((f) => f.resource)).toEqual(['AdminRole', 'OtherRole']);
    expect(outcome.requests.map((r) => [r.finding.resource, r.suppression.reason])).toEqual([['AdminRole', 'break-glass role, only assumable by the on-call']]);
  });

  it('follow the configured ceiling, and can be turned off', () => {
    const { findings, collected } = run([{ path: 't.yaml', text: withReason }]);
    expect(applySuppressions(findings, collected.suppressions, { enabled: true, maxSeverity: 'critical' }).suppressed).toHaveLength(1);
    const { findings: medium } = run([{ path: 't.yaml', text: withReason }], 'medium');
    const off = applySuppressions(medium, collected.suppressions, { enabled: false, maxSeverity: 'critical' });
    expect(off.suppressed).toEqual([]);
    expect(off.requests).toHaveLength(1);
  });

  it('are ignored without a reason, with a problem at their line', () => {
    const text = template(`      trustgate:
        suppress:
          - rule: ${FULL_ADMIN}
          - rule: ${FULL_ADMIN}
            reason: "  "
`);
    const collected = collectSuppressions([{ path: 't.yaml', text }]);
    expect(collected.suppressions).toEqual([]);
    expect(collected.problems.map((p) => [p.line, p.message])).toEqual([
      [8, expect.stringContaining('has no `reason`')],
      [9, expect.stringContaining('has no `reason`')],
    ]);
  });

  it('at the template level cover the whole file', () => {
    const text = `Metadata:\n  trustgate:\n    suppress:\n      - { rule: ${FULL_ADMIN}, reason: sandbox account template }\n${template('      Note: none')}`.replace('AWSTemplateFormatVersion: "2010-09-09"\n', '');
    const { findings, collected } = run([{ path: 'sandbox.yaml', text: `AWSTemplateFormatVersion: "2010-09-09"\n${text}` }], 'medium');
    const outcome = applySuppressions(findings, collected.suppressions);
    expect(outcome.suppressed.map((s) => s.finding.resource)).toEqual(['AdminRole', 'OtherRole']);
  });

  it('in a policy JSON file live under a top-level "trustgate" key', () => {
    const text = JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        trustgate: { suppress: [{ rule: FULL_ADMIN, reason: 'policy for the sandbox account' }] },
      },
      null,
      2,
    );
    const { findings, collected } = run([{ path: 'policies/sandbox.json', text }], 'medium');
    expect(findings).toHaveLength(1);
    expect(collected.suppressions.map((s) => [s.file, s.resource, s.line])).toEqual([['policies/sandbox.json', undefined, 12]]);
    expect(applySuppressions(findings, collected.suppressions).suppressed).toHaveLength(1);
  });

  it('report suppressions that match nothing, and never touch a suppression in another file', () => {
    const { findings, collected } = run(
      [
        { path: 'a.yaml', text: withReason.replace(FULL_ADMIN, 'imdsv2/launch-template-imds') },
        { path: 'b.yaml', text: template('      Note: none') },
      ],
      'medium',
    );
    const outcome = applySuppressions(findings, collected.suppressions);
    expect(outcome.suppressed).toEqual([]);
    expect(outcome.remaining).toHaveLength(4);
    expect(outcome.unused.map((s) => [s.file, s.ruleId])).toEqual([['a.yaml', 'imdsv2/launch-template-imds']]);
  });
});
