/**
 * The precision sample of issue 14: a seeded random draw of findings from the corpus scan (at least 40 high
 * or critical and 20 medium), each judged by hand against AWS's documented behaviour, and the precision
 * computed from those judgements.
 *
 *   npx tsx scripts/precision-sample.ts --list [--seed N]     print the sample (one JSON line per finding)
 *   npx tsx scripts/precision-sample.ts --render [--seed N]   write docs/precision.md from the judgements
 *
 * With --terraform, the same for the Terraform corpus (../shared/corpus/terraform-aws-modules, scanned as
 * scripts/corpus-summary.ts does, each directory a module): every high and critical finding (there are few)
 * plus a seeded draw of 25 medium findings, judged in docs/precision-terraform-judgements.json and rendered
 * to docs/precision-terraform.md.
 *
 * The draw is stable: each distinct finding is ranked by sha256(seed, fingerprint), and a draw of `count`
 * takes the `count` lowest ranks of its pool (high/critical, medium). A finding's rank depends on nothing
 * but its fingerprint and the seed, so a rule change that adds, removes or regrades one distinct finding
 * changes at most one member of each sample (the finding itself, or the next in rank that takes or gives up
 * its place), and the two pools' draws do not depend on each other. The seeded Fisher-Yates shuffle used
 * before drew a mostly new sample whenever a pool's size changed. Another --seed ranks every finding anew.
 *
 * Judgements live in docs/precision-judgements.json, keyed by the finding's fingerprint:
 * `{ "<fingerprint>": { "verdict": "true" | "false" | "noise", "reason": "…" } }`. A finding of the sample
 * without a judgement is listed as "not judged" and counts against nothing.
 *
 * The AWS samples repository ships most templates twice (a .json and a .yaml of the same template), which
 * would count one judgement twice; the draw is made over distinct findings (same template path without its
 * extension, rule, severity, resource and message), keeping the YAML copy.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { collectFiles } from '../src/cli/collect-files.js';
import { scanFiles } from '../src/engine/scan.js';
import type { Finding } from '../src/findings/finding.js';
import { CFN_CORPUS, REPO_ROOT, TF_CORPUS } from './corpus-summary.js';

export const DEFAULT_SEED = 14;

/** One corpus the precision is measured on: where it is, how much is drawn, where judgements and page live. */
export interface PrecisionCorpus {
  root: string;
  /** How many high/critical findings are drawn; 'all' takes every one (no draw: none is left to chance). */
  want: { blocking: number | 'all'; medium: number };
  judgements: string;
  page: string;
  /** The flags that select this corpus on the command line, as the page quotes them. */
  flags: string;
}

export const CFN_PRECISION: PrecisionCorpus = {
  root: CFN_CORPUS,
  want: { blocking: 45, medium: 25 },
  judgements: join(REPO_ROOT, 'docs', 'precision-judgements.json'),
  page: join(REPO_ROOT, 'docs', 'precision.md'),
  flags: '',
};

export const TF_PRECISION: PrecisionCorpus = {
  root: TF_CORPUS,
  want: { blocking: 'all', medium: 25 },
  judgements: join(REPO_ROOT, 'docs', 'precision-terraform-judgements.json'),
  page: join(REPO_ROOT, 'docs', 'precision-terraform.md'),
  flags: ' --terraform',
};

export interface Sample {
  blocking: Finding[];
  medium: Finding[];
  population: { blocking: number; medium: number };
}

export interface Judgement {
  verdict: 'true' | 'false' | 'noise';
  reason: string;
}

function distinct(findings: readonly Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const finding of findings) {
    const key = [finding.file.replace(/\.(json|ya?ml|template)$/i, ''), finding.ruleId, finding.severity, finding.resource ?? '', finding.message].join('\u0000');
    const kept = byKey.get(key);
    if (kept === undefined || (/\.ya?ml$/i.test(finding.file) && !/\.ya?ml$/i.test(kept.file))) byKey.set(key, finding);
  }
  return [...byKey.values()].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
}

/** A finding's place in every draw with this seed: sha256 of the seed and its fingerprint, in hex. */
export function drawRank(seed: number, finding: Pick<Finding, 'fingerprint'>): string {
  return createHash('sha256').update(`${seed}\u0000${finding.fingerprint}`).digest('hex');
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The `count` findings of lowest rank (`drawRank`). Stable: adding or removing one finding of `items`
 * changes at most one member of the result. Ties (two distinct findings with one fingerprint) are broken
 * by place, so the draw never depends on the order of `items`.
 */
export function stableDraw(items: readonly Finding[], count: number, seed: number): Finding[] {
  return items
    .map((finding) => ({ finding, rank: drawRank(seed, finding) }))
    .sort((a, b) => compareText(a.rank, b.rank) || compareText(a.finding.file, b.finding.file) || a.finding.line - b.finding.line || compareText(a.finding.message, b.finding.message))
    .slice(0, count)
    .map(({ finding }) => finding);
}

/** The sample of a scan's findings: made distinct, split into high/critical and medium pools, each drawn with `stableDraw`. */
export function sampleOf(findings: readonly Finding[], seed: number, want: PrecisionCorpus['want']): Sample {
  const pool = distinct(findings);
  const blockingPool = pool.filter((f) => f.severity === 'critical' || f.severity === 'high');
  const mediumPool = pool.filter((f) => f.severity === 'medium');
  // Shown in place order; findings on one line keep the draw's order (rank order, or fingerprint order when every one is taken).
  const byPlace = (a: Finding, b: Finding) => compareText(a.file, b.file) || a.line - b.line;
  return {
    blocking: (want.blocking === 'all' ? [...blockingPool] : stableDraw(blockingPool, want.blocking, seed)).sort(byPlace),
    medium: stableDraw(mediumPool, want.medium, seed).sort(byPlace),
    population: { blocking: blockingPool.length, medium: mediumPool.length },
  };
}

export async function drawSample(seed = DEFAULT_SEED, corpus: PrecisionCorpus = CFN_PRECISION): Promise<Sample> {
  const collected = await collectFiles([corpus.root]);
  if (!collected.ok) throw new Error(collected.error);
  return sampleOf(scanFiles(collected.files).findings, seed, corpus.want);
}

export function readJudgements(corpus: PrecisionCorpus = CFN_PRECISION): Record<string, Judgement> {
  return existsSync(corpus.judgements) ? (JSON.parse(readFileSync(corpus.judgements, 'utf8')) as Record<string, Judgement>) : {};
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

function section(title: string, sample: Finding[], judgements: Record<string, Judgement>): { lines: string[]; judged: number; good: number } {
  const lines = [`## ${title}`, '', '| # | finding | rule, severity | message (start) | verdict | reasoning |', '| --- | --- | --- | --- | --- | --- |'];
  let judged = 0;
  let good = 0;
  sample.forEach((finding, i) => {
    const judgement = judgements[finding.fingerprint];
    if (judgement !== undefined) {
      judged += 1;
      if (judgement.verdict === 'true') good += 1;
    }
    const message = finding.message.length > 160 ? `${finding.message.slice(0, 157)}…` : finding.message;
    lines.push(
      `| ${i + 1} | \`${finding.file}:${finding.line}\` ${finding.resource ?? ''} | ${finding.ruleId} ${finding.severity} | ${cell(message)} | ${judgement?.verdict ?? 'not judged'} | ${cell(judgement?.reason ?? '')} |`,
    );
  });
  return { lines, judged, good };
}

function percent(good: number, judged: number): string {
  return judged === 0 ? 'n/a' : `${((100 * good) / judged).toFixed(1)} % (${good} of ${judged})`;
}

/** The line of the page that names the commit it was drawn on (the only line that changes with every commit). */
export const DRAWN_ON = /^Drawn by .*$/m;

/** The page: its hand-written part (everything before `<!-- sample -->`), then the sample and its precision. */
export function renderPage(
  corpus: PrecisionCorpus,
  sample: Sample,
  judgements: Record<string, Judgement>,
  drawn: { seed: number; commit: string; dirty: boolean },
  intro: string,
): { page: string; summary: string } {
  const blocking = section('High and critical findings (block at the default threshold)', sample.blocking, judgements);
  const medium = section('Medium findings', sample.medium, judgements);
  const population =
    corpus.want.blocking === 'all'
      ? `from all ${sample.population.blocking} distinct high/critical findings and ${sample.population.medium} distinct medium findings`
      : `from ${sample.population.blocking} distinct high/critical and ${sample.population.medium} distinct medium findings`;
  const page = [
    intro.split('<!-- sample -->')[0]!.trimEnd(),
    '',
    '<!-- sample -->',
    '',
    `Drawn by \`npx tsx scripts/precision-sample.ts${corpus.flags} --render --seed ${drawn.seed}\` on commit \`${drawn.commit}\`${drawn.dirty ? ' (with uncommitted changes to src/ in the working tree)' : ''} ${population}.`,
    '',
    `**Precision: high/critical ${percent(blocking.good, blocking.judged)}; medium actionable ${percent(medium.good, medium.judged)}.**`,
    '',
    ...blocking.lines,
    '',
    ...medium.lines,
    '',
  ].join('\n');
  return { page, summary: `high/critical ${percent(blocking.good, blocking.judged)}, medium ${percent(medium.good, medium.judged)}` };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const seedIndex = args.indexOf('--seed');
  const seed = seedIndex >= 0 ? Number(args[seedIndex + 1]) : DEFAULT_SEED;
  const corpus = args.includes('--terraform') ? TF_PRECISION : CFN_PRECISION;
  const sample = await drawSample(seed, corpus);
  if (args.includes('--list')) {
    for (const finding of [...sample.blocking, ...sample.medium]) {
      process.stdout.write(JSON.stringify({ fingerprint: finding.fingerprint, file: finding.file, line: finding.line, rule: finding.ruleId, severity: finding.severity, resource: finding.resource, message: finding.message }) + '\n');
    }
    return;
  }
  if (!args.includes('--render')) {
    process.stderr.write('usage: npx tsx scripts/precision-sample.ts [--terraform] --list|--render [--seed N]\n');
    process.exitCode = 2;
    return;
  }
  const judgements = readJudgements(corpus);
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'policies', 'data'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim() !== '';
  const { page, summary } = renderPage(corpus, sample, judgements, { seed, commit, dirty }, readFileSync(corpus.page, 'utf8'));
  writeFileSync(corpus.page, page);
  process.stdout.write(`wrote ${corpus.page}: ${summary}\n`);
}

if (process.argv[1] !== undefined && process.argv[1].endsWith('precision-sample.ts')) await main();
