import { randomBytes } from 'node:crypto';
import type { Context, ProbotOctokit } from 'probot';
import { FILE_TOO_LARGE_RULE, INTERNAL_ERROR_RULE, PARSE_ERROR_RULE } from '../engine/scan.js';
import { ruleById } from '../rules/index.js';
import { authorizeWaiver, permissionFromApi, resolveExpiry, type PermissionSource } from '../waivers/authorize.js';
import { parseCommands, type Command } from '../waivers/commands.js';
import { explainRule, HELP_TEXT } from '../waivers/help.js';
import { renderRecord, type TrustgateRecord, type WaiverLedger, type WaiverRecord, type WaiverScope } from '../waivers/records.js';
import { describeScope, describeWaiver } from '../waivers/summary.js';
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
}

/** What handling one command produced: a section of the reply, records to store, and how it went. */
interface CommandOutcome {
  reply?: string;
  records?: TrustgateRecord[];
  status: 'done' | 'denied' | 'not-understood';
  rerun?: boolean;
}

const ENGINE_RULES = new Set([PARSE_ERROR_RULE, FILE_TOO_LARGE_RULE, INTERNAL_ERROR_RULE]);

/**
 * `issue_comment.created` on a pull request: runs the `/trustgate` commands in it. Only new comments
 * count (an edit could otherwise turn an old comment into a command after review), bots are ignored,
 * and commands inside quotes or code are not commands. The app reacts to the comment, replies when
 * there is something to say (always for waivers), stores accepted waivers as records in that reply,
 * and re-runs the check at once when a waiver or `/trustgate rerun` asks for it.
 */
export async function handleCommentCommands(context: Context<'issue_comment.created'>, deps: CommentCommandDeps): Promise<void> {
  const { comment, issue, repository } = context.payload;
  if (issue.pull_request === undefined || issue.pull_request === null) return;
  if (comment.user === null || comment.user.type === 'Bot' || context.isBot) return;
  const commands = parseCommands(comment.body);
  if (commands.length === 0) return;

  const octokit = context.octokit as unknown as Octokit;
  const owner = repository.owner.login;
  const repo = repository.name;
  const pullNumber = issue.number;
  const actor = comment.user.login;
  const now = deps.now?.() ?? new Date();
  const log = context.log.child({ owner, repo, pull: pullNumber, comment: comment.id, actor });

  let config: RepositoryConfig | undefined;
  const loadConfig = async () => (config ??= await loadRepositoryConfig(new OctokitConfigReader(octokit), owner, repo));
  let pull: { author: string; headSha: string } | undefined;
  const loadPull = async () => {
    if (pull === undefined) {
      const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber });
      pull = { author: data.user.login, headSha: data.head.sha };
    }
    return pull;
  };
  let ledger: WaiverLedger | undefined;
  const loadLedger = async () => (ledger ??= await readWaiverLedger(octokit, { owner, repo }, pullNumber, deps.identity));
  const permissions = githubPermissions(octokit, owner, repo, pullNumber);

  const outcomes: CommandOutcome[] = [];
  let helpShown = false;
  for (const command of commands) {
    const outcome = await handle(command);
    outcomes.push(outcome);
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
            ? `\`${command.text}\` is not a trustgate command.`
            : command.kind === 'invalid'
              ? `\`/trustgate ${command.command}\`: ${command.problem}.`
              : undefined;
        const text = [lead, helpShown ? undefined : HELP_TEXT].filter((part) => part !== undefined).join('\n\n');
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
      return { ok: false, outcome: { status: 'denied', reply: `**${what}: not done.** The trustgate configuration cannot be used, so nobody can ${what.toLowerCase()} until it is fixed on the default branch:\n\n\`\`\`\n${loaded.message}\n\`\`\`` } };
    }
    return { ok: true, config: loaded.config };
  }

  async function waive(command: Extract<Command, { kind: 'waive' }>): Promise<CommandOutcome> {
    const subject = command.target.kind === 'finding' ? `finding \`${command.target.findingId}\`` : `rule \`${command.target.ruleId}\``;
    const policy = await policyOrDenial('Waive');
    if (!policy.ok) return policy.outcome;
    const { author } = await loadPull();
    const decision = await authorizeWaiver(policy.config.waivers, { action: 'waive', actor, pullRequestAuthor: author, owner }, permissions);
    if (!decision.allowed) {
      log.info({ reason: decision.reason }, 'waiver denied');
      return { status: 'denied', reply: `**Waive ${subject}: denied.** ${capitalise(decision.reason)}. Nothing was changed.` };
    }
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
      id: `w-${randomBytes(4).toString('hex')}`,
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
    const { author } = await loadPull();
    const decision = await authorizeWaiver(policy.config.waivers, { action: 'unwaive', actor, pullRequestAuthor: author, owner }, permissions);
    if (!decision.allowed) return { status: 'denied', reply: `**Unwaive \`${waiverId}\`: denied.** ${capitalise(decision.reason.replace('waiving needs', 'unwaiving needs'))}. Nothing was changed.` };
    const waiver = (await loadLedger()).waivers.find((candidate) => candidate.id === waiverId);
    if (waiver === undefined) return { status: 'not-understood', reply: `**Unwaive \`${waiverId}\`: not done.** No waiver with that id is in force on this pull request.` };
    return {
      status: 'done',
      rerun: true,
      records: [{ type: 'revocation', waiverId, actor, actorId: comment.user!.id, createdAt: now.toISOString() }],
      reply: `**Waiver \`${waiverId}\` withdrawn** (it covered ${describeScope(waiver)}). The check runs again now.`,
    };
  }

  const reaction: Reaction = outcomes.some((o) => o.status === 'denied') ? '-1' : outcomes.some((o) => o.status === 'not-understood') ? 'confused' : '+1';
  await octokit.rest.reactions.createForIssueComment({ owner, repo, comment_id: comment.id, content: reaction });

  const sections = outcomes.flatMap((o) => (o.reply !== undefined ? [o.reply] : []));
  const records = outcomes.flatMap((o) => o.records ?? []);
  if (sections.length > 0) {
    // Records ride in the reply, which only the app can author: that is what makes them trustworthy.
    const body = [`@${actor}`, ...sections, ...records.map(renderRecord)].join('\n\n');
    await octokit.rest.issues.createComment({ owner, repo, issue_number: pullNumber, body });
  }
  if (outcomes.some((o) => o.rerun === true)) {
    const { headSha } = await loadPull();
    await deps.runCheck(targetFor(repository, headSha, { kind: 'pull-request', number: pullNumber }, pullNumber));
  }
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

function capitalise(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}
