import type { Severity } from '../../findings/severity.js';
import { consumersOf, instanceMetadata, resourceLabel, referencesFrom, sourceLabel, tokenProblems, type MetadataSourceKind } from '../../model/instance-metadata.js';
import type { RuleContext } from '../types.js';
import { guardNotes, RECOMMENDED_GUARD } from './_metadata-guards.js';

/** Why an IMDSv1 finding matters, appended to each message. */
export const V1_IMPACT =
  'IMDSv1 answers any plain GET to 169.254.169.254, so an SSRF hole or open proxy on the instance hands out its role credentials.';

/**
 * Reports the HttpTokens problems of every metadata source of one kind: `high` when IMDSv1 is allowed
 * (explicitly, through a parameter or branch, or by default), `medium` when it could not be verified.
 * Launch templates and configurations name their consumers in `related`, so the finding at the
 * template is the one place that says which groups and instances inherit it.
 */
export function reportTokenFindings(context: RuleContext, kind: MetadataSourceKind, fixHint: string): void {
  const { model, report } = context;
  const metadata = instanceMetadata(model);
  // Policies are only parsed for files that have something to report.
  let guards: ReturnType<typeof guardNotes> | undefined;
  for (const source of metadata.sources) {
    if (source.kind !== kind) continue;
    const inherits = kind === 'instance' && referencesFrom(metadata, source.resource).length > 0;
    const consumers = consumersOf(metadata, source.resource).map((reference) => ({
      node: reference.node,
      message: `${resourceLabel(reference.consumer)} launches instances from it (${reference.path})`,
    }));
    for (const problem of tokenProblems(model.resolver, source, inherits)) {
      const unverifiable = problem.kind === 'unverifiable';
      const severity: Severity = unverifiable ? 'medium' : 'high';
      report({
        node: problem.node,
        resource: source.resource.logicalId,
        severity,
        message: unverifiable
          ? `${sourceLabel(source)} may allow IMDSv1: it ${problem.detail}. ${V1_IMPACT}`
          : `${sourceLabel(source)} allows IMDSv1: it ${problem.detail}. ${V1_IMPACT}`,
        related: [...problem.related, ...consumers, ...(guards ??= guardNotes(model))],
        element: problem.kind,
        remediation: `${fixHint} ${RECOMMENDED_GUARD}`,
      });
    }
  }
}
