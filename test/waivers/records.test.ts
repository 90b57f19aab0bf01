import { describe, expect, it } from 'vitest';
import { isAppComment, parseRecords, readLedger, renderRecord, type WaiverRecord } from '../../src/waivers/records.js';

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
    const rendered = renderRecord(waiver);
    expect(rendered.startsWith('<!-- trustgate:record {')).toBe(true);
    expect(rendered.slice(4, -3)).not.toContain('--');
    expect(rendered.slice(4, -3)).not.toContain('>');
    expect(parseRecords(`Waiver accepted.\n${rendered}\n`)).toEqual([waiver]);
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
        { id: 10, body: `I waive this myself ${renderRecord(forged)}`, user: { login: 'mallory', type: 'User' } },
        appComment(11, `accepted ${renderRecord(waiver)} ${renderRecord(second)}`),
        { id: 12, body: renderRecord({ type: 'revocation', waiverId: 'w-11112222', actor: 'mallory', actorId: 9, createdAt: '2026-11-28T11:00:00Z' }), user: { login: 'mallory', type: 'User' } },
        appComment(13, renderRecord({ type: 'revocation', waiverId: 'w-0a1b2c3d', actor: 'bob', actorId: 2, createdAt: '2026-11-28T12:00:00Z' })),
        appComment(14, '<!-- trustgate:record {"type":"waiver","id":"w-99999999"} -->'),
      ],
      app,
    );
    expect(ledger.waivers.map((w) => w.id)).toEqual(['w-11112222']);
    expect(ledger.revoked.map((w) => w.id)).toEqual(['w-0a1b2c3d']);
    expect(ledger.ignoredForeignRecords).toBe(2);
  });
});
