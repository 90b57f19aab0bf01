import type { Logger } from 'probot';
import { docsUrl } from '../engine/docs-links.js';
import { FILE_TOO_LARGE_RULE, PARSE_ERROR_RULE, scanFiles, type InputFile, type ScanResult } from '../engine/scan.js';
import { compareFindings, fingerprintOf, type Finding } from '../findings/finding.js';
import { isCandidatePath } from '../parse/classify.js';
import { MAX_FILE_BYTES } from '../parse/limits.js';
import {
  buildCheckRunReport,
  buildConfigurationErrorReport,
  buildErrorReport,
  buildInProgressOutput,
  buildNoPullRequestReport,
  DEFAULT_MAX_ANNOTATIONS,
  type CheckConclusion,
} from '../reporters/check-run.js';
import { CheckRunReporter } from './check-run-reporter.js';
import { CheckTimeoutError, describeError } from './describe-error.js';
import type { CheckTarget, FileContent, GitHubGateway } from './github-gateway.js';
import { runAccessAnalyzer, type PolicyValidationService } from '../engine/access-analyzer.js';
import type { AccessAnalyzerOptions, EngineOptions } from '../model/options.js';
import { loadEngineOptions } from './load-options.js';
import { resolveFileListSource } from './targets.js';
import { readCheckContents, removedNotReadProblem, terraformReadNote, unreadModuleFindings } from './terraform-reads.js';
import { isTerraformPath, moduleDirectory } from '../terraform/index.js';
import { isPathSelected } from '../config/resolve.js';
import { applyWaivers } from './waivers.js';
import { BaseReads } from './baseline-reads.js';
import { classifyFindings } from '../findings/baseline.js';
import { diffAccess } from '../model/access-diff.js';
import { accessAnalyzerAgreement, accessDiffMarkdown } from '../reporters/access-diff.js';
import { codeOrEscaped } from '../reporters/untrusted-text.js';

/**
 * Files longer than this are left out of the access diff: it parses both versions again in the event
 * loop's thread, which must stay quick (the engine's scan of a huge template runs in a worker thread).
 */
const ACCESS_DIFF_MAX_CHARS = 2 * 1024 * 1024;

function baseTextOf(inputs: readonly InputFile[], path: string): { base?: string } {
  const found = inputs.find((input) => input.path === path);
  return found !== undefined ? { base: found.text } : {};
}

/** Knobs of one run; the defaults suit the hosted app. */
export interface RunCheckSettings {
  /** More candidate files than this: create the run in progress first so people see it working. */
  inProgressAboveFiles: number;
  /** Set when a slow step (e.g. calls to AWS) is enabled: always create the run in progress first. */
  slowSteps: boolean;
  /** After this long the run is completed as failed, whatever is still pending. */
  timeoutMs: number;
  maxAnnotations: number;
}

export const DEFAULT_RUN_SETTINGS: RunCheckSettings = {
  // Reading and checking 200 templates takes about a second (docs/benchmarks.md): an in-progress write
  // would cost more than it shows. Above this many, reading alone takes several GraphQL batches.
  inProgressAboveFiles: 500,
  slowSteps: false,
  timeoutMs: 8 * 60_000,
  maxAnnotations: DEFAULT_MAX_ANNOTATIONS,
};

/** The replaceable steps between the engine and the outside: configuration, waivers, AWS. */
export interface CheckHooks {
  loadOptions: typeof loadEngineOptions;
  applyWaivers: typeof applyWaivers;
  /** The IAM Access Analyzer client for options that enable it (the AWS SDK's, by default). */
  policyValidation: (settings: AccessAnalyzerOptions) => PolicyValidationService | Promise<PolicyValidationService>;
  /** The engine over the files read (in this thread by default; the server's runs in worker threads, scan-pool.ts). */
  scan: (...input: Parameters<typeof scanFiles>) => ScanResult | Promise<ScanResult>;
}

export const DEFAULT_HOOKS: CheckHooks = {
  loadOptions: loadEngineOptions,
  applyWaivers,
  // The AWS SDK is loaded only for repositories that enable Access Analyzer: it is ~15 MB of resident
  // memory that every other check would carry.
  policyValidation: async (settings) => {
    const { createAwsPolicyValidationService } = await import('../integrations/aws/access-analyzer-service.js');
    return createAwsPolicyValidationService(settings.region !== undefined ? { region: settings.region } : {});
  },
  scan: scanFiles,
};

export interface CheckRunResult {
  conclusion: CheckConclusion;
  checkRunId: number | undefined;
  /** Findings that counted (after waivers); empty when the run failed before scanning. */
  findings: Finding[];
  writes: number;
}

/**
 * Checks one commit and reports the "trustgate" check run on it. Never leaves a run pending: any
 * error or a timeout completes the run as failed with text that says what happened, and is logged.
 * Rejects only when even that final write fails (then GitHub shows no run and Probot logs the error).
 * Event handlers and comment commands (re-runs) both call this.
 */
export async function runCheck(
  gateway: GitHubGateway,
  target: CheckTarget,
  logger: Logger,
  { settings = DEFAULT_RUN_SETTINGS, hooks = DEFAULT_HOOKS }: { settings?: Partial<RunCheckSettings>; hooks?: Partial<CheckHooks> } = {},
): Promise<CheckRunResult> {
  const config: RunCheckSettings = { ...DEFAULT_RUN_SETTINGS, ...settings };
  const steps: CheckHooks = { ...DEFAULT_HOOKS, ...hooks };
  const reporter = new CheckRunReporter(gateway, target);
  const progress = { stage: 'starting' };
  const log = logger.child({ owner: target.owner, repo: target.repo, sha: target.headSha, pull: target.pullNumber });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CheckTimeoutError(config.timeoutMs)), config.timeoutMs);
    });
    const result = await Promise.race([check(gateway, target, log, config, steps, reporter, progress), timeout]);
    log.info({ conclusion: result.conclusion, findings: result.findings.length, writes: reporter.writes, checkRunId: reporter.id }, 'trustgate check completed');
    return { ...result, checkRunId: reporter.id, writes: reporter.writes };
  } catch (error) {
    const what = `${describeError(error)} while ${progress.stage}`;
    log.error({ err: error, stage: progress.stage }, `trustgate check failed: ${what}`);
    await reporter.fail(buildErrorReport(what, error instanceof Error ? error.message : String(error)));
    return { conclusion: 'failure', checkRunId: reporter.id, findings: [], writes: reporter.writes };
  } finally {
    clearTimeout(timer);
  }
}

async function check(
  gateway: GitHubGateway,
  target: CheckTarget,
  logger: Logger,
  settings: RunCheckSettings,
  hooks: CheckHooks,
  reporter: CheckRunReporter,
  progress: { stage: string },
): Promise<{ conclusion: CheckConclusion; findings: Finding[] }> {
  progress.stage = 'loading the configuration';
  // The changed files are listed while the configuration loads: each step is a GitHub round trip, and
  // nothing about listing depends on the configuration. An invalid configuration still wins.
  const listing = listChanges(gateway, target);
  listing.catch(() => undefined);
  const loaded = await hooks.loadOptions({ gateway, target, logger });
  if (!loaded.ok) {
    const report = buildConfigurationErrorReport(loaded.file, loaded.message);
    await reporter.complete(report);
    return { conclusion: report.conclusion, findings: [] };
  }
  const { options } = loaded;

  progress.stage = 'listing the changed files';
  const listed = await listing;
  if (listed === undefined) {
    await reporter.complete(buildNoPullRequestReport(target.headSha));
    return { conclusion: 'neutral', findings: [] };
  }
  const { resolved, changed } = listed;
  const selected = loaded.config;
  const isSelected = (path: string) => selected === undefined || isPathSelected(selected, path);
  // Terraform is read by directory (terraform-reads.ts); a `.tf.json` is never a template.
  const terraform = changed.files.filter((file) => isTerraformPath(file.path) && isSelected(file.path)).map((file) => file.path);
  const candidates = changed.files.filter((file) => isCandidatePath(file.path) && !isTerraformPath(file.path) && isSelected(file.path));
  const analyzer = options.accessAnalyzer?.enabled === true ? options.accessAnalyzer : undefined;
  // Calls to AWS take seconds: people should see the run working while they do.
  if (settings.slowSteps || analyzer !== undefined || candidates.length + terraform.length > settings.inProgressAboveFiles) {
    progress.stage = 'creating the check run';
    await reporter.start(buildInProgressOutput(candidates.length + terraform.length));
  }

  progress.stage = 'reading the changed files';
  // The base versions ride in the same GraphQL queries as the head versions (baseline-reads.ts).
  // A template the change deletes is read at the base too: its findings are fixed ("this pull request fixes N").
  const renamedFrom = new Set(changed.files.flatMap((file) => (file.previousPath !== undefined ? [file.previousPath] : [])));
  const deleted = (changed.removed ?? []).filter((path) => !renamedFrom.has(path) && isCandidatePath(path) && !isTerraformPath(path) && isSelected(path));
  const baseReads = BaseReads.plan(candidates, resolved.baseSha, deleted);
  gateway = baseReads.attach(gateway, target.headSha);
  const removedTerraform = (changed.removed ?? []).filter((path) => isTerraformPath(path) && isSelected(path));
  const read = await readCheckContents(gateway, target, candidates.map((file) => file.path), terraform, { removed: removedTerraform, ...(resolved.baseSha !== undefined ? { baseSha: resolved.baseSha } : {}) });
  baseReads.addTerraformBase(read.terraform?.base);
  const contents = read.contents;
  if (read.terraform !== undefined) {
    const { directories, notFollowed, queries } = read.terraform;
    logger.info({ directories, notFollowed, queries }, 'read Terraform directories and the local modules they call');
  }

  progress.stage = 'checking the files';
  const inputs: InputFile[] = [];
  const tooLarge: Finding[] = [];
  for (const content of contents) {
    if (content.status === 'text') inputs.push({ path: content.path, text: content.text });
    else if (content.status === 'too-large') tooLarge.push(tooLargeFinding(content, options));
    else if (content.status === 'unreadable') tooLarge.push(unreadableFinding(content.path, content.reason, options));
    // The pull request lists the file, so GitHub answering that it has no such blob is not a pass.
    else if (content.status === 'missing') tooLarge.push(unreadableFinding(content.path, `GitHub returned no file at ${target.headSha.slice(0, 12)} for a path the pull request lists`, options));
    else tooLarge.push(unreadableFinding(content.path, 'GitHub calls it binary', options));
  }
  // Local Terraform modules this check did not read are not known to be safe.
  tooLarge.push(...unreadModuleFindings(read.terraform, options));
  const scan = await hooks.scan(inputs, options, loaded.rules);
  // A file not checked for its size (its scan ran out of the thread's memory or time, scan-pool.ts) is not
  // parsed again in this thread: not for Access Analyzer, not for the access diff.
  const notChecked = notCheckedFiles(scan.findings);
  let engineFindings = scan.findings;
  if (analyzer !== undefined) {
    progress.stage = 'asking IAM Access Analyzer';
    let base: InputFile[] | undefined;
    if (analyzer.customChecks?.checkNoNewAccess === true && resolved.baseSha !== undefined) {
      const baseScan = await baseReads.baseline(gateway, target, new Set(inputs.map((input) => input.path)), options, loaded.rules, hooks.scan);
      const baseNotChecked = notCheckedFiles(baseScan.findings);
      base = baseScan.inputs.filter((input) => !baseNotChecked.has(input.path));
    }
    engineFindings = await runAccessAnalyzer(inputs.filter((input) => !notChecked.has(input.path)), scan.findings, options, await hooks.policyValidation(analyzer), base);
  }
  // Files read only as context (a changed module's other files, the modules it calls) are judged too, unless configuration leaves them out.
  const findings = [...engineFindings, ...tooLarge].filter((finding) => isSelected(finding.file)).sort(compareFindings);

  progress.stage = 'checking the base versions';
  // Judge the change, not the file: findings already on the base are listed, not judged (gate: new).
  const gate = loaded.config?.gate ?? 'new';
  const infrastructure = new Set(scan.files.filter((file) => file.status !== 'skipped').map((file) => file.path));
  const baseline = await baseReads.baseline(gateway, target, new Set(inputs.map((input) => input.path)), options, loaded.rules, hooks.scan);
  const classification = classifyFindings(findings, baseline);
  const existing = new Set(gate === 'new' ? classification.existing : []);
  const unavailable = [...baseline.unavailable].filter(([path]) => infrastructure.has(path) || contents.some((content) => content.path === path && content.status !== 'text')).map(([, why]) => why);
  // What the change grants, per principal (model/access-diff.ts); files above the bound are left out, said so.
  const changeDiff = diffAccess(
    [
      ...inputs.filter((input) => infrastructure.has(input.path) && !notChecked.has(input.path) && input.text.length <= ACCESS_DIFF_MAX_CHARS).map((input) => ({ path: input.path, head: input.text, ...baseTextOf(baseline.inputs, input.path) })),
      // A file the change removed: a template's access is removed, a Terraform file still counts in its module's base.
      ...baseline.inputs.filter((input) => input.text.length <= ACCESS_DIFF_MAX_CHARS && !inputs.some((head) => head.path === input.path)).map((input) => ({ path: input.path, base: input.text })),
    ],
    options,
    // Terraform: the changed modules, each compared whole with its directory at the base (the modules they call were read at the head only).
    new Set([...terraform, ...removedTerraform].map(moduleDirectory)),
  );
  // With Access Analyzer's CheckNoNewAccess on, both verdicts appear: they agree, or the difference is listed.
  const agreementLines =
    analyzer?.customChecks?.checkNoNewAccess === true && resolved.baseSha !== undefined
      ? accessAnalyzerAgreement(
          changeDiff,
          findings.filter((finding) => finding.ruleId === 'policy-validation/access-analyzer' && finding.message.startsWith('CheckNoNewAccess')),
          new Set(baseline.inputs.map((input) => input.path)),
        )
      : [];

  progress.stage = 'applying waivers';
  const reviewed = await hooks.applyWaivers({
    findings,
    options,
    gateway,
    target,
    logger,
    inputs,
    changedPaths: changed.files.map((file) => file.path),
    ...(loaded.config !== undefined ? { config: loaded.config } : {}),
    ...(resolved.pullNumber !== undefined ? { pullNumber: resolved.pullNumber } : {}),
  });

  const notes = [reviewed.notes, terraformReadNote(read.terraform)].filter((note): note is string => note !== undefined);
  // A file list cut short, or Terraform directories that lost files beyond the read bound: not known to be safe.
  const blockingProblems = [changed.incompleteReason, removedNotReadProblem(read.terraform)].filter((problem): problem is string => problem !== undefined);
  progress.stage = 'reporting the check run';
  const report = buildCheckRunReport({
    findings: reviewed.findings.filter((finding) => !existing.has(finding)),
    waived: reviewed.waived,
    accessDiff: [
      ...accessDiffMarkdown(changeDiff),
      ...inputs.filter((input) => infrastructure.has(input.path) && input.text.length > ACCESS_DIFF_MAX_CHARS).map((input) => `- Not computed for ${codeOrEscaped(input.path)}: it is larger than 2 MiB of text.`),
      ...inputs.filter((input) => notChecked.has(input.path) && input.text.length <= ACCESS_DIFF_MAX_CHARS).map((input) => `- Not computed for ${codeOrEscaped(input.path)}: it was not checked (see its \`file-too-large\` finding).`),
      ...agreementLines,
    ],
    baseline: { gate, existing: reviewed.findings.filter((finding) => existing.has(finding)), fixed: classification.fixed, unavailable },
    failOn: options.failOn,
    infrastructureFiles: scan.files.filter((file) => file.status !== 'skipped').length + tooLarge.length,
    ...(blockingProblems.length > 0 ? { blockingProblems } : {}),
    lineUrl: (file, line) => `${target.htmlUrl}/blob/${target.headSha}/${file.split('/').map(encodeURIComponent).join('/')}#L${line}`,
    maxAnnotations: settings.maxAnnotations,
    ...(loaded.config?.reportOnly === true ? { reportOnly: true } : {}),
    ...(loaded.origins !== undefined ? { settingsOrigins: loaded.origins } : {}),
    ...(notes.length > 0 ? { notes: notes.join('\n\n') } : {}),
  });
  await reporter.complete(report);
  return { conclusion: report.conclusion, findings: reviewed.findings };
}

/** The pull request of the target (undefined when a commit has none) and its changed files. */
async function listChanges(gateway: GitHubGateway, target: CheckTarget) {
  const resolved = await resolveFileListSource(gateway, target);
  if (resolved === undefined) return undefined;
  // A pull request's base and head: a list of three pages may come from their comparison, in one read.
  const source = resolved.source.kind === 'pull-request' && resolved.baseSha !== undefined ? { ...resolved.source, compareWith: { base: resolved.baseSha, head: target.headSha } } : resolved.source;
  return { resolved, changed: await gateway.listChangedFiles(target, source) };
}

/** A file GitHub would not give us is not known to be safe: a blocking finding that names it. */
function unreadableFinding(path: string, reason: string, options: EngineOptions): Finding {
  const fingerprint = fingerprintOf({ ruleId: PARSE_ERROR_RULE, file: path, element: 'unreadable' });
  return {
    id: fingerprint.slice(0, 12),
    fingerprint,
    ruleId: PARSE_ERROR_RULE,
    category: 'parse-error',
    severity: options.rules[PARSE_ERROR_RULE]?.severity ?? 'high',
    file: path,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    message: `${path} could not be read from GitHub (${reason}), so it was not checked and is not known to be safe.`,
    remediation: 'Re-run the check; if it persists, check the file locally with `trustgate scan`.',
    docs: docsUrl('docs/rules/parse-error.md'),
  };
}

/** Files the engine's scan reported as not checked for their size (file-too-large): never parsed in the event loop's thread. */
function notCheckedFiles(findings: readonly Finding[]): Set<string> {
  return new Set(findings.filter((finding) => finding.ruleId === FILE_TOO_LARGE_RULE).map((finding) => finding.file));
}

/** A file too large to read is not known to be safe: it blocks as the engine's large files do, unless configuration lowers the rule. */
function tooLargeFinding(content: Extract<FileContent, { status: 'too-large' }>, options: EngineOptions): Finding {
  const fingerprint = fingerprintOf({ ruleId: FILE_TOO_LARGE_RULE, file: content.path });
  return {
    id: fingerprint.slice(0, 12),
    fingerprint,
    ruleId: FILE_TOO_LARGE_RULE,
    category: 'parse-error',
    severity: options.rules[FILE_TOO_LARGE_RULE]?.severity ?? 'high',
    file: content.path,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    message: `${content.path} was not checked: it is ${content.byteSize} bytes, larger than the ${MAX_FILE_BYTES / (1024 * 1024)} MiB trustgate reads, so it is not known to be safe.`,
    remediation: 'Split the template, or check it locally with `trustgate scan`.',
    docs: docsUrl('docs/rules/parse-error.md'),
  };
}
