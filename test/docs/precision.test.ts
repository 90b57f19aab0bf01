import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CFN_PRECISION, DEFAULT_SEED, DRAWN_ON, drawSample, readJudgements, renderPage, TF_PRECISION, type PrecisionCorpus } from '../../scripts/precision-sample.js';
import { REPO_ROOT } from '../../scripts/corpus-summary.js';

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
