import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CFN_CORPUS, CFN_SUMMARY, describeChanges, REGENERATE_COMMAND, renderSummary, summarizeCorpus, TF_CORPUS, TF_SUMMARY, type CorpusSummary } from '../../scripts/corpus-summary.js';

// The corpus lives outside the repository (../shared/corpus); where it is absent the snapshot cannot be checked.
const present = existsSync(CFN_CORPUS);
if (!present) console.warn(`corpus snapshot not checked: ${CFN_CORPUS} is absent (the AWS sample templates are not in this checkout)`);

describe('corpus snapshot (test/corpus/cfn-summary.json)', () => {
  it.skipIf(!present)(`matches what trustgate reports on ../shared/corpus/aws-cloudformation-templates (regenerate with ${REGENERATE_COMMAND})`, async () => {
    const summary = await summarizeCorpus();
    const committed = existsSync(CFN_SUMMARY) ? (JSON.parse(readFileSync(CFN_SUMMARY, 'utf8')) as CorpusSummary) : undefined;
    const changes = committed === undefined ? ['test/corpus/cfn-summary.json is missing'] : describeChanges(committed, summary);
    const message = `what trustgate reports on the corpus changed (${changes.length} line(s)); read each change, then regenerate with \`${REGENERATE_COMMAND}\` and commit test/corpus/cfn-summary.json:\n${changes.slice(0, 200).join('\n')}${changes.length > 200 ? `\n... and ${changes.length - 200} more` : ''}\n`;
    expect(changes, message).toEqual([]);
    // Byte-for-byte too: the file is what the script writes (order and formatting included).
    expect(readFileSync(CFN_SUMMARY, 'utf8'), `regenerate with \`${REGENERATE_COMMAND}\``).toBe(renderSummary(summary));
  });

  const terraformPresent = existsSync(TF_CORPUS);
  if (!terraformPresent) console.warn(`Terraform corpus snapshot not checked: ${TF_CORPUS} is absent`);
  it.skipIf(!terraformPresent)(`test/corpus/terraform-summary.json matches what trustgate reports on ../shared/corpus/terraform-aws-modules (regenerate with ${REGENERATE_COMMAND})`, async () => {
    const summary = await summarizeCorpus(TF_CORPUS);
    const committed = existsSync(TF_SUMMARY) ? (JSON.parse(readFileSync(TF_SUMMARY, 'utf8')) as CorpusSummary) : undefined;
    const changes = committed === undefined ? ['test/corpus/terraform-summary.json is missing'] : describeChanges(committed, summary);
    const message = `what trustgate reports on the Terraform corpus changed (${changes.length} line(s)); read each change, then regenerate with \`${REGENERATE_COMMAND}\` and commit test/corpus/terraform-summary.json:\n${changes.slice(0, 200).join('\n')}${changes.length > 200 ? `\n... and ${changes.length - 200} more` : ''}\n`;
    expect(changes, message).toEqual([]);
    expect(readFileSync(TF_SUMMARY, 'utf8'), `regenerate with \`${REGENERATE_COMMAND}\``).toBe(renderSummary(summary));
    // Every file of the corpus is read: none fails to parse.
    expect(summary.files.failed).toBe(0);
  });

  it('describes a change in a rule, a blocking file and a finding line by line', () => {
    const before: CorpusSummary = {
      corpus: 'c', regenerate: REGENERATE_COMMAND, failOn: 'high',
      files: { scanned: 2, failed: 0, skipped: 0 },
      totals: { findings: 1, blockingFiles: 1, critical: 0, high: 1, medium: 0, low: 0, info: 0 },
      byRule: { 'imdsv2/instance-imds': { high: 1 } },
      blocking: ['a.yaml'],
      findings: { 'a.yaml': ['3:5 high imdsv2/instance-imds Box'] },
    };
    const after: CorpusSummary = {
      ...before,
      totals: { ...before.totals, high: 0, low: 1, blockingFiles: 0 },
      byRule: { 'imdsv2/instance-imds': { low: 1 } },
      blocking: [],
      findings: { 'a.yaml': ['3:5 low imdsv2/instance-imds Box'] },
    };
    expect(describeChanges(before, after)).toEqual([
      'totals.blockingFiles: 1 -> 0',
      'totals.high: 1 -> 0',
      'totals.low: 0 -> 1',
      'imdsv2/instance-imds high: 1 -> 0',
      'imdsv2/instance-imds low: 0 -> 1',
      'no longer blocks: a.yaml',
      '- a.yaml 3:5 high imdsv2/instance-imds Box',
      '+ a.yaml 3:5 low imdsv2/instance-imds Box',
    ]);
  });
});
