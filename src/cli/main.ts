import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runAccessAnalyzer } from '../engine/access-analyzer.js';
import { scanFiles } from '../engine/scan.js';
import { withDefaults, type EngineOptions } from '../model/options.js';
import { unreadModuleFindings } from '../app/terraform-reads.js';
import { atLeast, isSeverity, SEVERITIES, type Severity } from '../findings/severity.js';
import { renderJson } from '../reporters/json.js';
import { renderSarif } from '../reporters/sarif.js';
import { renderText } from '../reporters/text.js';
import { ALL_RULES } from '../engine/all-rules.js';
import { formatRulePackError, loadCustomRules } from '../rule-packs/custom-rules.js';
import { collectFiles } from './collect-files.js';
import { engineOptionsWithFlags, isPathSelected, readCliConfig, selectPaths } from '../config/index.js';
import { editDistance } from '../config/validate.js';
import { reviewFindings } from '../waivers/review.js';
import type { Finding } from '../findings/finding.js';
import { collectInRepository } from './git-base.js';
import { atBase, changeJson, changeText, isFolder, judgeChange, readChangeBase } from './change.js';

export const USAGE = `Usage: trustgate scan [paths...] [options]

Checks CloudFormation/SAM templates, Terraform (.tf, .tf.json, tfvars) and IAM policy JSON for risky AWS
identity and metadata settings. Paths are files or folders (walked recursively); the default is the
current folder. Each folder of Terraform files is one module (a .tf file is read with the other Terraform
files of its folder); the local modules it calls are read when they are under the given paths. Nothing is
downloaded or run.

Options:
  --format text|json|sarif       output format (default: text)
  --fail-on <severity>           exit 1 when a finding is at or above it: ${SEVERITIES.join(', ')} (default: high)
  --config FILE                  settings as in .github/trustgate.yml (flags given here win),
                                 including its customRules (docs/rule-packs.md)
  --trusted-account <id>         an AWS account id that counts as ours (repeatable)
  --org-id <o-...>               the AWS Organizations id whose accounts are trusted
  --allowed-oidc-subject <sub>   a GitHub OIDC subject pattern that may be trusted (repeatable)
  --scp-path <glob>              policy files matching it are service control policies (repeatable)
  --access-analyzer              also validate policies with IAM Access Analyzer (docs/access-analyzer.md)
  --aa-region <region>           region of the Access Analyzer API (default: AWS_REGION or the profile's)
  --aa-resolve-imports           resolve Fn::ImportValue with CloudFormation ListExports
  --aa-fetch-managed-policies    fetch AWS managed policies unknown offline with IAM GetPolicy
  --aa-check-public-access       paid check: CheckNoPublicAccess of resource policies
  --aa-sensitive-action <action> paid check: CheckAccessNotGranted of this action (repeatable)
  --base <git-ref>               judge the change: compare with the files at this commit (read with git
                                 show; nothing checked out or run); the exit code counts new findings,
                                 and the output lists existing and fixed ones and the access it adds
  --base <dir>                   or a folder: the paid CheckNoNewAccess against the same files in <dir>
  --gate new|all                 with --base <git-ref>: judge new findings only (default) or all
  --sarif-fixed absent|omit      with --base <git-ref> and --format sarif: fixed findings as results
                                 with baselineState "absent" (default), or left out (for GitHub code
                                 scanning, which would open alerts for absent results)
  -h, --help                     this help
  -v, --version                  the version of trustgate

Exit codes: 0 nothing at or above the threshold, 1 something is, 2 usage or internal error.
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs the CLI; resolves to the exit code. Never throws: internal failures are exit code 2. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    io.stderr(`trustgate: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  if (command !== 'scan') {
    io.stderr(`trustgate: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'text' },
        'fail-on': { type: 'string' },
        config: { type: 'string' },
        'trusted-account': { type: 'string', multiple: true, default: [] },
        'org-id': { type: 'string' },
        'allowed-oidc-subject': { type: 'string', multiple: true, default: [] },
        'scp-path': { type: 'string', multiple: true, default: [] },
        'access-analyzer': { type: 'boolean', default: false },
        'aa-region': { type: 'string' },
        'aa-resolve-imports': { type: 'boolean', default: false },
        'aa-fetch-managed-policies': { type: 'boolean', default: false },
        'aa-check-public-access': { type: 'boolean', default: false },
        'aa-sensitive-action': { type: 'string', multiple: true, default: [] },
        base: { type: 'string' },
        gate: { type: 'string' },
        'sarif-fixed': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.stderr(`trustgate: ${describeArgError(error, rest)}\nRun \`trustgate --help\` for the options.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const format = values.format;
  if (format !== 'text' && format !== 'json' && format !== 'sarif') {
    io.stderr(`trustgate: --format must be text, json or sarif (got "${format}")\n`);
    return 2;
  }
  const configured = await readCliConfig(values.config);
  if (!configured.ok) {
    io.stderr(`trustgate: ${configured.message}\n`);
    return 2;
  }
  for (const note of configured.notes) io.stderr(`trustgate: ${note}\n`);
  // Custom rules are validated from the file's own text, so every error names its line.
  const custom = values.config !== undefined && configured.config.customRules.length > 0 ? loadCustomRules(await readFile(values.config, 'utf8'), values.config) : { rules: [], errors: [] };
  if (custom.errors.length > 0) {
    io.stderr(`trustgate: invalid custom rules:\n${custom.errors.map(formatRulePackError).join('\n')}\n`);
    return 2;
  }
  const rules = [...ALL_RULES, ...custom.rules];
  const failOn = values['fail-on'] ?? configured.config.failOn;
  if (!isSeverity(failOn)) {
    io.stderr(`trustgate: --fail-on must be one of ${SEVERITIES.join(', ')} (got "${failOn}")\n`);
    return 2;
  }
  const badAccount = values['trusted-account'].find((account) => !/^\d{12}$/.test(account));
  if (badAccount !== undefined) {
    io.stderr(`trustgate: --trusted-account takes a 12-digit AWS account id (got "${badAccount}")\n`);
    return 2;
  }

  const orgId = values['org-id'];
  if (orgId !== undefined && !/^o-[a-z0-9]{10,32}$/.test(orgId)) {
    io.stderr(`trustgate: --org-id takes an AWS Organizations id, "o-" and 10 to 32 lowercase letters or digits (got "${orgId}")\n`);
    return 2;
  }

  const gate = values.gate ?? configured.config.gate;
  if (gate !== 'new' && gate !== 'all') {
    io.stderr(`trustgate: --gate must be new or all (got "${gate}")\n`);
    return 2;
  }
  // With --base <git-ref>, a folder or file the change removed is read at the ref (its findings are fixed).
  const baseRef = values.base !== undefined && !(await isFolder(values.base)) ? values.base : undefined;
  const sarifFixed = (values['sarif-fixed'] ?? 'absent') as 'absent' | 'omit';
  if (sarifFixed !== 'absent' && sarifFixed !== 'omit') {
    io.stderr(`trustgate: --sarif-fixed must be absent or omit (got "${sarifFixed}")\n`);
    return 2;
  }
  const { collected, repositoryPath, folders, moduleReads } = await collectInRepository(positionals.length > 0 ? positionals : ['.'], baseRef !== undefined ? { baseRef } : {});
  if (!collected.ok) {
    io.stderr(`trustgate: ${collected.error}\n`);
    return 2;
  }
  const options: Partial<EngineOptions> = engineOptionsWithFlags(configured.config, {
    failOn: failOn as Severity,
    trustedAccounts: values['trusted-account'],
    allowedOidcSubjects: values['allowed-oidc-subject'],
    scpPaths: values['scp-path'],
    ...(values['org-id'] !== undefined ? { organizationId: values['org-id'] } : {}),
  });
  const selected = selectPaths(configured.config, collected.files);
  // Scanned under their paths from the repository root, so ids equal the app's wherever the scan starts
  // (and two template.yaml in different folders never share one); reported under the paths shown today.
  const toRepository = (path: string) => repositoryPath.get(path)?.path ?? path;
  const display = new Map(selected.map((file) => [toRepository(file.path), file.path]));
  const shown = (finding: Finding): Finding => ({
    ...finding,
    file: display.get(finding.file) ?? finding.file,
    ...(finding.related !== undefined ? { related: finding.related.map((r) => ({ ...r, file: display.get(r.file) ?? r.file })) } : {}),
  });
  const inputs = selected.map((file) => ({ path: toRepository(file.path), text: file.text }));
  const baseIsFolder = values.base !== undefined && (await isFolder(values.base));
  const change =
    values.base !== undefined && !baseIsFolder ? await readChangeBase(values.base, inputs, repositoryPath, selected, folders, (path) => isPathSelected(configured.config, path)) : undefined;
  if (change !== undefined && !change.ok) {
    io.stderr(`trustgate: ${change.error}\n`);
    return 2;
  }
  // Templates deleted since the ref: their fixed findings are shown under the path they had in the scanned folder.
  for (const [path, shownAs] of change?.ok === true ? change.deleted : []) display.set(path, shownAs);
  const scan = scanFiles(inputs, options, rules);
  // A local module call the scan could not read (outside the repository, beyond a bound, no files) is a
  // low not-checked finding on its source line, as in the app: never a silent pass.
  for (const reads of moduleReads) scan.findings.push(...unreadModuleFindings(reads, withDefaults(options)));
  if (values['access-analyzer'] || options.accessAnalyzer?.enabled === true) {
    const configuredAa = options.accessAnalyzer;
    const region = values['aa-region'] ?? configuredAa?.region;
    options.accessAnalyzer = {
      ...configuredAa,
      enabled: true,
      ...(region !== undefined ? { region } : {}),
      resolveImports: values['aa-resolve-imports'] || configuredAa?.resolveImports === true,
      fetchManagedPolicies: values['aa-fetch-managed-policies'] || configuredAa?.fetchManagedPolicies === true,
      customChecks: {
        ...configuredAa?.customChecks,
        checkNoPublicAccess: values['aa-check-public-access'] || configuredAa?.customChecks?.checkNoPublicAccess === true,
        sensitiveActions: [...(configuredAa?.customChecks?.sensitiveActions ?? []), ...values['aa-sensitive-action']],
        checkNoNewAccess: values.base !== undefined,
      },
    };
    const folder = baseIsFolder ? await collectFiles([values.base!]) : undefined;
    if (folder !== undefined && !folder.ok) {
      io.stderr(`trustgate: --base: ${folder.error}\n`);
      return 2;
    }
    // The folder's files stand for the scanned files of the same relative path; a git ref's are read already.
    const base = folder?.ok === true ? { ok: true as const, files: folder.files.map((file) => ({ path: toRepository(file.path), text: file.text })) } : change?.ok === true ? { ok: true as const, files: change.inputs } : undefined;
    // Loaded only when asked for: the AWS SDK takes about a third of a second to import, more than a scan.
    const { createAwsPolicyValidationService } = await import('../integrations/aws/access-analyzer-service.js');
    const service = createAwsPolicyValidationService(region !== undefined ? { region } : {});
    scan.findings = await runAccessAnalyzer(inputs, scan.findings, options, service, base?.ok === true ? base.files : undefined);
  }
  // Inline suppressions apply locally as in the app; waivers live on pull requests, so none here.
  const review = reviewFindings({ findings: scan.findings, inputs, waivers: [], inlineSuppressions: configured.config.inlineSuppressions, now: new Date() });
  // With --base <git-ref>: new, existing and fixed findings, and what the change grants (as the app does).
  const judgedChange = change?.ok === true ? judgeChange(change, inputs, scan.findings, review.findings, options, rules, gate) : undefined;
  const judged = judgedChange?.judged ?? review.findings;
  const result = { ...scan, findings: judged.map(shown), files: scan.files.map((file) => ({ ...file, path: display.get(file.path) ?? file.path })) };
  if (review.accepted.length > 0) io.stderr(`trustgate: ${review.accepted.length} finding(s) suppressed inline (not shown)\n`);
  const scanned = result.files.filter((f) => f.status !== 'skipped').length;
  const notApplied = suppressionsNotApplied(review);
  if (format === 'json') io.stdout(judgedChange !== undefined ? changeJson(judgedChange, shown) : renderJson(result.findings));
  else if (format === 'sarif') {
    // With --base: each result says whether it is new or was on the base (SARIF baselineState), and fixed ones are `absent` results (or left out).
    const listed = judgedChange !== undefined ? [...judgedChange.judged, ...judgedChange.existing] : undefined;
    const sarifChange =
      judgedChange !== undefined && listed !== undefined
        ? { base: judgedChange.ref, states: listed.map((f) => (judgedChange.onBase.has(f) ? ('unchanged' as const) : ('new' as const))), fixed: judgedChange.fixed.map((f) => atBase(judgedChange, f, shown)), fixedAs: sarifFixed }
        : undefined;
    io.stdout(renderSarif(listed !== undefined ? listed.map(shown) : result.findings, rules, packageVersion(), sarifChange));
  }
  else io.stdout(renderText(result.findings, failOn, scanned, { reportOnly: configured.config.reportOnly, notApplied }) + (judgedChange !== undefined ? changeText(judgedChange, shown, values.base!) : ''));
  if (format !== 'text') for (const line of notApplied) io.stderr(`trustgate: inline suppression not applied: ${line}\n`);
  // A file named on the command line that is not read is a mistake (a typo, a wrong file), not a pass.
  const unread = collected.namedFiles.filter((path) => !result.files.some((f) => f.path === path && f.status !== 'skipped'));
  for (const path of unread) {
    const excluded = !selected.some((f) => f.path === path);
    io.stderr(excluded
      ? `trustgate: ${path} was named but the configuration's include/exclude leaves it out, so it was not checked\n`
      : `trustgate: ${path} is not a file trustgate reads (a CloudFormation/SAM template, an IAM policy document or Terraform), so nothing in it was checked\n`);
  }
  if (unread.length > 0) return 2;
  if (result.findings.some((f) => f.category === 'internal-error')) return 2;
  if (configured.config.reportOnly) return 0;
  return result.findings.some((f) => atLeast(f.severity, failOn)) ? 1 : 0;
}

/** The package's version; found by walking up, since this file runs from src/ in tests and dist/src/ when built. */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

const OPTION_NAMES = ['format', 'fail-on', 'config', 'trusted-account', 'org-id', 'allowed-oidc-subject', 'scp-path', 'access-analyzer', 'aa-region', 'aa-resolve-imports', 'aa-fetch-managed-policies', 'aa-check-public-access', 'aa-sensitive-action', 'base', 'gate', 'sarif-fixed', 'help', 'version'];

/** One line for a bad argument: the unknown option and the nearest real one, not Node's parser text. */
export function describeArgError(error: unknown, args: readonly string[]): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const match = /'(-{1,2}[^']*)'/.exec((error as Error).message);
    const option = match?.[1] ?? args.find((a) => a.startsWith('-')) ?? '';
    const name = option.replace(/^-+/, '').split('=')[0] ?? '';
    const nearest = OPTION_NAMES.map((candidate) => [candidate, editDistance(name, candidate)] as const).sort((a, b) => a[1] - b[1])[0];
    const hint = nearest !== undefined && nearest[1] <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean --${nearest[0]}?)` : '';
    return `unknown option ${option}${hint}`;
  }
  return ((error as Error).message ?? String(error)).split('\n')[0] ?? '';
}

/** Inline suppressions that did not silence anything, each with why: a reader who wrote one expects it to work. */
function suppressionsNotApplied(review: ReturnType<typeof reviewFindings>): string[] {
  return [
    ...review.suppressionProblems.map((p) => `${p.file}:${p.line}: ${p.message}`),
    ...review.suppressions.requests.map(({ finding, suppression }) => `${suppression.file}:${suppression.line}: ${finding.ruleId} [${finding.id}] is ${finding.severity}, above what an inline suppression may silence here; it needs a waiver (/trustgate waive on the pull request)`),
    ...review.suppressions.unused.map((s) => `${s.file}:${s.line}: ${s.ruleId} has no finding ${s.resource !== undefined ? `on ${s.resource}` : 'in this file'} (stale, or a misspelt rule id)`),
  ];
}
