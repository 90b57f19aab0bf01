import { describe, expect, it } from 'vitest';
import { scanFiles, type InputFile } from '../../src/engine/scan.js';
import { ruleById } from '../../src/engine/all-rules.js';
import { applyWaivers } from '../../src/waivers/apply.js';
import type { WaiverRecord } from '../../src/waivers/records.js';
import { reviewFindings } from '../../src/waivers/review.js';

const FULL_ADMIN = 'least-privilege/full-admin';
const rules = [ruleById(FULL_ADMIN)!];

const role = (name: string, extra = '') => `  ${name}:
    Type: AWS::IAM::Role
${extra}    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: all
          PolicyDocument:
            Statement:
              - { Effect: Allow, Action: "*", Resource: "*" }
`;
const template = (prefix = '') => `AWSTemplateFormatVersion: "2010-09-09"\n${prefix}Resources:\n${role('AdminRole')}${role('OtherRole')}`;

function waiver(overrides: Partial<WaiverRecord>): WaiverRecord {
  return { type: 'waiver', id: 'w-00000001', scope: { kind: 'rule', ruleId: FULL_ADMIN }, reason: 'ok', actor: 'maria', actorId: 1, createdAt: '2026-11-01T00:00:00Z', ...overrides };
}

const now = new Date('2026-11-28T12:00:00Z');

describe('waivers on findings', () => {
  const files: InputFile[] = [{ path: 'infra/t.yaml', text: template() }];
  const { findings } = scanFiles(files, {}, rules);

  it('match a finding by fingerprint, and keep matching when lines shift', () => {
    const admin = findings.find((f) => f.resource === 'AdminRole')!;
    const w = waiver({ scope: { kind: 'finding', fingerprint: admin.id } });
    const shifted = scanFiles([{ path: 'infra/t.yaml', text: template('Description: moved every line down\nParameters: {}\n') }], {}, rules).findings;
    expect(shifted.find((f) => f.resource === 'AdminRole')!.line).toBe(admin.line + 2);
    const outcome = applyWaivers(shifted, [w], now);
    expect(outcome.waived.map((x) => x.finding.resource)).toEqual(['AdminRole']);
    expect(outcome.remaining.map((f) => f.resource)).toEqual(['OtherRole']);
  });

  it('stop matching when the offending element changes, and are then listed as matching nothing', () => {
    const admin = findings.find((f) => f.resource === 'AdminRole')!;
    const w = waiver({ scope: { kind: 'finding', fingerprint: admin.fingerprint } });
    const renamed = scanFiles([{ path: 'infra/t.yaml', text: template().replace('AdminRole', 'PowerRole') }], {}, rules).findings;
    const outcome = applyWaivers(renamed, [w], now);
    expect(outcome.waived).toEqual([]);
    expect(outcome.unmatched).toEqual([w]);
  });

  it('by rule cover every finding of the rule, or only those in --file', () => {
    expect(applyWaivers(findings, [waiver({})], now).waived).toHaveLength(2);
    expect(applyWaivers(findings, [waiver({ scope: { kind: 'rule', ruleId: FULL_ADMIN, file: 'other.yaml' } })], now).waived).toHaveLength(0);
    expect(applyWaivers(findings, [waiver({ scope: { kind: 'rule', ruleId: FULL_ADMIN, file: 'infra/t.yaml' } })], now).waived).toHaveLength(2);
  });

  it('apply through their expiry day and stop the day after', () => {
    expect(applyWaivers(findings, [waiver({ expires: '2026-11-28' })], now).waived).toHaveLength(2);
    const expired = applyWaivers(findings, [waiver({ expires: '2026-11-27' })], now);
    expect(expired.waived).toEqual([]);
    expect(expired.remaining).toHaveLength(2);
    expect(expired.expired.map((w) => w.id)).toEqual(['w-00000001']);
  });
});

describe('reviewFindings', () => {
  it('lists who waived what, why and until when, suppressions and their requests', () => {
    const text = template().replace('  AdminRole:\n    Type: AWS::IAM::Role\n', `  AdminRole:\n    Type: AWS::IAM::Role\n    Metadata:\n      trustgate:\n        suppress: [{ rule: ${FULL_ADMIN}, reason: break-glass }]\n`);
    const files: InputFile[] = [{ path: 'infra/t.yaml', text }];
    const { findings } = scanFiles(files, {}, rules);
    const other = findings.find((f) => f.resource === 'OtherRole')!;
    const review = reviewFindings({
      findings,
      inputs: files,
      waivers: [
        waiver({ id: 'w-0000000a', scope: { kind: 'finding', fingerprint: other.id, ruleId: FULL_ADMIN, file: 'infra/t.yaml' }, reason: 'migration', expires: '2026-12-31' }),
        waiver({ id: 'w-0000000b', scope: { kind: 'rule', ruleId: 'imdsv2/launch-template-imds' }, reason: 'old' }),
        waiver({ id: 'w-0000000c', reason: 'gone', expires: '2026-01-01' }),
      ],
      inlineSuppressions: { enabled: true, maxSeverity: 'medium' },
      now,
    });
    const admin = findings.find((f) => f.resource === 'AdminRole')!;
    expect(review.findings.map((f) => f.resource)).toEqual(['AdminRole']);
    expect(review.accepted.map((a) => [a.finding.resource, a.reason])).toEqual([['OtherRole', 'waiver `w-0000000a` by @maria (until 2026-12-31): migration']]);
    expect(review.summary).toContain(`### Waivers in force (1)\n\n- \`w-0000000a\` by @maria (until 2026-12-31): migration — covers finding \`${other.id}\` (${FULL_ADMIN} in \`infra/t.yaml\`)`);
    expect(review.summary).toContain('### Waivers that match no finding (1)');
    expect(review.summary).toContain('`w-0000000b` by @maria (no expiry): old');
    expect(review.summary).toContain('### Expired waivers (1)');
    expect(review.summary).toContain(`### Suppressions that need a waiver (1)`);
    expect(review.summary).toContain(`- \`${admin.id}\` critical \`${FULL_ADMIN}\` \`infra/t.yaml:${admin.line}\` — requested: break-glass`);
  });
});
