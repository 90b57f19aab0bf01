import { ALL_RULES, ruleById } from '../engine/all-rules.js';
import { docsUrl } from '../engine/docs-links.js';
import { unboundVocabulary } from '../engine/unbound-vocabulary.js';
import { escapeUntrusted } from '../reporters/untrusted-text.js';
import { ruleTextIn } from '../rules/types.js';
import { WAIVE_USAGE } from './commands.js';

/** The reply to `/trustgate help` and to anything `/trustgate` does not understand. */
export function helpText(): string {
  return [
    '**trustgate commands** (write each on its own line of a pull request comment):',
    '',
    '| Command | What it does |',
    '| --- | --- |',
    '| `/trustgate rerun` | Checks the pull request again with the current configuration and waivers. |',
    `| ${WAIVE_USAGE} | Accepts one finding (by the id shown in the check run) or every finding of a rule (optionally in one file) with a reason. Needs the permission set in the repository's waiver policy. |`,
    '| `/trustgate unwaive <waiver-id>` | Withdraws a waiver (ids like `w-1a2b3c4d` are listed in the check run). |',
    '| `/trustgate explain <rule-id>` | Why a rule matters and how to fix its findings. |',
    '| `/trustgate help` | This list. |',
    '',
    `Commands in quotes, code blocks, edited comments and comments by bots are ignored. More: ${docsPage('docs/commands-and-waivers.md')}.`,
  ].join('\n');
}

/** A link to a page of trustgate's docs, or its name in the package when the server links no pages. */
function docsPage(page: string): string {
  return docsUrl(page) ?? `${page} in trustgate's package`;
}

/**
 * The reply to `/trustgate explain <rule-id>`. It names no file, so where the rule's text reads differently
 * in CloudFormation's and Terraform's words (a fix that names properties), it gives both, labelled.
 */
export function explainRule(ruleId: string): { ok: true; text: string } | { ok: false; text: string } {
  const rule = ruleById(ruleId);
  if (rule === undefined) {
    const family = ruleId.split('/')[0] ?? '';
    const near = ALL_RULES.filter((candidate) => candidate.meta.id.startsWith(`${family}/`)).map((candidate) => `\`${candidate.meta.id}\``);
    return {
      ok: false,
      text: `There is no rule “${escapeUntrusted(ruleId, 120)}” in this trustgate version.${near.length > 0 ? ` Rules of ${escapeUntrusted(family, 60)}: ${near.join(', ')}.` : ' Rule ids are shown with each finding in the check run.'}`,
    };
  }
  const { meta } = rule;
  const cloudformation = ruleTextIn(meta, unboundVocabulary('cloudformation'));
  const terraform = ruleTextIn(meta, unboundVocabulary('terraform'));
  const inBoth = (heading: string, key: 'why' | 'fix') =>
    cloudformation[key] === terraform[key] ? [`**${heading}:** ${cloudformation[key]}`] : [`**${heading} (CloudFormation):** ${cloudformation[key]}`, '', `**${heading} (Terraform):** ${terraform[key]}`];
  const title = cloudformation.title === terraform.title ? meta.title : `CloudFormation: ${cloudformation.title} / Terraform: ${terraform.title}`;
  return {
    ok: true,
    text: [
      `**\`${meta.id}\` — ${title}** (${meta.category}, ${meta.severity} by default)`,
      '',
      ...inBoth('Why it matters', 'why'),
      '',
      ...inBoth('How to fix', 'fix'),
      '',
      `Details and examples: ${docsPage(meta.docs)}`,
    ].join('\n'),
  };
}
