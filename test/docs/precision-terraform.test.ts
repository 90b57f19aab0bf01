import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED, DRAWN_ON, drawSample, readJudgements, renderPage, TF_PRECISION } from '../../scripts/precision-sample.js';

// docs/precision-terraform.md is computed from docs/precision-terraform-judgements.json and what trustgate
// reports on the Terraform corpus (../shared/corpus, outside the repository). When a rule change adds,
// removes or regrades a finding of the sample, or changes its message, this fails until the finding is
// judged and the page is rendered again.
const RENDER = 'npx tsx scripts/precision-sample.ts --terraform --render';
const present = existsSync(TF_PRECISION.root);
if (!present) console.warn(`Terraform precision page not checked: ${TF_PRECISION.root} is absent`);

describe('Terraform precision page (docs/precision-terraform.md)', () => {
  it.skipIf(!present)(`every finding of the sample is judged, the page is what \`${RENDER}\` writes, and its text states the computed precision`, async () => {
    const sample = await drawSample(DEFAULT_SEED, TF_PRECISION);
    const judgements = readJudgements(TF_PRECISION);
    const drawn = [...sample.blocking, ...sample.medium];

    // Every high and critical finding is in the sample, and 25 medium ones.
    expect(sample.blocking.length).toBe(sample.population.blocking);
    expect(sample.medium.length).toBe(Math.min(TF_PRECISION.want.medium, sample.population.medium));

    const unjudged = drawn.filter((finding) => judgements[finding.fingerprint] === undefined).map((f) => `${f.fingerprint} ${f.file}:${f.line} ${f.ruleId} ${f.severity} ${f.resource ?? ''}`);
    expect(unjudged, `findings of the sample without a judgement in docs/precision-terraform-judgements.json (judge them, then run \`${RENDER}\`)`).toEqual([]);
    const fingerprints = new Set(drawn.map((finding) => finding.fingerprint));
    const stale = Object.keys(judgements).filter((fingerprint) => !fingerprints.has(fingerprint));
    expect(stale, 'judgements of findings that are no longer in the sample (remove them, or find what changed the finding)').toEqual([]);
    for (const [fingerprint, judgement] of Object.entries(judgements)) {
      expect(['true', 'false', 'noise'], fingerprint).toContain(judgement.verdict);
      expect(judgement.reason.trim().length, fingerprint).toBeGreaterThan(20);
    }

    const committed = readFileSync(TF_PRECISION.page, 'utf8');
    const { page } = renderPage(TF_PRECISION, sample, judgements, { seed: DEFAULT_SEED, commit: 'HEAD', dirty: false }, committed);
    // The line naming the commit it was drawn on is the only one allowed to differ.
    expect(committed.replace(DRAWN_ON, ''), `run \`${RENDER}\` and commit the page`).toBe(page.replace(DRAWN_ON, ''));

    // The hand-written part quotes the numbers: it must say what the judgements compute.
    const intro = committed.split('<!-- sample -->')[0]!;
    const good = (findings: typeof drawn) => findings.filter((finding) => judgements[finding.fingerprint]?.verdict === 'true').length;
    expect(intro).toContain(`${good(sample.blocking)} of ${sample.blocking.length} true`);
    expect(intro).toContain(`${good(sample.medium)} of ${sample.medium.length} actionable`);
  });
});
