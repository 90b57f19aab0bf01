import type { Context, ProbotOctokit } from 'probot';
import { PERMISSION_LEVELS, type PermissionLevel } from '../config/schema.js';
import { FILE_TOO_LARGE_RULE, INTERNAL_ERROR_RULE, PARSE_ERROR_RULE } from '../engine/scan.js';
import { escapeUntrusted, untrustedCodeBlock } from '../reporters/untrusted-text.js';
import { ruleById } from '../engine/all-rules.js';
import { authorizeWaiver, permissionFromApi, resolveExpiry, type AuthorizationDecision, type PermissionSource } from '../waivers/authorize.js';
import { parseCommands, type Command } from '../waivers/commands.js';
import { explainRule, helpText } from '../waivers/help.js';
import {
  bindingTag,
  recordKeyFrom,
  renderRecord,
  repositoryName,
  type RecordBinding,
  type RecordKey,
  type TrustgateRecord,
  type WaiverLedger,
  type WaiverRecord,
  type WaiverScope,
} from '../waivers/records.js';
import { describeScope, describeWaiver } from '../waivers/summary.js';
import { InMemoryDeliveryLedger, type DeliveryLedger } from './delivery-ledger.js';
import type { CheckTarget } from './github-gateway.js';
import { loadRepositoryConfig, OctokitConfigReader, type RepositoryConfig } from './repository-config.js';
import { targetFor } from './targets.js';
import { readWaiverLedger, type AppIdentityProvider } from './waiver-store.js';

type Octokit = InstanceType<typeof ProbotOctokit>;
type Reaction = '+1' | '-1' | 'confused';

export interface CommentCommandDeps {
  identity: AppIdentityProvider;
  /** Runs the trustgate check on a pull request's head (the same pipeline as the pull_request event). */
  runCheck: (target: CheckTarget) => Promise<unknown>;
  now?: () => Date;
  /** Deliveries and comments already acted on; default: one in-process ledger per app instance. */
  deliveries?: DeliveryLedger;
  /** The key records are signed with; default {@link recordKeyFrom} on the environment. */
  recordKey?: RecordKey;
  /** Waits between attempts at a write that must not be lost (the reply carrying records). */
  retryDelaysMs?: readonly number[];
}

/** Commands run from one comment; the rest are refused with one line. */
export const MAX_COMMANDS_PER_COMMENT = 20;

/** `author_association` values that name access granted on the repository: its owner, a member of its organisation, a collaborator. */
const INSIDER_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);
/** The other values GitHub documents; none of them is evidence either way in an organisation's repository. */
const OTHER_ASSOCIATIONS = new Set(['CONTRIBUTOR', 'FIRST_TIME_CONTRIBUTOR', 'FIRST_TIMER', 'NONE', 'MANNEQUIN']);

/**
 * What the webhook payload alone says about the commenter's access to the repository:
 *
 * - `inside`: OWNER, MEMBER or COLLABORATOR — access was granted (how much is asked of GitHub when it matters);
 * - `outside`: a MANNEQUIN (a placeholder for an imported, unclaimed account: it holds no permission),
 *   or anyone but OWNER and COLLABORATOR on a personal account's repository, where access comes only
 *   from being its owner or a collaborator and both are named so in the payload;
 * - `ask`: anyone else on an organisation's repository. GitHub computes the payload's association
 *   without a viewer, so it cannot see private organisation membership: a maintainer whose membership
 *   is private and who reaches the repository through a team arrives as CONTRIBUTOR, NONE or a
 *   first-time value. Only the permission API can tell them from an outsider.
 *
 * An unknown or missing value is `ask` (never trusted, never locked out).
 */
export function standingFromPayload(association: string | undefined, ownerType: string | undefined): 'inside' | 'outside' | 'ask' {
  if (association === 'MANNEQUIN') return 'outside';
  if (association !== undefined && INSIDER_ASSOCIATIONS.has(association)) return 'inside';
  if (ownerType === 'User' && association !== undefined && OTHER_ASSOCIATIONS.has(association)) return 'outside';
  return 'ask';
}

/**
 * On a public or internal repository GitHub answers `read` for everyone (every user, every member of
 * the enterprise), so `read` there is not access anyone granted: the least that counts is `triage`.
 */
function leastGranted(repository: { private?: boolean; visibility?: string }): PermissionLevel {
  return repository.private === true && repository.visibility !== 'internal' ? 'read' : 'triage';
}

/** One ledger per app instance when none is passed (the identity provider is made once per app). */
const defaultLedgers = new WeakMap<AppIdentityProvider, DeliveryLedger>();

/** What handling one command produced: a section of the reply, records to store, and how it went. */
interface CommandOutcome {
  reply?: string;
  records?: TrustgateRecord[];
  status: 'done' | 'denied' | 'not-understood';
  rerun?: boolean;
}

/** Thrown when the ledger shows this comment's commands already ran (a replay): nothing more is done. */
class AlreadyHandled extends Error {}

const ENGINE_RULES = new Set([PARSE_ERROR_RULE, FILE_TOO_LARGE_RULE, INTERNAL_ERROR_RULE]);

/**
 * `issue_comment.created` on a pull request: runs the `/trustgate` commands in it. Only new comments
 * count (an edit could otherwise turn an old comment into a command after review), bots are ignored,
 * and commands inside quotes or code are not commands. The app reacts to the comment, replies when
 * there is something to say (always for waivers), stores accepted waivers as signed records in that
 * reply, and re-runs the check at once when a waiver or `/trustgate rerun` asks for it.
 *
 * Defences (docs/commands-and-waivers.md, "Threat model"): a delivery or comment seen before is not
 * acted on again; at most {@link MAX_COMMANDS_PER_COMMENT} commands run; a commenter the payload shows
 * to have no access is ignored with no GitHub call at all, and one it cannot place ({@link standingFromPayload})
 * costs one permission call before anything else; permissions are asked once per actor and comment;
 * text from the comment is escaped in every reply; the reply carrying records is written first and
 * retried, and a failure is said.
 */
export async function handleCommentCommands(context: Context<'issue_comment.created'>, deps: CommentCommandDeps): Promise<void> {
  const { comment, issue, repository } = context.payload;
  if (issue.pull_request === undefined || issue.pull_request === null) return;
  if (comment.user === null || comment.user.type === 'Bot' || context.isBot) return;
  const parsed = parseCommands(comment.body);
  if (parsed.length === 0) return;

  const owner = repository.owner.login;
  const repo = repository.name;
  const pullNumber = issue.number;
  const actor = comment.user.login;
  const association = (comment as { author_association?: string }).author_association;
  const log = context.log.child({ owner, repo, pull: pullNumber, comment: comment.id, actor, association });

  // Commands are for people with access to the repository. Someone the payload alone shows to have none
  // is ignored before any GitHub call: no configuration read, no permission call, no reply, no reaction
  // (what the configuration says cannot widen that).
  const standing = standingFromPayload(association, (repository.owner as { type?: string }).type);
  if (standing === 'outside') {
    log.info('the commenter has no access to this repository; their commands are ignored');
    return;
  }

  // Replays: the same delivery (GitHub keeps the GUID on redelivery) or the same comment twice is ignored
  // before any GitHub call.
  let deliveries = deps.deliveries ?? defaultLedgers.get(deps.identity);
  if (deliveries === undefined) defaultLedgers.set(deps.identity, (deliveries = new InMemoryDeliveryLedger()));
  const deliveryFresh = context.id === undefined || context.id === '' ? true : await deliveries.firstSeen(`delivery:${context.id}`);
  const commentFresh = await deliveries.firstSeen(`comment:${comment.id}`);
  if (!deliveryFresh || !commentFresh) {
    log.info({ delivery: context.id }, 'delivery or comment already handled; ignored');
    return;
  }

  const commands = parsed.slice(0, MAX_COMMANDS_PER_COMMENT);
  const octokit = context.octokit as unknown as Octokit;
  const now = deps.now?.() ?? new Date();
  const key = deps.recordKey ?? recordKeyFrom();
  const binding: RecordBinding = { repository: repositoryName(owner, repo), pullNumber, commentId: comment.id };

  let config: RepositoryConfig | undefined;
  const loadConfig = async () => (config ??= await loadRepositoryConfig(new OctokitConfigReader(octokit), owner, repo));
  let pull: { author: string; headSha: string; baseSha: string | undefined } | undefined;
  const loadPull = async () => {
    if (pull === undefined) {
      const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber });
      pull = { author: data.user.login, headSha: data.head.sha, baseSha: (data.base as { sha?: string } | undefined)?.sha };
    }
    return pull;
  };
  let ledger: WaiverLedger | undefined;
  const loadLedger = async () => (ledger ??= await readWaiverLedger(octokit, { owner, repo }, pullNumber, deps.identity));
  /** The ledger says whether this comment already produced records (a replay after a restart). */
  const ensureNotHandled = async () => {
    if ((await loadLedger()).handledComments.has(comment.id)) throw new AlreadyHandled();
  };
  const permissions = memoisedPermissions(githubPermissions(octokit, owner, repo, pullNumber));
  const least = leastGranted(repository as { private?: boolean; visibility?: string });
  const decisions = new Map<'waive' | 'unwaive', Promise<AuthorizationDecision>>();
  /** One decision per action and comment, whatever the number of commands. */
  const authorize = (action: 'waive' | 'unwaive', policy: Extract<RepositoryConfig, { ok: true }>['config']['waivers']) => {
    let decision = decisions.get(action);
    if (decision === undefined) {
      // `waivers.permission: read` cannot open waivers to everyone on a public repository: read counts as granted only where GitHub grants it.
      const floored = rankOf(policy.permission) < rankOf(least) ? { ...policy, permission: least } : policy;
      decision = (async (): Promise<AuthorizationDecision> => {
        const author = floored.enabled ? (await loadPull()).author : '';
        return authorizeWaiver(floored, { action, actor, pullRequestAuthor: author, owner }, permissions);
      })();
      decisions.set(action, decision);
    }
    return decision;
  };

  const outcomes: CommandOutcome[] = [];
  let helpShown = false;
  try {
    // The payload could not tell: one permission call (the same answer serves the waiver decisions),
    // and someone with no access granted is ignored as above, before the configuration is read.
    if (standing === 'ask') {
      const permission = await permissions.repositoryPermission(actor);
      if (permission === 'none' || rankOf(permission) < rankOf(least)) {
        log.info({ permission }, 'the commenter has no access granted on this repository; their commands are ignored');
        return;
      }
    }
    for (const command of commands) outcomes.push(await handle(command));
  } catch (error) {
    if (error instanceof AlreadyHandled) {
      log.info('the ledger already holds records of this comment; its commands are not run again');
      return;
    }
    // Nothing was written yet: let a redelivery of this event try again.
    if (context.id !== undefined && context.id !== '') await deliveries.forget?.(`delivery:${context.id}`);
    await deliveries.forget?.(`comment:${comment.id}`);
    throw error;
  }
  if (parsed.length > commands.length) {
    outcomes.push({ status: 'denied', reply: `Only the first ${MAX_COMMANDS_PER_COMMENT} commands of a comment are run; the other ${parsed.length - commands.length} were ignored.` });
  }

  async function handle(command: Command): Promise<CommandOutcome> {
    switch (command.kind) {
      case 'rerun':
        return { status: 'done', rerun: true };
      case 'help':
      case 'unknown':
      case 'invalid': {
        const lead =
          command.kind === 'unknown'
            ? `“${escapeUntrusted(command.text)}” is not a trustgate command.`
            : command.kind === 'invalid'
              ? `/trustgate ${escapeUntrusted(command.command)}: ${command.problem}.`
              : undefined;
        const text = [lead, helpShown ? undefined : helpText()].filter((part) => part !== undefined).join('\n\n');
        helpShown = true;
        return { status: command.kind === 'help' ? 'done' : 'not-understood', reply: text };
      }
      case 'explain': {
        const explained = explainRule(command.ruleId);
        return { status: explained.ok ? 'done' : 'not-understood', reply: explained.text };
      }
      case 'waive':
        return waive(command);
      case 'unwaive':
        return unwaive(command.waiverId);
    }
  }

  async function policyOrDenial(what: string): Promise<{ ok: true; config: Extract<RepositoryConfig, { ok: true }>['config'] } | { ok: false; outcome: CommandOutcome }> {
    const loaded = await loadConfig();
    if (!loaded.ok) {
      return { ok: false, outcome: { status: 'denied', reply: `**${what}: not done.** The trustgate configuration cannot be used, so nobody can ${what.toLowerCase()} until it is fixed on the default branch:\n\n${untrustedCodeBlock(loaded.message)}` } };
    }
    if (key === undefined) {
      return { ok: false, outcome: { status: 'denied', reply: `**${what}: not done.** This trustgate server has no key to sign waiver records with (set TRUSTGATE_RECORD_KEY or WEBHOOK_SECRET), so it cannot record or withdraw waivers.` } };
    }
    return { ok: true, config: loaded.config };
  }

  async function waive(command: Extract<Command, { kind: 'waive' }>): Promise<CommandOutcome> {
    const subject = command.target.kind === 'finding' ? `finding \`${command.target.findingId}\`` : `rule \`${command.target.ruleId}\``;
    const policy = await policyOrDenial('Waive');
    if (!policy.ok) return policy.outcome;
    const decision = await authorize('waive', policy.config.waivers);
    if (!decision.allowed) {
      log.info({ reason: decision.reason }, 'waiver denied');
      return { status: 'denied', reply: `**Waive ${subject}: denied.** ${capitalise(decision.reason)}. Nothing was changed.` };
    }
    await ensureNotHandled();
    if (command.target.kind === 'rule' && !isKnownRule(command.target.ruleId)) {
      return { status: 'not-understood', reply: `**Waive ${subject}: not done.** There is no rule \`${command.target.ruleId}\`; rule ids are shown with each finding in the check run.` };
    }
    const expiry = resolveExpiry(command.expires, policy.config.waivers, now);
    if (!expiry.ok) return { status: 'denied', reply: `**Waive ${subject}: not done.** ${capitalise(expiry.reason)}. Nothing was changed.` };
    let scope: WaiverScope;
    if (command.target.kind === 'finding') scope = { kind: 'finding', fingerprint: command.target.findingId };
    else scope = command.file !== undefined ? { kind: 'rule', ruleId: command.target.ruleId, file: command.file } : { kind: 'rule', ruleId: command.target.ruleId };
    const record: WaiverRecord = {
      type: 'waiver',
      // Derived from the comment and the command's line, so a command run twice makes the same waiver.
      id: `w-${bindingTag(binding, `waive:${command.line}`, key!).slice(0, 8)}`,
      scope,
      reason: command.reason,
      actor,
      actorId: comment.user!.id,
      createdAt: now.toISOString(),
      commandUrl: comment.html_url,
    };
    if (expiry.expires !== undefined) record.expires = expiry.expires;
    log.info({ waiver: record.id, scope }, 'waiver accepted');
    return {
      status: 'done',
      rerun: true,
      records: [record],
      reply: `**Waiver ${describeWaiver(record)}** — accepted for ${describeScope(record)}. The check runs again now; the waiver is listed in its summary (and says so if it matches no finding). Withdraw it with \`/trustgate unwaive ${record.id}\`.`,
    };
  }

  async function unwaive(waiverId: string): Promise<CommandOutcome> {
    const policy = await policyOrDenial('Unwaive');
    if (!policy.ok) return policy.outcome;
    const decision = await authorize('unwaive', policy.config.waivers);
    if (!decision.allowed) return { status: 'denied', reply: `**Unwaive \`${waiverId}\`: denied.** ${capitalise(decision.reason.replace('waiving needs', 'unwaiving needs'))}. Nothing was changed.` };
    await ensureNotHandled();
    const waiver = (await loadLedger()).waivers.find((candidate) => candidate.id === waiverId);
    if (waiver === undefined) return { status: 'not-understood', reply: `**Unwaive \`${waiverId}\`: not done.** No waiver with that id is in force on this pull request.` };
    return {
      status: 'done',
      rerun: true,
      records: [{ type: 'revocation', waiverId, actor, actorId: comment.user!.id, createdAt: now.toISOString() }],
      reply: `**Waiver \`${waiverId}\` withdrawn** (it covered ${describeScope(waiver)}). The check runs again now.`,
    };
  }

  const sections = outcomes.flatMap((o) => (o.reply !== undefined ? [o.reply] : []));
  const records = outcomes.flatMap((o) => o.records ?? []);
  const delays = deps.retryDelaysMs ?? [200, 1000];
  let reaction: Reaction = outcomes.some((o) => o.status === 'denied') ? '-1' : outcomes.some((o) => o.status === 'not-understood') ? 'confused' : '+1';
  let rerun = outcomes.some((o) => o.rerun === true);
  if (sections.length > 0) {
    // Records ride in the reply, which only the app can author, signed with the server's key. The reply
    // is written before the reaction, and retried: a 👍 must never stand for a waiver that was not stored.
    const body = [`@${actor}`, ...sections, ...records.map((record) => renderRecord(record, binding, key!))].join('\n\n');
    const attempts = records.length > 0 ? delays.length + 1 : 1;
    const posted = await attempt(attempts, delays, () => octokit.rest.issues.createComment({ owner, repo, issue_number: pullNumber, body }));
    if (!posted.ok) {
      log.error({ err: posted.error, records: records.length }, 'the reply could not be posted');
      if (records.length > 0) {
        reaction = '-1';
        rerun = false;
        const notice = `@${actor} trustgate could not store what this comment asked for (GitHub refused the reply ${attempts} times). **Nothing was waived or withdrawn**; please send the command again.`;
        const told = await attempt(1, [], () => octokit.rest.issues.createComment({ owner, repo, issue_number: pullNumber, body: notice }));
        if (!told.ok) log.error({ err: told.error }, 'the failure notice could not be posted either');
      }
    }
  }
  const reacted = await attempt(delays.length + 1, delays, () => octokit.rest.reactions.createForIssueComment({ owner, repo, comment_id: comment.id, content: reaction }));
  if (!reacted.ok) log.warn({ err: reacted.error, reaction }, 'the reaction could not be added; the reply says what happened');
  if (rerun) {
    const { headSha, baseSha } = await loadPull();
    // The base too: a re-run judges the change as the pull request's own run does (new, existing, fixed).
    await deps.runCheck(targetFor(repository, headSha, { kind: 'pull-request', number: pullNumber }, pullNumber, baseSha));
  }
}

async function attempt<T>(times: number, delays: readonly number[], write: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let error: unknown;
  for (let index = 0; index < times; index++) {
    if (index > 0) await new Promise((resolve) => setTimeout(resolve, delays[index - 1] ?? 0));
    try {
      return { ok: true, value: await write() };
    } catch (caught) {
      error = caught;
      // A request GitHub refuses as such (other than rate limits) will be refused again.
      const status = (caught as { status?: number }).status;
      if (status !== undefined && status >= 400 && status < 500 && status !== 403 && status !== 429) break;
    }
  }
  return { ok: false, error };
}

/** The same question is asked of GitHub once per comment. */
function memoisedPermissions(source: PermissionSource): PermissionSource {
  const cache = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, ask: () => Promise<T>): Promise<T> => {
    let answer = cache.get(key) as Promise<T> | undefined;
    if (answer === undefined) cache.set(key, (answer = ask()));
    return answer;
  };
  return {
    repositoryPermission: (login) => once(`permission:${login.toLowerCase()}`, () => source.repositoryPermission(login)),
    isActiveTeamMember: (org, team, login) => once(`team:${org}/${team}:${login.toLowerCase()}`, () => source.isActiveTeamMember(org, team, login)),
    pullRequestCommitters: () => once('committers', () => source.pullRequestCommitters()),
  };
}

/** {@link PermissionSource} on GitHub's own APIs: collaborator permission, team membership, pull request commits. */
export function githubPermissions(octokit: Octokit, owner: string, repo: string, pullNumber: number): PermissionSource {
  return {
    async repositoryPermission(login) {
      try {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login });
        return permissionFromApi({ permission: data.permission, role_name: data.role_name });
      } catch (error) {
        if ((error as { status?: number }).status === 404) return 'none';
        throw error;
      }
    },
    async isActiveTeamMember(org, teamSlug, login) {
      try {
        const { data } = await octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: teamSlug, username: login });
        return data.state === 'active';
      } catch (error) {
        if ((error as { status?: number }).status === 404) return false;
        throw error;
      }
    },
    async pullRequestCommitters() {
      const commits = await octokit.paginate(octokit.rest.pulls.listCommits, { owner, repo, pull_number: pullNumber, per_page: 100 });
      const logins = new Set<string>();
      for (const commit of commits) {
        if (commit.author?.login) logins.add(commit.author.login);
        if (commit.committer?.login) logins.add(commit.committer.login);
      }
      return [...logins];
    },
  };
}

function isKnownRule(ruleId: string): boolean {
  return ruleById(ruleId) !== undefined || ENGINE_RULES.has(ruleId) || ruleId.startsWith('custom/');
}

function rankOf(permission: PermissionLevel): number {
  return PERMISSION_LEVELS.indexOf(permission);
}

function capitalise(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}
