import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CFN_PRECISION, DEFAULT_SEED, DRAWN_ON, drawSample, readJudgements, renderPage, sampleOf, TF_PRECISION, type PrecisionCorpus } from '../../scripts/precision-sample.js';
import { REPO_ROOT } from '../../scripts/corpus-summary.js';
import type { Finding } from '../../src/findings/finding.js';
import type { Severity } from '../../src/findings/severity.js';

// docs/precision.md and docs/precision-terraform.md are computed from their judgements
// (docs/precision-judgements.json, docs/precision-terraform-judgements.json) and what trustgate reports on
// the corpus (../shared/corpus, outside the repository). When a rule change adds, removes or regrades a
// finding of the sample, or changes its message, this fails until the finding is judged and the page is
// rendered again.
const PAGES: { name: string; corpus: PrecisionCorpus }[] = [
  { name: 'CloudFormation', corpus: CFN_PRECISION },
  { name: 'Terraform', corpus: TF_PRECISION },
];

for (const { name, corpus } of PAGES) {
  const page = relative(REPO_ROOT, corpus.page);
  const judgementsFile = relative(REPO_ROOT, corpus.judgements);
  const render = `npx tsx scripts/precision-sample.ts${corpus.flags} --render --seed ${DEFAULT_SEED}`;
  const present = existsSync(corpus.root);
  if (!present) console.warn(`${name} precision page not checked: ${corpus.root} is absent`);

  describe(`${name} precision page (${page})`, () => {
    it.skipIf(!present)(`every finding of the sample is judged, the page is what \`${render}\` writes, and its text states the computed precision`, async () => {
      const sample = await drawSample(DEFAULT_SEED, corpus);
      const judgements = readJudgements(corpus);
      const drawn = [...sample.blocking, ...sample.medium];

      // The sample has the size the corpus asks for: every high/critical finding or a draw of them, and a draw of medium ones.
      const { blocking, medium } = corpus.want;
      expect(sample.blocking.length).toBe(blocking === 'all' ? sample.population.blocking : Math.min(blocking, sample.population.blocking));
      expect(sample.medium.length).toBe(Math.min(medium, sample.population.medium));

      const unjudged = drawn.filter((finding) => judgements[finding.fingerprint] === undefined).map((f) => `${f.fingerprint} ${f.file}:${f.line} ${f.ruleId} ${f.severity} ${f.resource ?? ''}`);
      expect(unjudged, `findings of the sample without a judgement in ${judgementsFile} (judge them, then run \`${render}\`)`).toEqual([]);
      const fingerprints = new Set(drawn.map((finding) => finding.fingerprint));
      const stale = Object.keys(judgements).filter((fingerprint) => !fingerprints.has(fingerprint));
      expect(stale, `judgements in ${judgementsFile} of findings that are no longer in the sample (remove them, or find what changed the finding)`).toEqual([]);
      for (const [fingerprint, judgement] of Object.entries(judgements)) {
        expect(['true', 'false', 'noise'], fingerprint).toContain(judgement.verdict);
        expect(judgement.reason.trim().length, fingerprint).toBeGreaterThan(20);
      }

      const committed = readFileSync(corpus.page, 'utf8');
      const rendered = renderPage(corpus, sample, judgements, { seed: DEFAULT_SEED, commit: 'HEAD', dirty: false }, committed).page;
      // The line naming the commit it was drawn on is the only one allowed to differ.
      expect(committed.replace(DRAWN_ON, ''), `run \`${render}\` and commit ${page}`).toBe(rendered.replace(DRAWN_ON, ''));

      // The hand-written part quotes the numbers: it must say what the judgements compute.
      const intro = committed.split('<!-- sample -->')[0]!;
      const good = (findings: typeof drawn) => findings.filter((finding) => judgements[finding.fingerprint]?.verdict === 'true').length;
      expect(intro).toContain(`${good(sample.blocking)} of ${sample.blocking.length} true`);
      expect(intro).toContain(`${good(sample.medium)} of ${sample.medium.length} actionable`);
    });
  });
}

// A rule change that adds, removes or regrades one finding must not make the whole sample new: only the
// judgements of the findings it touches should be needed again. Synthetic findings, so this runs without the corpus.
describe('the precision draw is stable', () => {
  const finding = (i: number, severity: Severity): Finding => ({
    id: `F${i}`,
    fingerprint: createHash('sha256').update(`finding ${i}`).digest('hex'),
    ruleId: 'least-privilege/write-on-any-resource',
    category: 'least-privilege',
    severity,
    file: `templates/t${i}.yaml`,
    line: 1 + (i % 7),
    column: 1,
    endLine: 1 + (i % 7),
    endColumn: 2,
    message: `finding ${i}`,
  });
  const findings = [...Array.from({ length: 60 }, (_, i) => finding(i, i % 5 === 0 ? 'critical' : 'high')), ...Array.from({ length: 140 }, (_, i) => finding(100 + i, 'medium'))];
  const ids = (sample: Finding[]) => sample.map((f) => f.id).sort();
  const without = (dropped: Finding) => findings.filter((f) => f !== dropped);
  const { want } = CFN_PRECISION;
  const sample = sampleOf(findings, DEFAULT_SEED, want);
  const medium = findings.filter((f) => f.severity === 'medium');
  const blocking = findings.filter((f) => f.severity !== 'medium');
  const drawn = new Set([...sample.blocking, ...sample.medium].map((f) => f.id));

  it('draws what the corpus asks for, the same on every call and whatever the order of the findings', () => {
    expect(sample.blocking).toHaveLength(want.blocking as number);
    expect(sample.medium).toHaveLength(want.medium);
    const reversed = sampleOf([...findings].reverse(), DEFAULT_SEED, want);
    expect(ids(reversed.blocking)).toEqual(ids(sample.blocking));
    expect(ids(reversed.medium)).toEqual(ids(sample.medium));
    // Another seed draws another sample.
    expect(ids(sampleOf(findings, DEFAULT_SEED + 1, want).medium)).not.toEqual(ids(sample.medium));
  });

  it('leaves both samples unchanged when a finding that is not drawn goes', () => {
    for (const dropped of findings.filter((f) => !drawn.has(f.id))) {
      const after = sampleOf(without(dropped), DEFAULT_SEED, want);
      expect(ids(after.medium), `without ${dropped.id}`).toEqual(ids(sample.medium));
      expect(ids(after.blocking), `without ${dropped.id}`).toEqual(ids(sample.blocking));
    }
  });

  it('changes exactly one member of a sample when one of its findings goes, and nothing of the other sample', () => {
    for (const [pool, kept, other] of [
      [medium, 'medium', 'blocking'],
      [blocking, 'blocking', 'medium'],
    ] as const) {
      for (const dropped of pool.filter((f) => drawn.has(f.id))) {
        const after = sampleOf(without(dropped), DEFAULT_SEED, want);
        const before = new Set(ids(sample[kept]));
        const now = new Set(ids(after[kept]));
        expect([...before].filter((id) => !now.has(id)), `without ${dropped.id}`).toEqual([dropped.id]);
        expect([...now].filter((id) => !before.has(id)), `without ${dropped.id}`).toHaveLength(1);
        expect(ids(after[other]), `without ${dropped.id}`).toEqual(ids(sample[other]));
      }
    }
  });

  it('changes at most one member when a finding is regraded or added', () => {
    const regraded = sample.medium[0]!;
    const lowered = sampleOf(findings.map((f) => (f === regraded ? { ...f, severity: 'low' as const } : f)), DEFAULT_SEED, want);
    expect(ids(sample.medium).filter((id) => !ids(lowered.medium).includes(id))).toEqual([regraded.id]);
    expect(ids(lowered.blocking)).toEqual(ids(sample.blocking));
    for (let i = 0; i < 20; i++) {
      const added = sampleOf([...findings, finding(1000 + i, 'medium')], DEFAULT_SEED, want);
      expect(ids(added.medium).filter((id) => !ids(sample.medium).includes(id)).length, `with F${1000 + i}`).toBeLessThanOrEqual(1);
      expect(ids(added.blocking)).toEqual(ids(sample.blocking));
    }
  });
});
