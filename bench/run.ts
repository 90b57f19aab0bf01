/**
 * `npm run bench`: whole-process measurements on this machine. A benchmark, not a test: it prints
 * numbers and exits 0 unless it could not run. See docs/benchmarks.md for targets and results.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const corpus = process.env.TRUSTGATE_CORPUS ?? join(repoRoot, '..', 'shared', 'corpus', 'aws-cloudformation-templates');

function findRepoRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'package.json'))) return dir;
  return process.cwd();
}

function countFiles(dir: string): number {
  return readdirSync(dir).reduce((n, name) => {
    const full = join(dir, name);
    return n + (statSync(full).isDirectory() ? countFiles(full) : 1);
  }, 0);
}

function timeCommand(command: string, args: string[], runs: number): { medianMs: number; exitCode: number | null } {
  const times: number[] = [];
  let exitCode: number | null = null;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    exitCode = result.status;
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, exitCode };
}

function main(): void {
  if (!existsSync(corpus)) {
    console.error(`bench: corpus not found at ${corpus} (set TRUSTGATE_CORPUS)`);
    process.exitCode = 2;
    return;
  }
  const files = countFiles(corpus);
  const scan = timeCommand(process.execPath, [join(repoRoot, 'bin', 'trustgate.js'), 'scan', corpus, '--format', 'json'], 5);
  const rows: [string, string, string][] = [
    ['corpus scan (trustgate, every rule)', `${scan.medianMs.toFixed(0)} ms`, `${((files / scan.medianMs) * 1000).toFixed(0)} files/s`],
  ];
  console.log(`corpus: ${corpus} (${files} files); median of 5 whole-process runs; exit code ${scan.exitCode}`);
  for (const [name, time, rate] of rows) console.log(`${name.padEnd(40)} ${time.padStart(10)} ${rate.padStart(14)}`);
}

main();
