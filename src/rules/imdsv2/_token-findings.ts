import type { Severity } from '../../findings/severity.js';
import {
  amiImdsDefault,
  consumersOf,
  instanceMetadata,
  launchesWithoutProfile,
  reliesOnDefault,
  resourceLabel,
  referencesFrom,
  sourceLabel,
  tokenProblems,
  type AmiImdsDefault,
  type MetadataSource,
  type MetadataSourceKind,
  type TokenProblem,
} from '../../model/instance-metadata.js';
import type { Vocabulary } from '../../model/vocabulary.js';
import type { RuleContext } from '../types.js';
import { guardNotes, RECOMMENDED_GUARD } from './_metadata-guards.js';

/** Why an IMDSv1 finding matters, appended to each message. */
export const V1_IMPACT =
  'IMDSv1 answers any plain GET to 169.254.169.254, so an SSRF hole or open proxy on the instance hands out its role credentials.';

/** The impact for an instance without an instance profile: IMDS holds no role credentials for it. */
export const V1_IMPACT_NO_PROFILE =
  'The instance has no instance profile, so IMDS holds no role credentials for it; IMDSv1 still answers any plain GET to 169.254.169.254, so an SSRF hole or open proxy on the instance can read its user data (which often carries secrets) and metadata.';

/** What a source leaves to the default, for messages. */
function unsetText(source: MetadataSource, problem: TokenProblem): string {
  const words = source.resource.vocabulary;
  const optionsPath = words.property(source.resource, source.optionsPath);
  if (problem.kind === 'options-absent') return source.optionsNode === undefined ? `sets no ${optionsPath}` : `removes ${words.removed(optionsPath)}`;
  return `leaves ${httpTokensOf(source)} unset`;
}

/** `HttpTokens required` of the account-level defaults, in their language's words (`http_tokens required`). */
function accountSetting(account: NonNullable<AmiImdsDefault['account']>): string {
  const [name, value] = account.setting.split(' ') as [string, string];
  return `${account.resource.vocabulary.field(account.resource, name)} ${value}`;
}

/** `HttpTokens` as the source's language names it. */
function httpTokensOf(source: MetadataSource): string {
  return source.resource.vocabulary.field(source.resource, `${source.optionsPath}.HttpTokens`);
}

/** The low finding for a launch that leaves HttpTokens to an AMI registered with ImdsSupport v2.0. */
export function amiDefaultMessage(source: MetadataSource, problem: TokenProblem, ami: AmiImdsDefault): string {
  if (ami.account !== undefined) {
    const what = ami.account.setting === 'HttpEndpoint disabled' ? 'disables the metadata endpoint' : `requires IMDSv2 (${accountSetting(ami.account)})`;
    return (
      `${sourceLabel(source)} relies on the account-level IMDS default: it ${unsetText(source, problem)}, and ${ami.account.resource.logicalId} ${what} as the ` +
      `default for new instances of the region, so instances launch without IMDSv1 unless that default is changed. ` +
      `Set ${httpTokensOf(source)} to required in its own metadata options so a change of the account default cannot downgrade it.`
    );
  }
  return (
    `${sourceLabel(source)} relies on the AMI's default for IMDSv2: it ${unsetText(source, problem)}, and its AMI is ${ami.family.family} (${ami.how}), ` +
    `registered with ImdsSupport v2.0, so instances launch with ${httpTokensOf(source)} required unless the account-level IMDS default says otherwise. ` +
    `Set ${source.resource.vocabulary.setting(httpTokensOf(source), 'required')} so an AMI change cannot downgrade it.`
  );
}

/**
 * Reports the HttpTokens problems of every metadata source of one kind: `high` when IMDSv1 is allowed
 * (explicitly, through a parameter or branch, or by default), `medium` when it could not be verified or
 * the instance has no instance profile (no credentials to steal), `low` when HttpTokens is left to an AMI
 * registered with ImdsSupport v2.0 (src/aws-data/ami-imds-support.json).
 * Launch templates and configurations name their consumers in `related`, so the finding at the
 * template is the one place that says which groups and instances inherit it.
 */
export function reportTokenFindings(context: RuleContext, kind: MetadataSourceKind, fixHint: (words: Vocabulary, resource: string) => string): void {
  const { model, report } = context;
  const metadata = instanceMetadata(model);
  // Policies are only parsed for files that have something to report.
  let guards: ReturnType<typeof guardNotes> | undefined;
  for (const source of metadata.sources) {
    if (source.kind !== kind) continue;
    const inherits = kind === 'instance' && referencesFrom(metadata, source.resource).length > 0;
    const consumers = consumersOf(metadata, source.resource).map((reference) => ({
      node: reference.node,
      message: `${resourceLabel(reference.consumer)} launches instances from it (${reference.consumer.vocabulary.property(reference.consumer, reference.path)})`,
    }));
    const problems = tokenProblems(model.resolver, source, inherits);
    const ami = problems.some(reliesOnDefault) ? amiImdsDefault(model, source) : undefined;
    const noProfile = problems.length > 0 && launchesWithoutProfile(model, source);
    const remediation = `${fixHint(source.resource.vocabulary, source.resource.logicalId)} ${RECOMMENDED_GUARD}`;
    for (const problem of problems) {
      const unverifiable = problem.kind === 'unverifiable';
      if (ami !== undefined && reliesOnDefault(problem)) {
        report({
          node: problem.node,
          resource: source.resource.logicalId,
          severity: 'low',
          message: amiDefaultMessage(source, problem, ami),
          related: [{ node: ami.node, message: ami.account !== undefined ? `${ami.account.resource.logicalId}: ${accountSetting(ami.account)}, the account-level default (${ami.family.source})` : `${ami.family.family} AMI, registered with ImdsSupport v2.0 (${ami.family.source})` }, ...problem.related, ...consumers],
          element: problem.kind,
          remediation,
        });
        continue;
      }
      // Without an instance profile IMDSv1 exposes user data and metadata, not credentials: below high.
      const severity: Severity = unverifiable || noProfile ? 'medium' : 'high';
      const impact = noProfile ? V1_IMPACT_NO_PROFILE : V1_IMPACT;
      report({
        node: problem.node,
        resource: source.resource.logicalId,
        severity,
        message: unverifiable
          ? `${sourceLabel(source)} may allow IMDSv1: it ${problem.detail}. ${impact}`
          : `${sourceLabel(source)} allows IMDSv1: it ${problem.detail}. ${impact}`,
        related: [...problem.related, ...consumers, ...(guards ??= guardNotes(model))],
        element: problem.kind,
        remediation,
      });
    }
  }
}
