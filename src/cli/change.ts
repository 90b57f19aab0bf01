import { stat } from 'node:fs/promises';
import { scanFiles, type InputFile } from '../engine/scan.js';
import { classifyFindings, type GateMode } from '../findings/baseline.js';
import type { Finding } from '../findings/finding.js';
import { diffAccess, type AccessDiff } from '../model/access-diff.js';
import type { EngineOptions } from '../model/options.js';
import { accessDiffJson, accessDiffText } from '../reporters/access-diff.js';
import { renderJson } from '../reporters/json.js';
import type { Rule } from '../rules/types.js';
import { isCandidatePath } from '../parse/classify.js';
import { isTerraformPath } from '../terraform/index.js';
import { changesSince, readAtRef, type ScannedFolder } from './git-base.js';

/** `trustgate scan --base <git-ref>`: the base versions of the scanned files, read with git show. */
export type ChangeBase =
  | {
      ok: true;
      ref: string;
      inputs: InputFile[];
      unavailable: Map<string, string>;
      /** Files of the scanned folders deleted since the ref: path from the repository root → display path (their findings are fixed). */
      deleted: Map<string, string>;
      /** Files renamed since the ref: path from the repository root now → the path they had at the ref. */
      renamedFrom: Map<string, string>;
    }
  | { ok: false; error: string };

export async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reads each scanned file at `ref` from the repository that holds it (inputs are under their paths
 * from the repository root). A file outside any repository cannot be compared: it is judged whole.
 */
export async function readChangeBase(
  ref: string,
  inputs: readonly InputFile[],
  repositoryPath: ReadonlyMap<string, { root: string; path: string }>,
  selected: readonly InputFile[],
  /** Folders scanned: a template deleted under one since the ref is read there (its findings are fixed). */
  folders: readonly ScannedFolder[] = [],
  isSelected: (displayPath: string) => boolean = () => true,
): Promise<ChangeBase> {
  const unavailable = new Map<string, string>();
  const byRoot = new Map<string, string[]>();
  selected.forEach((file, index) => {
    const where = repositoryPath.get(file.path);
    if (where === undefined) unavailable.set(inputs[index]!.path, `${file.path} is in no git repository, so it cannot be compared with ${ref}`);
    else byRoot.set(where.root, [...(byRoot.get(where.root) ?? []), where.path]);
  });
  if (byRoot.size === 0 && selected.length > 0 && unavailable.size === selected.length) {
    return { ok: false, error: `--base ${ref}: the scanned files are in no git repository (or git is not installed), so there is nothing to compare with` };
  }
  const base: InputFile[] = [];
  const deleted = new Map<string, string>();
  const renamedFrom = new Map<string, string>();
  for (const folder of folders) if (!byRoot.has(folder.root)) byRoot.set(folder.root, []);
  for (const [root, paths] of byRoot) {
    // A file renamed since the ref is compared with its previous path; its findings keep the new one.
    const changes = await changesSince(root, ref);
    const previous = new Map(paths.map((path) => [changes.renames.get(path) ?? path, path]));
    for (const [before, now] of previous) if (before !== now) renamedFrom.set(now, before);
    // A template deleted since the ref under a scanned folder: read there, judged by nothing, its findings fixed.
    // A deleted Terraform file is part of its module's base (its findings fixed, its access removed).
    const gone = new Map<string, string>();
    for (const path of changes.deleted) {
      const folder = folders.find((candidate) => candidate.root === root && (candidate.removed === 'file' ? path === candidate.prefix : path.startsWith(candidate.prefix)));
      const display = folder?.removed === 'file' ? folder.shownAs : folder !== undefined ? path.slice(folder.prefix.length) : undefined;
      if (display !== undefined && !previous.has(path) && (isCandidatePath(display) || isTerraformPath(display)) && isSelected(display)) gone.set(path, display);
    }
    const read = await readAtRef(root, ref, [...previous.keys(), ...gone.keys()]);
    if (!read.ok) return read;
    for (const [path, text] of read.files) {
      base.push({ path: previous.get(path) ?? path, text });
      if (!previous.has(path) && gone.has(path)) deleted.set(path, gone.get(path)!);
    }
    for (const [path, why] of read.unreadable) if (!gone.has(path) || previous.has(path)) unavailable.set(previous.get(path) ?? path, `${path} could not be read at ${ref} (${why})`);
  }
  return { ok: true, ref, inputs: base, unavailable, deleted, renamedFrom };
}

export interface JudgedChange {
  ref: string;
  /** Files renamed since the ref: path from the repository root now → at the ref. */
  renamedFrom: ReadonlyMap<string, string>;
  gate: GateMode;
  /** What sets the exit code: the new findings (gate new) or all (gate all), after inline suppressions. */
  judged: Finding[];
  /** Findings already at the base (not judged with gate new). */
  existing: Finding[];
  fixed: Finding[];
  unavailable: string[];
  access: AccessDiff;
  /** Every head finding that was already at the base, whatever the gate (labels `change` in JSON). */
  onBase: ReadonlySet<Finding>;
}

/** Classifies the findings as the app does, and computes what the change grants. */
export function judgeChange(
  change: Extract<ChangeBase, { ok: true }>,
  inputs: readonly InputFile[],
  engineFindings: readonly Finding[],
  remaining: readonly Finding[],
  options: Partial<EngineOptions>,
  rules: readonly Rule[],
  gate: GateMode,
): JudgedChange {
  const scanned = scanFiles(change.inputs, options, rules);
  const unavailable = new Map(change.unavailable);
  for (const file of scanned.files) if (file.status === 'failed' && !change.deleted.has(file.path)) unavailable.set(file.path, `the version of ${file.path} at ${change.ref} does not parse`);
  const classification = classifyFindings(engineFindings, { findings: scanned.findings, unavailable });
  const existing = new Set(classification.existing);
  const baseText = new Map(change.inputs.map((input) => [input.path, input.text]));
  const access = diffAccess(
    [
      ...inputs.map((input) => ({ path: input.path, head: input.text, ...(baseText.has(input.path) ? { base: baseText.get(input.path)! } : {}) })),
      // Files deleted since the ref: what they granted is removed.
      ...change.inputs.filter((input) => change.deleted.has(input.path)).map((input) => ({ path: input.path, base: input.text })),
    ],
    options,
  );
  return {
    ref: change.ref,
    renamedFrom: change.renamedFrom,
    gate,
    judged: gate === 'all' ? [...remaining] : remaining.filter((finding) => !existing.has(finding)),
    existing: gate === 'all' ? [] : remaining.filter((finding) => existing.has(finding)),
    fixed: classification.fixed,
    unavailable: [...unavailable.values()],
    access,
    onBase: existing,
  };
}

/**
 * A fixed finding where it was at the base, shown as `shown` shows the head's files: a file renamed since
 * the ref under the path it had there (with the scanned folder's prefix taken off as for the new path).
 */
export function atBase(change: JudgedChange, finding: Finding, shown: (finding: Finding) => Finding): Finding {
  const display = shown(finding);
  const before = change.renamedFrom.get(finding.file);
  if (before === undefined) return display;
  const prefix = finding.file.endsWith(display.file) ? finding.file.slice(0, finding.file.length - display.file.length) : '';
  return { ...display, file: prefix !== '' && before.startsWith(prefix) ? before.slice(prefix.length) : before };
}

/** The text output's part about the change: existing and fixed findings, files judged whole, the access diff. */
export function changeText(change: JudgedChange, shown: (finding: Finding) => Finding, ref: string): string {
  const lines: string[] = ['', `Compared with ${ref}:`];
  if (change.gate === 'new') {
    lines.push(`  ${change.existing.length} finding(s) already there, not judged (--gate all judges them)${change.existing.length > 0 ? ':' : ''}`);
    for (const finding of change.existing.map(shown)) lines.push(`    ${finding.file}:${finding.line}  ${finding.severity} ${finding.ruleId}  [${finding.id}]`);
  }
  if (change.fixed.length > 0) {
    lines.push(`  this change fixes ${change.fixed.length} finding(s):`);
    for (const finding of change.fixed.map(shown)) lines.push(`    ${finding.file}  ${finding.severity} ${finding.ruleId}  [${finding.id}]`);
  }
  for (const why of change.unavailable) lines.push(`  judged whole: ${why}; every finding there counts as new`);
  lines.push('', accessDiffText(change.access).trimEnd(), '');
  return lines.join('\n');
}

/** The JSON contract plus `change` on each finding and top-level `existing`, `fixed`, `judgedWhole` and `access`. */
export function changeJson(change: JudgedChange, shown: (finding: Finding) => Finding): string {
  const judged = JSON.parse(renderJson(change.judged.map(shown))) as { findings: Record<string, unknown>[] };
  const existing = JSON.parse(renderJson(change.existing.map(shown))) as { findings: Record<string, unknown>[] };
  const fixed = JSON.parse(renderJson(change.fixed.map(shown))) as { findings: Record<string, unknown>[] };
  const output = {
    findings: judged.findings.map((finding, index) => ({ ...finding, change: change.onBase.has(change.judged[index]!) ? 'existing' : 'new' })),
    base: change.ref,
    gate: change.gate,
    existing: existing.findings.map((finding) => ({ ...finding, change: 'existing' })),
    fixed: fixed.findings.map((finding) => ({ ...finding, change: 'fixed' })),
    judgedWhole: change.unavailable,
    access: accessDiffJson(change.access),
  };
  return `${JSON.stringify(output, null, 2)}\n`;
}

