import type { WaiverPolicy } from '../config/config.js';
import { PERMISSION_LEVELS, type PermissionLevel } from '../config/schema.js';

export type RepositoryPermission = PermissionLevel | 'none';

/**
 * What authorisation asks GitHub, and nothing more. The app implements it with the collaborator
 * permission and team membership APIs; tests with plain values. Methods may throw on API failure:
 * the decision then fails closed.
 */
export interface PermissionSource {
  /** The user's permission on the repository; `none` when they are not a collaborator. */
  repositoryPermission(login: string): Promise<RepositoryPermission>;
  /** Is the user an active (not pending) member of the team `org/teamSlug`? */
  isActiveTeamMember(org: string, teamSlug: string, login: string): Promise<boolean>;
  /** Logins of the pull request's commit authors and committers (GitHub accounts only). */
  pullRequestCommitters(): Promise<string[]>;
}

export interface AuthorizationRequest {
  action: 'waive' | 'unwaive';
  actor: string;
  /** Who opened the pull request. */
  pullRequestAuthor: string;
  /** The repository owner, where bare team slugs are looked up. */
  owner: string;
}

export type AuthorizationDecision = { allowed: true; permission: RepositoryPermission } | { allowed: false; reason: string };

/**
 * Reads GitHub's answer from GET /repos/{owner}/{repo}/collaborators/{username}/permission. `role_name`
 * is the precise role (it knows triage and maintain); custom roles fall back to their base `permission`.
 */
export function permissionFromApi(data: { permission?: string | null; role_name?: string | null }): RepositoryPermission {
  const known = (value: string | null | undefined): value is PermissionLevel => (PERMISSION_LEVELS as readonly string[]).includes(value ?? '');
  if (known(data.role_name)) return data.role_name;
  if (known(data.permission)) return data.permission;
  return 'none';
}

function rank(permission: RepositoryPermission): number {
  return permission === 'none' ? -1 : PERMISSION_LEVELS.indexOf(permission);
}

/**
 * Decides whether `actor` may waive (or unwaive) findings of this pull request under the repository's
 * waiver policy, asking GitHub itself. Order of the checks: the author rule (free), the repository
 * permission, team membership, then the committer rule (the one that lists commits). Unwaiving only
 * makes the check stricter, so the author and committer rules do not apply to it. Never throws: a
 * failed lookup is a denial that says so.
 */
export async function authorizeWaiver(policy: WaiverPolicy, request: AuthorizationRequest, source: PermissionSource): Promise<AuthorizationDecision> {
  if (!policy.enabled) return { allowed: false, reason: 'waivers are turned off for this repository (`waivers.enabled: false` in .github/trustgate.yml)' };
  const actor = request.actor;
  const loosening = request.action === 'waive';
  if (loosening && !policy.allowAuthor && sameLogin(actor, request.pullRequestAuthor)) {
    return { allowed: false, reason: `@${actor} opened this pull request, and its findings must be waived by someone else (\`waivers.allowAuthor\` is false)` };
  }
  try {
    const permission = await source.repositoryPermission(actor);
    if (rank(permission) < rank(policy.permission)) {
      const has = permission === 'none' ? 'is not a collaborator on this repository' : `has ${permission} permission`;
      return { allowed: false, reason: `waiving needs ${policy.permission} permission on this repository, and @${actor} ${has}` };
    }
    if (policy.teams.length > 0) {
      let member = false;
      for (const team of policy.teams) {
        const [org, slug] = team.includes('/') ? (team.split('/', 2) as [string, string]) : [request.owner, team];
        if (await source.isActiveTeamMember(org, slug, actor)) {
          member = true;
          break;
        }
      }
      if (!member) {
        return { allowed: false, reason: `waiving is limited to members of ${policy.teams.map((t) => `\`${t}\``).join(', ')}, and @${actor} is not an active member of any` };
      }
    }
    if (loosening && !policy.allowCommitters) {
      const committers = await source.pullRequestCommitters();
      if (committers.some((login) => sameLogin(login, actor))) {
        return { allowed: false, reason: `@${actor} authored or committed changes in this pull request, and its findings must be waived by someone else (\`waivers.allowCommitters\` is false)` };
      }
    }
    return { allowed: true, permission };
  } catch (error) {
    return { allowed: false, reason: `trustgate could not verify @${actor}'s permissions with GitHub (${error instanceof Error ? error.message : String(error)}); nothing was changed, try again later` };
  }
}

function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export type ExpiryDecision = { ok: true; expires?: string } | { ok: false; reason: string };

/**
 * The expiry date a waiver gets: the requested one if allowed, else the policy's maximum when it has
 * one. Dates are whole days in UTC; a waiver applies through its expiry day.
 */
export function resolveExpiry(requested: string | undefined, policy: Pick<WaiverPolicy, 'maxDays'>, now: Date): ExpiryDecision {
  const today = now.toISOString().slice(0, 10);
  const latest = policy.maxDays === undefined ? undefined : addDays(today, policy.maxDays);
  if (requested === undefined) return latest === undefined ? { ok: true } : { ok: true, expires: latest };
  const parsed = new Date(`${requested}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== requested) return { ok: false, reason: `${requested} is not a date` };
  if (requested < today) return { ok: false, reason: `${requested} is in the past` };
  if (latest !== undefined && requested > latest) {
    return { ok: false, reason: `waivers last at most ${policy.maxDays} days here (until ${latest}); ${requested} is later` };
  }
  return { ok: true, expires: requested };
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
