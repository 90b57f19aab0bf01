import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type WaiverPolicy } from '../../src/config/index.js';
import { authorizeWaiver, permissionFromApi, resolveExpiry, type PermissionSource, type RepositoryPermission } from '../../src/waivers/authorize.js';

const policy = (overrides: Partial<WaiverPolicy> = {}): WaiverPolicy => ({ ...DEFAULT_CONFIG.waivers, ...overrides });

function source(permissions: Record<string, RepositoryPermission>, teams: Record<string, string[]> = {}, committers: string[] = []): PermissionSource & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async repositoryPermission(login) {
      calls.push(`permission ${login}`);
      return permissions[login] ?? 'none';
    },
    async isActiveTeamMember(org, team, login) {
      calls.push(`team ${org}/${team} ${login}`);
      return (teams[`${org}/${team}`] ?? []).includes(login);
    },
    async pullRequestCommitters() {
      calls.push('committers');
      return committers;
    },
  };
}

const request = (actor: string, action: 'waive' | 'unwaive' = 'waive') => ({ action, actor, pullRequestAuthor: 'author', owner: 'acme' });

describe('authorizeWaiver', () => {
  it('allows a maintainer by default', async () => {
    expect(await authorizeWaiver(policy(), request('maria'), source({ maria: 'maintain' }))).toEqual({ allowed: true, permission: 'maintain' });
  });

  it('denies a non-collaborator and a read-only user, saying why', async () => {
    expect(await authorizeWaiver(policy(), request('stranger'), source({}))).toEqual({
      allowed: false,
      reason: 'waiving needs maintain permission on this repository, and @stranger is not a collaborator on this repository',
    });
    expect(await authorizeWaiver(policy(), request('reader'), source({ reader: 'read' }))).toEqual({
      allowed: false,
      reason: 'waiving needs maintain permission on this repository, and @reader has read permission',
    });
    expect((await authorizeWaiver(policy(), request('writer'), source({ writer: 'write' }))).allowed).toBe(false);
  });

  it('denies the pull request author waiving their own findings, even as admin, unless the policy allows it', async () => {
    const permissions = source({ author: 'admin' });
    const denied = await authorizeWaiver(policy(), request('Author'), permissions);
    expect(denied).toEqual({ allowed: false, reason: expect.stringContaining('@Author opened this pull request') });
    expect(permissions.calls).toEqual([]);
    expect((await authorizeWaiver(policy({ allowAuthor: true }), request('author'), source({ author: 'admin' }))).allowed).toBe(true);
  });

  it('denies someone who committed to the pull request unless the policy allows it', async () => {
    const committers = source({ coauthor: 'admin' }, {}, ['someone', 'coauthor']);
    expect(await authorizeWaiver(policy(), request('coauthor'), committers)).toEqual({ allowed: false, reason: expect.stringContaining('authored or committed changes') });
    expect((await authorizeWaiver(policy({ allowCommitters: true }), request('coauthor'), source({ coauthor: 'admin' }, {}, ['coauthor']))).allowed).toBe(true);
  });

  it('requires active membership of one of the teams when teams are set', async () => {
    const teams = { 'acme/security': ['sam'], 'other/leads': ['lee'] };
    const p = policy({ permission: 'write', teams: ['security', 'other/leads'] });
    expect((await authorizeWaiver(p, request('sam'), source({ sam: 'write' }, teams))).allowed).toBe(true);
    expect((await authorizeWaiver(p, request('lee'), source({ lee: 'write' }, teams))).allowed).toBe(true);
    const outsider = source({ maria: 'admin' }, teams);
    expect(await authorizeWaiver(p, request('maria'), outsider)).toEqual({ allowed: false, reason: expect.stringContaining('limited to members of `security`, `other/leads`') });
    expect(outsider.calls).toEqual(['permission maria', 'team acme/security maria', 'team other/leads maria']);
  });

  it('lets the author unwaive (it only tightens), but still needs the permission', async () => {
    expect((await authorizeWaiver(policy(), request('author', 'unwaive'), source({ author: 'maintain' }))).allowed).toBe(true);
    expect((await authorizeWaiver(policy(), request('author', 'unwaive'), source({ author: 'write' }))).allowed).toBe(false);
  });

  it('fails closed when GitHub cannot be asked, and when waivers are off', async () => {
    const broken: PermissionSource = {
      repositoryPermission: async () => {
        throw new Error('HTTP 502');
      },
      isActiveTeamMember: async () => true,
      pullRequestCommitters: async () => [],
    };
    expect(await authorizeWaiver(policy(), request('maria'), broken)).toEqual({ allowed: false, reason: expect.stringContaining('could not verify @maria\'s permissions with GitHub (HTTP 502)') });
    expect((await authorizeWaiver(policy({ enabled: false }), request('maria'), source({ maria: 'admin' }))).allowed).toBe(false);
  });
});

describe('permissionFromApi', () => {
  it('prefers the precise role and falls back to the base permission for custom roles', () => {
    expect(permissionFromApi({ permission: 'write', role_name: 'maintain' })).toBe('maintain');
    expect(permissionFromApi({ permission: 'read', role_name: 'triage' })).toBe('triage');
    expect(permissionFromApi({ permission: 'write', role_name: 'security-reviewer' })).toBe('write');
    expect(permissionFromApi({ permission: 'none', role_name: '' })).toBe('none');
  });
});

describe('resolveExpiry', () => {
  const now = new Date('2026-11-28T15:00:00Z');
  it('keeps an allowed date, rejects past dates and dates beyond the maximum, defaults to the maximum', () => {
    expect(resolveExpiry('2026-11-28', {}, now)).toEqual({ ok: true, expires: '2026-11-28' });
    expect(resolveExpiry(undefined, {}, now)).toEqual({ ok: true });
    expect(resolveExpiry('2026-11-27', {}, now)).toEqual({ ok: false, reason: '2026-11-27 is in the past' });
    expect(resolveExpiry('2026-02-30', {}, now)).toEqual({ ok: false, reason: '2026-02-30 is not a date' });
    expect(resolveExpiry(undefined, { maxDays: 30 }, now)).toEqual({ ok: true, expires: '2026-12-28' });
    expect(resolveExpiry('2026-12-28', { maxDays: 30 }, now)).toEqual({ ok: true, expires: '2026-12-28' });
    expect(resolveExpiry('2026-12-29', { maxDays: 30 }, now)).toEqual({ ok: false, reason: expect.stringContaining('at most 30 days') });
  });
});
