import { createHash } from 'node:crypto';
import { managedPolicyByArn } from '../aws-data/managed-policies.js';
import { compareFindings, fingerprintOf, type Finding } from '../findings/finding.js';
import type { Severity } from '../findings/severity.js';
import { intrinsicOf } from '../model/intrinsics.js';
import type { PolicyDocument } from '../model/policy.js';
import { getKey, nodePath, pathSegments, type SourceNode } from '../parse/nodes.js';
import { stablePath } from '../findings/stable-path.js';
import { readInfrastructureFile } from '../parse/parse-file.js';
import type { SourceFile } from '../parse/source-file.js';
import { CODES, isIssueCode, SEVERITY_BY_FINDING_TYPE, type FindingType } from '../rules/policy-validation/_codes.js';
import { policyValidationRules } from '../rules/policy-validation/index.js';
import { DocumentModel } from '../model/document-model.js';
import { withDefaults, type AccessAnalyzerOptions, type EngineOptions } from '../model/options.js';
import { resolvePolicyJson, type ResolvedPolicyJson } from './resolve-policy-json.js';
import { docsUrl } from './docs-links.js';
import type { InputFile } from './scan.js';

/** One element of a location path in a ValidatePolicy finding, as the API returns it. */
export type PathElement = { index: number } | { key: string } | { value: string } | { substring: { start: number; length: number } };

export interface AnalyzerFinding {
  findingType: FindingType;
  issueCode: string;
  findingDetails: string;
  learnMoreLink?: string;
  locations: { path: PathElement[]; span?: { start: { line: number; column: number; offset: number }; end: { line: number; column: number; offset: number } } }[];
}

export type AnalyzerPolicyType = 'IDENTITY_POLICY' | 'RESOURCE_POLICY' | 'SERVICE_CONTROL_POLICY';

export interface CheckResult {
  result: 'PASS' | 'FAIL';
  message?: string;
  reasons: { description?: string; statementIndex?: number; statementId?: string }[];
}

/**
 * What the engine needs from IAM Access Analyzer and its helpers; the AWS SDK implementation lives in
 * src/integrations/aws, a test fake is a plain object. Methods throw on API failure (the caller turns
 * that into one "Access Analyzer unavailable" finding). `validatePolicy` returns every finding, all
 * pages read. `signal` aborts a request that exceeded the timeout.
 */
export interface PolicyValidationService {
  validatePolicy(input: { policyDocument: string; policyType: AnalyzerPolicyType; validatePolicyResourceType?: string }, signal?: AbortSignal): Promise<AnalyzerFinding[]>;
  /** Every CloudFormation export of the account and region: name → value. */
  listExports?(signal?: AbortSignal): Promise<Map<string, string>>;
  /** The default version's document of an AWS managed policy, or `undefined` when IAM has none. */
  getManagedPolicyDocument?(arn: string, signal?: AbortSignal): Promise<unknown>;
  checkNoNewAccess?(input: { newPolicyDocument: string; existingPolicyDocument: string; policyType: 'IDENTITY_POLICY' | 'RESOURCE_POLICY' }, signal?: AbortSignal): Promise<CheckResult>;
  checkAccessNotGranted?(input: { policyDocument: string; access: { actions?: string[]; resources?: string[] }[]; policyType: 'IDENTITY_POLICY' | 'RESOURCE_POLICY' }, signal?: AbortSignal): Promise<CheckResult>;
  checkNoPublicAccess?(input: { policyDocument: string; resourceType: string }, signal?: AbortSignal): Promise<CheckResult>;
}

export const ACCESS_ANALYZER_RULE = 'policy-validation/access-analyzer';
export const ACCESS_ANALYZER_UNAVAILABLE_RULE = 'policy-validation/access-analyzer-unavailable';
const DOCS_PAGE = 'docs/access-analyzer.md';

/** The resource types ValidatePolicy accepts as validatePolicyResourceType (AWS API model). */
const VALIDATE_RESOURCE_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::IAM::AssumeRolePolicyDocument', 'AWS::S3::AccessPoint', 'AWS::S3::Bucket', 'AWS::S3::MultiRegionAccessPoint', 'AWS::S3ObjectLambda::AccessPoint']);
/** The resource types CheckNoPublicAccess accepts (AccessCheckResourceType in the AWS API model). */
const PUBLIC_ACCESS_RESOURCE_TYPES = new Set([
  'AWS::ApiGateway::RestApi', 'AWS::Backup::BackupVault', 'AWS::CloudTrail::Dashboard', 'AWS::CloudTrail::EventDataStore', 'AWS::CodeArtifact::Domain',
  'AWS::DynamoDB::Stream', 'AWS::DynamoDB::Table', 'AWS::EFS::FileSystem', 'AWS::Kinesis::Stream', 'AWS::Kinesis::StreamConsumer', 'AWS::KMS::Key',
  'AWS::Lambda::Function', 'AWS::OpenSearchService::Domain', 'AWS::IAM::AssumeRolePolicyDocument', 'AWS::S3Express::DirectoryBucket', 'AWS::S3::AccessPoint',
  'AWS::S3::Bucket', 'AWS::S3Express::AccessPoint', 'AWS::S3::Glacier', 'AWS::S3Outposts::AccessPoint', 'AWS::S3Outposts::Bucket', 'AWS::S3Tables::Table',
  'AWS::S3Tables::TableBucket', 'AWS::SecretsManager::Secret', 'AWS::SNS::Topic', 'AWS::SQS::Queue',
]);

/** Results of ValidatePolicy by policy hash: the same policy in many files or runs is sent once. */
const MAX_CACHED = 1000;
const validationCache = new Map<string, Promise<AnalyzerFinding[]>>();

/** Forget cached ValidatePolicy results (tests; a long-running app may also call it). */
export function clearAccessAnalyzerCache(): void {
  validationCache.clear();
}

interface PolicyJob {
  policy: PolicyDocument;
  model: DocumentModel;
  resolved: ResolvedPolicyJson;
  policyType: AnalyzerPolicyType;
  resourceType?: string;
}

interface StepContext {
  service: PolicyValidationService;
  settings: Required<Pick<AccessAnalyzerOptions, 'concurrency' | 'timeoutMs'>> & AccessAnalyzerOptions;
  limit: <T>(task: (signal: AbortSignal) => Promise<T>) => Promise<T>;
  failures: string[];
  findings: Finding[];
}

/**
 * Runs IAM Access Analyzer over the same inputs the offline scan read, and merges its findings into the
 * offline ones: ValidatePolicy for every policy (policies resolved to concrete JSON first), then the
 * custom checks that are switched on. An Access Analyzer finding with the same code on the same line as
 * an offline finding is dropped (one finding per problem); findings located on a placeholder value are
 * dropped too (they judge the placeholder, not the template). Any API failure becomes ONE finding
 * "Access Analyzer unavailable: …" (info) and the offline findings stand. Never throws.
 *
 * @param base  the same files at the pull request's base, for CheckNoNewAccess; omit to skip it.
 */
export async function runAccessAnalyzer(
  inputs: readonly InputFile[],
  offlineFindings: readonly Finding[],
  partialOptions: Partial<EngineOptions>,
  service: PolicyValidationService,
  base?: readonly InputFile[],
): Promise<Finding[]> {
  const options = withDefaults(partialOptions);
  const settings = { concurrency: 4, timeoutMs: 10_000, ...(options.accessAnalyzer ?? { enabled: true }) };
  const context: StepContext = { service, settings, limit: limiter(Math.max(1, settings.concurrency), settings.timeoutMs), failures: [], findings: [] };
  try {
    const models = parseModels(inputs, options);
    const exports = settings.resolveImports ? await loadExports(context, models) : new Map<string, string>();
    const jobs = models.flatMap((model) => model.policies.map((policy) => jobFor(model, policy, exports, settings)));
    const work: Promise<void>[] = jobs.map((job) => validateJob(context, job));
    if (settings.customChecks?.checkNoPublicAccess) work.push(...jobs.map((job) => checkPublic(context, job)));
    const sensitive = settings.customChecks?.sensitiveActions ?? [];
    if (sensitive.length > 0) {
      work.push(...jobs.map((job) => checkNotGranted(context, job, sensitive)));
      work.push(...models.map((model) => checkManagedPolicies(context, model, sensitive)));
    }
    if (settings.customChecks?.checkNoNewAccess && base !== undefined) {
      const baseModels = parseModels(base, options);
      const baseJobs = baseModels.flatMap((model) => model.policies.map((policy) => jobFor(model, policy, exports, settings)));
      work.push(...noNewAccessWork(context, jobs, baseJobs));
    }
    await Promise.all(work);
  } catch (error) {
    context.failures.push(describeError(error));
  }
  return mergeFindings(offlineFindings, context, inputs);
}

/**
 * CheckNoNewAccess of each policy in `head` against the policy at the same place in `base` (same
 * file, same owner, same position among the owner's policies). Policies that did not change, and new
 * policies (nothing to compare with), are not sent. For the GitHub app: pass the base commit's files.
 */
export async function checkNoNewAccessAgainstBase(
  head: readonly InputFile[],
  base: readonly InputFile[],
  partialOptions: Partial<EngineOptions>,
  service: PolicyValidationService,
): Promise<Finding[]> {
  const options = withDefaults(partialOptions);
  const settings = { concurrency: 4, timeoutMs: 10_000, ...(options.accessAnalyzer ?? { enabled: true }) };
  const context: StepContext = { service, settings, limit: limiter(Math.max(1, settings.concurrency), settings.timeoutMs), failures: [], findings: [] };
  const exports = new Map<string, string>();
  const jobsOf = (inputs: readonly InputFile[]) => parseModels(inputs, options).flatMap((model) => model.policies.map((policy) => jobFor(model, policy, exports, settings)));
  await Promise.all(noNewAccessWork(context, jobsOf(head), jobsOf(base)));
  return mergeFindings([], context, head);
}

function parseModels(inputs: readonly InputFile[], options: EngineOptions): DocumentModel[] {
  return inputs.flatMap((input) => {
    const outcome = readInfrastructureFile(input.path, input.text);
    return outcome.status === 'parsed' ? [new DocumentModel(outcome.document, options)] : [];
  });
}

function jobFor(model: DocumentModel, policy: PolicyDocument, exports: ReadonlyMap<string, string>, settings: AccessAnalyzerOptions): PolicyJob {
  const resolved = resolvePolicyJson(policy, {
    exports,
    ...(model.template !== undefined ? { template: model.template } : {}),
    placeholders: {
      ...(settings.placeholderAccountId !== undefined ? { accountId: settings.placeholderAccountId } : {}),
      ...(settings.placeholderRegion !== undefined ? { region: settings.placeholderRegion } : {}),
    },
  });
  const policyType: AnalyzerPolicyType = policy.kind === 'identity' ? 'IDENTITY_POLICY' : policy.kind === 'scp' ? 'SERVICE_CONTROL_POLICY' : 'RESOURCE_POLICY';
  const resourceType = policy.kind === 'trust' ? 'AWS::IAM::AssumeRolePolicyDocument' : policy.resourceType;
  return { policy, model, resolved, policyType, ...(resourceType !== undefined ? { resourceType } : {}) };
}

async function loadExports(context: StepContext, models: DocumentModel[]): Promise<Map<string, string>> {
  const uses = models.some((model) => model.policies.some((policy) => containsImport(policy.node)));
  if (!uses || context.service.listExports === undefined) return new Map();
  try {
    return await context.limit((signal) => context.service.listExports!(signal));
  } catch (error) {
    context.failures.push(`ListExports: ${describeError(error)}`);
    return new Map();
  }
}

function containsImport(node: SourceNode): boolean {
  if (intrinsicOf(node)?.name === 'Fn::ImportValue') return true;
  if (node.kind === 'map') return node.entries.some((entry) => containsImport(entry.value));
  if (node.kind === 'seq') return node.items.some(containsImport);
  return false;
}

async function validateJob(context: StepContext, job: PolicyJob): Promise<void> {
  const resourceType = job.resourceType !== undefined && VALIDATE_RESOURCE_TYPES.has(job.resourceType) ? job.resourceType : undefined;
  const input = { policyDocument: job.resolved.json, policyType: job.policyType, ...(resourceType !== undefined ? { validatePolicyResourceType: resourceType } : {}) };
  const key = createHash('sha256').update(JSON.stringify(input)).digest('hex');
  let pending = validationCache.get(key);
  if (pending === undefined) {
    pending = context.limit((signal) => context.service.validatePolicy(input, signal));
    validationCache.set(key, pending);
    if (validationCache.size > MAX_CACHED) validationCache.delete(validationCache.keys().next().value!);
    // A failure is not a result: let the next run ask again.
    pending.catch(() => validationCache.delete(key));
  }
  let results: AnalyzerFinding[];
  try {
    results = await pending;
  } catch (error) {
    context.failures.push(`ValidatePolicy: ${describeError(error)}`);
    return;
  }
  for (const result of results) {
    const location = result.locations[0];
    const source = location === undefined ? { node: job.policy.node, placeholder: false } : job.resolved.sourceAt(jsonPath(location.path));
    if (source.placeholder) continue;
    const code = result.issueCode;
    const severity: Severity = isIssueCode(code) ? CODES[code].severity : (SEVERITY_BY_FINDING_TYPE[result.findingType] ?? 'low');
    const ruleId = ruleIdForCode(code);
    context.findings.push(
      findingAt(job.model.file, source.node, {
        ruleId,
        severity,
        message: `${code}: ${job.policy.owner.label}: ${result.findingDetails} (IAM Access Analyzer, ${result.findingType})`,
        element: code,
        docs: result.learnMoreLink ?? docsUrl(DOCS_PAGE),
      }),
    );
  }
}

/** JSON path of a location: keys and indexes; a trailing `value`/`substring` points into the value itself. */
function jsonPath(path: PathElement[]): (string | number)[] {
  const out: (string | number)[] = [];
  for (const element of path) {
    if ('index' in element) out.push(element.index);
    else if ('key' in element) out.push(element.key);
    else break;
  }
  return out;
}

const codeOwners = new Map<string, string>(policyValidationRules.flatMap((rule) => rule.codes.map((code): [string, string] => [code, rule.meta.id])));

function ruleIdForCode(code: string): string {
  return codeOwners.get(code) ?? ACCESS_ANALYZER_RULE;
}

async function checkPublic(context: StepContext, job: PolicyJob): Promise<void> {
  if (job.policyType !== 'RESOURCE_POLICY' || job.resourceType === undefined || !PUBLIC_ACCESS_RESOURCE_TYPES.has(job.resourceType)) return;
  if (context.service.checkNoPublicAccess === undefined) return;
  const input = { policyDocument: job.resolved.json, resourceType: job.resourceType };
  await runCheck(context, 'CheckNoPublicAccess', job, 'high', () => context.limit((signal) => context.service.checkNoPublicAccess!(input, signal)), 'makes the resource public');
}

async function checkNotGranted(context: StepContext, job: PolicyJob, actions: string[]): Promise<void> {
  if ((job.policyType !== 'IDENTITY_POLICY' && job.policyType !== 'RESOURCE_POLICY') || job.policy.kind === 'trust') return;
  if (context.service.checkAccessNotGranted === undefined) return;
  const input = { policyDocument: job.resolved.json, access: [{ actions }], policyType: job.policyType };
  await runCheck(context, 'CheckAccessNotGranted', job, 'high', () => context.limit((signal) => context.service.checkAccessNotGranted!(input, signal)), `grants a sensitive action (${actions.join(', ')})`);
}

/** CheckAccessNotGranted over the AWS managed policies a template attaches (ManagedPolicyArns). */
async function checkManagedPolicies(context: StepContext, model: DocumentModel, actions: string[]): Promise<void> {
  const template = model.template;
  if (template === undefined || context.service.checkAccessNotGranted === undefined) return;
  const work: Promise<void>[] = [];
  for (const resource of template.resources.values()) {
    for (const item of model.resolver.listItems(getKey(resource.properties, 'ManagedPolicyArns'))) {
      for (const value of model.resolver.resolve(item)) {
        const arn = value.kind === 'known' ? String(value.value) : value.kind === 'partial' ? value.text : undefined;
        if (arn === undefined || !/^arn:[^:]+:iam::aws:policy\//.test(arn.replace('${AWS::Partition}', 'aws'))) continue;
        work.push(checkManagedPolicy(context, model, item, arn.replace('${AWS::Partition}', 'aws'), actions));
      }
    }
  }
  await Promise.all(work);
}

async function checkManagedPolicy(context: StepContext, model: DocumentModel, node: SourceNode, arn: string, actions: string[]): Promise<void> {
  let document = managedPolicyByArn(arn)?.document;
  if (document === undefined && context.settings.fetchManagedPolicies && context.service.getManagedPolicyDocument !== undefined) {
    try {
      document = await context.limit((signal) => context.service.getManagedPolicyDocument!(arn, signal));
    } catch (error) {
      context.failures.push(`GetPolicy ${arn}: ${describeError(error)}`);
      return;
    }
  }
  if (document === undefined) return;
  try {
    const result = await context.limit((signal) => context.service.checkAccessNotGranted!({ policyDocument: JSON.stringify(document), access: [{ actions }], policyType: 'IDENTITY_POLICY' }, signal));
    if (result.result !== 'FAIL') return;
    context.findings.push(
      findingAt(model.file, node, {
        ruleId: ACCESS_ANALYZER_RULE,
        severity: 'high',
        message: `CheckAccessNotGranted: the AWS managed policy ${arn} grants a sensitive action (${actions.join(', ')}): ${reasonsText(result)}`,
        element: `CheckAccessNotGranted:${arn}`,
        docs: docsUrl(DOCS_PAGE),
      }),
    );
  } catch (error) {
    context.failures.push(`CheckAccessNotGranted: ${describeError(error)}`);
  }
}

function noNewAccessWork(context: StepContext, head: PolicyJob[], base: PolicyJob[]): Promise<void>[] {
  if (context.service.checkNoNewAccess === undefined) return [];
  const baseByPlace = new Map(placeKeys(base).map(([key, job]) => [key, job]));
  return placeKeys(head).flatMap(([key, job]) => {
    const previous = baseByPlace.get(key);
    if (previous === undefined || previous.resolved.json === job.resolved.json) return [];
    if (job.policyType === 'SERVICE_CONTROL_POLICY') return [];
    const input = { newPolicyDocument: job.resolved.json, existingPolicyDocument: previous.resolved.json, policyType: job.policyType as 'IDENTITY_POLICY' | 'RESOURCE_POLICY' };
    return [runCheck(context, 'CheckNoNewAccess', job, 'medium', () => context.limit((signal) => context.service.checkNoNewAccess!(input, signal)), 'grants access its base version did not')];
  });
}

/** A stable place for each policy: file, owner and position among that owner's policies. */
function placeKeys(jobs: PolicyJob[]): [string, PolicyJob][] {
  const counts = new Map<string, number>();
  return jobs.map((job) => {
    const owner = `${job.model.file.path}\u0000${job.policy.owner.resource?.logicalId ?? ''}\u0000${job.policy.kind}\u0000${job.policy.name ?? ''}`;
    const n = counts.get(owner) ?? 0;
    counts.set(owner, n + 1);
    return [`${owner}\u0000${n}`, job];
  });
}

async function runCheck(context: StepContext, check: string, job: PolicyJob, severity: Severity, call: () => Promise<CheckResult>, what: string): Promise<void> {
  let result: CheckResult;
  try {
    result = await call();
  } catch (error) {
    context.failures.push(`${check}: ${describeError(error)}`);
    return;
  }
  if (result.result !== 'FAIL') return;
  const index = result.reasons.find((reason) => reason.statementIndex !== undefined)?.statementIndex;
  const node = index === undefined ? job.policy.node : job.resolved.sourceAt(['Statement', index]).node;
  context.findings.push(
    findingAt(job.model.file, node, {
      ruleId: ACCESS_ANALYZER_RULE,
      severity,
      message: `${check}: ${job.policy.owner.label} ${what}: ${reasonsText(result)}`,
      element: check,
      docs: docsUrl(DOCS_PAGE),
    }),
  );
}

function reasonsText(result: CheckResult): string {
  const reasons = result.reasons.map((r) => r.description).filter((d): d is string => d !== undefined);
  return [result.message, ...reasons].filter((t) => t !== undefined && t !== '').join(' ') || 'the check failed.';
}

function findingAt(file: SourceFile, node: SourceNode, parts: { ruleId: string; severity: Severity; message: string; element: string; docs: string | undefined }): Finding {
  const span = file.spanOf(node.start, node.end);
  const segments = pathSegments(node);
  const resource = segments[0] === 'Resources' && typeof segments[1] === 'string' ? segments[1] : undefined;
  const path = nodePath(node);
  const fingerprint = fingerprintOf({ ruleId: parts.ruleId, file: file.path, ...(resource !== undefined ? { resource } : {}), path: stablePath(node), element: parts.element });
  return {
    id: fingerprint.slice(0, 12),
    fingerprint,
    ruleId: parts.ruleId,
    category: 'policy-validation',
    severity: parts.severity,
    file: file.path,
    ...span,
    ...(resource !== undefined ? { resource } : {}),
    ...(path !== '' ? { path } : {}),
    message: parts.message,
    docs: parts.docs,
  };
}

function mergeFindings(offline: readonly Finding[], context: StepContext, inputs: readonly InputFile[]): Finding[] {
  const codeOf = (finding: Finding): string => finding.message.split(':', 1)[0]!;
  const seen = new Set(offline.filter((f) => f.category === 'policy-validation').map((f) => `${f.file}\u0000${f.line}\u0000${codeOf(f)}`));
  const merged = [...offline];
  for (const finding of context.findings) {
    const key = `${finding.file}\u0000${finding.line}\u0000${codeOf(finding)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(finding);
  }
  if (context.failures.length > 0) merged.push(unavailableFinding(context.failures, inputs[0]?.path ?? '.'));
  return merged.sort(compareFindings);
}

function unavailableFinding(failures: string[], file: string): Finding {
  const fingerprint = fingerprintOf({ ruleId: ACCESS_ANALYZER_UNAVAILABLE_RULE, file });
  const distinct = [...new Set(failures)];
  return {
    id: fingerprint.slice(0, 12),
    fingerprint,
    ruleId: ACCESS_ANALYZER_UNAVAILABLE_RULE,
    category: 'policy-validation',
    severity: 'info',
    file,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    message: `Access Analyzer unavailable: ${distinct.slice(0, 3).join('; ')}${distinct.length > 3 ? ` (and ${distinct.length - 3} more)` : ''}. The offline policy validation results are still reported.`,
    remediation: 'Check the AWS credentials, region and network access of trustgate (docs/access-analyzer.md), then re-run.',
    docs: docsUrl(DOCS_PAGE),
  };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}`;
  return String(error);
}

/** Runs at most `concurrency` tasks at once; each is aborted and rejected after `timeoutMs`. */
function limiter(concurrency: number, timeoutMs: number): <T>(task: (signal: AbortSignal) => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = (): void => {
    if (active >= concurrency) return;
    const start = queue.shift();
    if (start !== undefined) start();
  };
  return <T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        active++;
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        const timeout = new Promise<never>((_, fail) => controller.signal.addEventListener('abort', () => fail(controller.signal.reason as Error)));
        Promise.race([task(controller.signal), timeout])
          .then(resolve, reject)
          .finally(() => {
            clearTimeout(timer);
            active--;
            next();
          });
      });
      next();
    });
}


