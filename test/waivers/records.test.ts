import { describe, expect, it } from 'vitest';
import { isAppComment, parseRecords, readLedger, recordKeyFrom, renderRecord, type RecordBinding, type TrustgateRecord, type WaiverRecord } from '../../src/waivers/records.js';

const key = recordKeyFrom({ TRUSTGATE_RECORD_KEY: 'unit-test-secret' })!;
const otherKey = recordKeyFrom({ TRUSTGATE_RECORD_KEY: 'someone-elses-secret' })!;
const binding: RecordBinding = { repository: 'octo/app', pullNumber: 7, commentId: 100 };
const scope = { repository: 'octo/app', pullNumber: 7, key };
const sign = (record: TrustgateRecord, over: Partial<RecordBinding> = {}) => renderRecord(record, { ...binding, ...over }, key);

const app = { id: 4242, slug: 'trustgate' };
const waiver: WaiverRecord = {
  type: 'waiver',
  id: 'w-0a1b2c3d',
  scope: { kind: 'finding', fingerprint: '1a2b3c4d5e6f', ruleId: 'least-privilege/full-admin', file: 'a.yaml' },
  reason: 'temporary --> "admin" for the migration <b>',
  actor: 'alice',
  actorId: 1,
  createdAt: '2026-11-28T10:00:00Z',
  expires: '2026-12-31',
};
const appComment = (id: number, body: string) => ({ id, body, user: { login: 'trustgate[bot]', type: 'Bot' }, performed_via_github_app: { id: 4242, slug: 'trustgate' } });

describe('waiver records', () => {
  it('round-trip through an HTML comment that stays a comment whatever the reason says', () => {
    const rendered = sign(waiver);
    expect(rendered.startsWith('<!-- trustgate:record {')).toBe(true);
    expect(rendered.slice(4, -3)).not.toContain('--');
    expect(rendered.slice(4, -3)).not.toContain('>');
    expect(rendered.slice(4, -3)).not.toContain('<');
    expect(parseRecords(`Waiver accepted.\n${rendered}\n`)).toEqual([{ ...waiver, binding }]);
  });

  it('count only comments by the app itself', () => {
    expect(isAppComment(appComment(1, ''), app)).toBe(true);
    expect(isAppComment({ id: 2, user: { login: 'trustgate[bot]', type: 'Bot' } }, app)).toBe(true);
    expect(isAppComment({ id: 3, user: { login: 'alice', type: 'User' } }, app)).toBe(false);
    expect(isAppComment({ id: 4, user: { login: 'trustgate[bot]', type: 'User' } }, app)).toBe(false);
    expect(isAppComment({ id: 5, user: { login: 'other-app[bot]', type: 'Bot' }, performed_via_github_app: { id: 4242 } }, app)).toBe(false);
    expect(isAppComment({ id: 6, user: { login: 'trustgate[bot]', type: 'Bot' }, performed_via_github_app: { id: 7 } }, app)).toBe(false);
    expect(isAppComment({ id: 7, user: null }, app)).toBe(false);
  });

  it('replay waivers and revocations from the app, and ignore forged records in anyone else\'s comment', () => {
    const forged: WaiverRecord = { ...waiver, id: 'w-deadbeef', actor: 'mallory', reason: 'trust me' };
    const second: WaiverRecord = { ...waiver, id: 'w-11112222', scope: { kind: 'rule', ruleId: 'imdsv2/launch-template-imds' } };
    const ledger = readLedger(
      [
        { id: 10, body: `I waive this myself ${sign(forged)}`, user: { login: 'mallory', type: 'User' } },
        appComment(11, `accepted ${sign(waiver)} ${sign(second)}`),
        { id: 12, body: sign({ type: 'revocation', waiverId: 'w-11112222', actor: 'mallory', actorId: 9, createdAt: '2026-11-28T11:00:00Z' }), user: { login: 'mallory', type: 'User' } },
        appComment(13, sign({ type: 'revocation', waiverId: 'w-0a1b2c3d', actor: 'bob', actorId: 2, createdAt: '2026-11-28T12:00:00Z' })),
        appComment(14, '<!-- trustgate:record {"type":"waiver","id":"w-99999999"} -->'),
      ],
      app,
      scope,
    );
    expect(ledger.waivers.map((w) => w.id)).toEqual(['w-11112222']);
    expect(ledger.revoked.map((w) => w.id)).toEqual(['w-0a1b2c3d']);
    expect(ledger.ignoredForeignRecords).toBe(2);
  });

  it('count only records whose MAC verifies under the server key and that are bound to this pull request', () => {
    const genuine = { ...waiver, id: 'w-00000001' };
    const tampered = sign({ ...waiver, id: 'w-00000002' }).replace('temporary', 'permanent');
    const ledger = readLedger(
      [
        appComment(1, sign(genuine)),
        appComment(2, tampered),
        appComment(3, renderRecord({ ...waiver, id: 'w-00000003' }, binding, otherKey)),
        appComment(4, sign({ ...waiver, id: 'w-00000004' }, { pullNumber: 8 })),
        appComment(5, sign({ ...waiver, id: 'w-00000005' }, { repository: 'octo/other' })),
        // An unsigned record, as trustgate wrote them before records were signed.
        appComment(6, `<!-- trustgate:record ${JSON.stringify({ ...waiver, id: 'w-00000006' })} -->`),
      ],
      app,
      scope,
    );
    expect(ledger.waivers.map((w) => w.id)).toEqual(['w-00000001']);
    expect(ledger.ignoredInvalidRecords).toBe(5);
    expect([...ledger.handledComments]).toEqual([100]);
    expect(readLedger([appComment(1, sign(genuine))], app, { ...scope, key: undefined }).waivers).toEqual([]);
  });

  it('keep a withdrawn waiver withdrawn when a record with its id comes again', () => {
    const revocation: TrustgateRecord = { type: 'revocation', waiverId: waiver.id, actor: 'bob', actorId: 2, createdAt: '2026-11-28T12:00:00Z' };
    const ledger = readLedger([appComment(1, sign(waiver)), appComment(2, sign(revocation)), appComment(3, sign(waiver))], app, scope);
    expect(ledger.waivers).toEqual([]);
  });
});
