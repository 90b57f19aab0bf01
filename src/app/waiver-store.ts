import type { Probot, ProbotOctokit } from 'probot';
import { CONFIG_PATH, defaultConfig, describeConfigChange, toEngineOptions, type TrustgateConfig } from '../config/index.js';
import { withDefaults } from '../model/options.js';
import type { InputFile } from '../engine/scan.js';
import type { Finding } from '../findings/finding.js';
import type { WaivedFinding } from '../reporters/check-run.js';
import { readLedger, recordKeyFrom, repositoryName, type AppIdentity, type CommentLike, type WaiverLedger } from '../waivers/records.js';
import { reviewFindings } from '../waivers/review.js';
import type { CheckTarget, GitHubGateway } from './github-gateway.js';
import { loadRepositoryConfig, OctokitConfigReader, type ConfigFileReader } from './repository-config.js';
import type { CheckHooks } from './run-check.js';

type Octokit = InstanceType<typeof ProbotOctokit>;

/** Resolves the app's own identity, whose comments alone can carry waiver records. */
export type AppIdentityProvider = () => Promise<AppIdentity>;

/**
 * The app's id and slug from GET /app (app-authenticated), asked once per process: they never change
 * while it runs. A failed lookup is not cached, so the next event tries again.
 */
export function appIdentityFrom(app: Pick<Probot, 'auth'>): AppIdentityProvider {
  let pending: Promise<AppIdentity> | undefined;
  return () => {
    pending ??= (async () => {
      const octokit = await app.auth();
      const { data } = await octokit.rest.apps.getAuthenticated();
      if (data === null || data.slug === undefined) throw new Error('GitHub did not say which app this is (GET /app)');
      return { id: data.id, slug: data.slug };
    })().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * The pull request's waivers: the records in the app's own comments on it, replayed in order. A pull
 * request's conversation is the store, so there is no database to lose, and any replica reads the same.
 */
export async function readWaiverLedger(octokit: Octokit, target: { owner: string; repo: string }, pullNumber: number, identity: AppIdentityProvider): Promise<WaiverLedger> {
  const app = await identity();
  const comments = (await octokit.paginate(octokit.rest.issues.listComments, { owner: target.owner, repo: target.repo, issue_number: pullNumber, per_page: 100 })) as CommentLike[];
  // Records verify only under the server's key (HMAC) and only for this repository and pull request.
  return readLedger(comments, app, { repository: repositoryName(target.owner, target.repo), pullNumber, key: recordKeyFrom() });
}

export interface ReviewHookInput {
  findings: readonly Finding[];
  inputs: readonly InputFile[];
  changedPaths: readonly string[];
  config: TrustgateConfig;
  gateway: GitHubGateway;
  target: CheckTarget;
  pullNumber: number | undefined;
}

export interface ReviewHookResult {
  findings: Finding[];
  waived: WaivedFinding[];
  /** Markdown for the summary: waivers, suppressions, a change to the configuration file. */
  notes: string;
}

/**
 * Applies the pull request's waivers and the inline suppressions to a run's findings, and describes a
 * change to the configuration file. Waivers are read fresh on every run, so re-runs (the Re-run
 * button, a re-requested suite, `/trustgate rerun`) always use the current ones and an expired waiver
 * stops applying at the next run.
 */
export async function reviewWithWaivers(
  octokit: Octokit,
  identity: AppIdentityProvider,
  reader: ConfigFileReader,
  input: ReviewHookInput,
  now: Date = new Date(),
): Promise<ReviewHookResult> {
  const ledger = input.pullNumber === undefined ? undefined : await readWaiverLedger(octokit, input.target, input.pullNumber, identity);
  const review = reviewFindings({
    findings: input.findings,
    inputs: input.inputs,
    waivers: ledger?.waivers ?? [],
    inlineSuppressions: input.config.inlineSuppressions,
    now,
  });
  const notes = [review.summary];
  if (input.changedPaths.includes(CONFIG_PATH)) {
    const [head] = await input.gateway.readFiles(input.target, input.target.headSha, [CONFIG_PATH]);
    const base = await reader.readDefaultBranchFile(input.target.owner, input.target.repo, CONFIG_PATH);
    notes.push(describeConfigChange(base, head?.status === 'text' ? head.text : undefined).markdown);
  }
  return {
    findings: review.findings,
    waived: review.accepted,
    notes: notes.filter((note) => note !== '').join('\n\n'),
  };
}

/**
 * The pipeline's configuration and waiver steps for a real installation: configuration from the
 * default branch (falling back to the organisation's `.github` repository, with `_extends`), waivers
 * from the app's own comments, inline suppressions from the scanned files.
 */
export function repositoryHooks(octokit: Octokit, identity: AppIdentityProvider, now: () => Date = () => new Date()): Pick<CheckHooks, 'loadOptions' | 'applyWaivers'> {
  const reader = new OctokitConfigReader(octokit);
  return {
    async loadOptions({ target }) {
      const loaded = await loadRepositoryConfig(reader, target.owner, target.repo);
      if (!loaded.ok) return { ok: false, file: loaded.file, message: loaded.message };
      return { ok: true, options: withDefaults(toEngineOptions(loaded.config)), config: loaded.config, rules: loaded.rules, origins: loaded.origins, ...(loaded.files[0] !== undefined ? { source: loaded.files[0] } : {}) };
    },
    async applyWaivers(input) {
      const result = await reviewWithWaivers(
        octokit,
        identity,
        reader,
        {
          findings: input.findings,
          inputs: input.inputs ?? [],
          changedPaths: input.changedPaths ?? [],
          config: input.config ?? defaultConfig(),
          gateway: input.gateway,
          target: input.target,
          pullNumber: input.pullNumber ?? input.target.pullNumber,
        },
        now(),
      );
      if (input.pullNumber !== undefined) input.logger.debug({ waived: result.waived.length }, 'waivers and suppressions applied');
      return result;
    },
  };
}
