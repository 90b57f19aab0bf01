import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/finding.js';
import type { Severity } from '../../src/findings/severity.js';
import { buildCheckRunReport, chunkAnnotations, MAX_OUTPUT_CHARS } from '../../src/reporters/check-run.js';

function finding(severity: Severity, line: number, overrides: Partial<Finding> = {}): Finding {
  return {
    id: `id${line}${severity}`.padEnd(12, '0').slice(0, 12),
    fingerprint: `fp-${line}-${severity}`,
    ruleId: 'least-privilege/full-admin',
    category: 'least-privilege',
    severity,
    file: 'stacks/app.yaml',
    line,
    column: 5,
    endLine: line,
    endColumn: 9,
    message: `problem at ${line}`,
    remediation: 'scope it',
    docs: 'https://example.test/docs/rule.md',
    ...overrides,
  };
}

const lineUrl = (file: string, line: number) => `https://github.com/o/r/blob/abc/${file}#L${line}`;

function report(findings: Finding[], failOn: Severity = 'high', extra: { maxAnnotations?: number } = {}) {
  return buildCheckRunReport({ findings, failOn, infrastructureFiles: 1, lineUrl, ...extra });
}

describe('buildCheckRunReport', () => {
  it('says in the title how many findings block the merge, by severity', () => {
    const result = report([finding('high', 3), finding('critical', 5), finding('critical', 9), finding('low', 12)]);
    expect(result.conclusion).toBe('failure');
    expect(result.output.title).toBe('3 findings block this merge: 2 critical, 1 high');
    expect(report([finding('critical', 1)]).output.title).toBe('1 finding blocks this merge: 1 critical');
  });

  it('passes with "No blocking findings" when everything is below the threshold', () => {
    const result = report([finding('medium', 3), finding('info', 4)]);
    expect(result.conclusion).toBe('success');
    expect(result.output.title).toBe('No blocking findings (1 medium, 1 info below high)');
    expect(report([finding('medium', 3)], 'medium').conclusion).toBe('failure');
  });

  it('lists blocking findings first in the summary, with ids and links to the line', () => {
    const { summary } = report([finding('low', 2), finding('critical', 40)]).output;
    const blocking = summary.indexOf('### Blocking (1)');
    const below = summary.indexOf('### Below the threshold (1)');
    expect(blocking).toBeGreaterThan(0);
    expect(below).toBeGreaterThan(blocking);
    expect(summary.slice(blocking, below)).toContain('`id40critical` [stacks/app.yaml:40](https://github.com/o/r/blob/abc/stacks/app.yaml#L40)');
    expect(summary).toContain('| critical | 1 |');
    expect(summary).toContain('| least-privilege | 2 |');
    expect(summary).toContain('### What to do next');
  });

  it('annotates at failure, warning or notice level, with columns only on one line, blocking ones first', () => {
    const { annotations } = report([finding('info', 1), finding('medium', 2, { endLine: 4 }), finding('high', 6)]);
    expect(annotations.map((a) => [a.start_line, a.annotation_level])).toEqual([
      [6, 'failure'],
      [2, 'warning'],
      [1, 'notice'],
    ]);
    expect(annotations[0]).toMatchObject({ start_column: 5, end_column: 9, title: 'least-privilege/full-admin (high) [id6high00000]' });
    expect(annotations[1]).toMatchObject({ start_line: 2, end_line: 4 });
    expect(annotations[1]).not.toHaveProperty('start_column');
    expect(annotations[1]).not.toHaveProperty('end_column');
  });

  it("keeps the summary and text within GitHub's 65,535 characters, and says truly what was left out", () => {
    const many = Array.from({ length: 3000 }, (_, i) => finding('high', i + 1, { message: 'x'.repeat(60) }));
    const { output, annotations } = report(many);
    expect(output.summary.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
    expect(output.text!.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
    expect(annotations).toHaveLength(500);
    expect(output.title.length).toBeLessThanOrEqual(255);
    const listed = (output.summary.match(/^- \*\*high\*\*/gm) ?? []).length;
    const detailed = (output.text!.match(/^### `/gm) ?? []).length;
    expect(listed).toBeGreaterThan(100);
    expect(listed).toBeLessThan(3000);
    expect(detailed).toBeLessThan(3000);
    // The counts in the notes are the real ones.
    expect(output.summary).toContain(`- … and ${3000 - listed} more, not listed`);
    expect(output.summary).toContain(`3000 findings in all; ${3000 - listed} are not listed in this summary and ${3000 - detailed} are not in the details.`);
    expect(output.text).toContain(`**… ${3000 - detailed} more findings are not detailed here`);
    expect(output.summary).not.toContain('list every finding');
  });

  it('keeps what to do next, how to waive, how to reproduce and the truncation note with 400+ long findings', () => {
    const many = Array.from({ length: 450 }, (_, i) => finding(i % 3 === 0 ? 'critical' : 'medium', i + 1, { message: `${'a long explanation '.repeat(12)}${i}` }));
    const notes = '### Waivers\n\n' + Array.from({ length: 2000 }, (_, i) => `- waiver w-${i} for a reason that is long enough to matter`).join('\n');
    const { output } = buildCheckRunReport({ findings: many, failOn: 'high', infrastructureFiles: 3, lineUrl, notes });
    const { summary } = output;
    expect(summary.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
    expect(summary.startsWith('trustgate checked 3 infrastructure files')).toBe(true);
    expect(summary).toContain('### Blocking (150)');
    expect(summary).toContain('### What to do next');
    expect(summary).toContain('/trustgate waive <finding-id> --reason');
    expect(summary).toContain('To reproduce locally: `trustgate scan <changed files> --fail-on high`');
    expect(summary).toMatch(/450 findings in all; \d+ are not listed in this summary/);
    expect(summary).toContain('the notes were cut here');
    expect(summary).not.toContain('was cut here: it is longer');
  });

  it('a collapsed block cut to fit is closed, so what to do next stays outside it', () => {
    const settingsOrigins = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`rules.least-privilege/rule-${i}.severity`, '.github/trustgate.yml']));
    const { summary } = buildCheckRunReport({ findings: [finding('critical', 1)], failOn: 'high', infrastructureFiles: 1, lineUrl, settingsOrigins }).output;
    expect(summary.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
    expect(summary).toContain('where the settings came from were cut here');
    const nextSteps = summary.indexOf('### What to do next');
    const before = summary.slice(0, nextSteps);
    expect(nextSteps).toBeGreaterThan(0);
    expect((before.match(/<details>/g) ?? []).length).toBe((before.match(/<\/details>/g) ?? []).length);
  });

  it('says when annotations are capped, and that the summary lists them all when it does', () => {
    const { output, annotations } = report([finding('high', 1), finding('high', 2), finding('high', 3)], 'high', { maxAnnotations: 2 });
    expect(annotations).toHaveLength(2);
    expect(output.summary).toContain('Only the 2 most severe findings are annotated on lines.');
    expect(output.summary).toContain('3 findings in all; this summary lists every one. All of them are listed above.');
  });

  it('says the advice several findings on one line share once, and points at it from the others', () => {
    const shared = 'Replace the wildcard with the actions the function calls, listed in the access advisor.';
    const { annotations, output } = report([
      finding('critical', 7, { id: 'aaaaaaaaaaaa', remediation: shared }),
      finding('high', 7, { id: 'bbbbbbbbbbbb', ruleId: 'least-privilege/wildcard-action', remediation: shared }),
      finding('high', 9, { id: 'cccccccccccc', remediation: shared }),
    ]);
    expect(annotations[0]!.message).toContain(`How to fix: ${shared}`);
    expect(annotations[1]!.message).toContain('How to fix: as for [aaaaaaaaaaaa] on this line.');
    expect(annotations[1]!.message).not.toContain(shared);
    expect(annotations[2]!.message).toContain(`How to fix: ${shared}`);
    expect(output.text!.split(shared)).toHaveLength(3);
    expect(output.text).toContain('**How to fix:** as for `aaaaaaaaaaaa` above.');
  });

  it('fails when the file list was incomplete, even without findings', () => {
    const result = buildCheckRunReport({ findings: [], failOn: 'high', infrastructureFiles: 0, lineUrl, blockingProblems: ['GitHub lists at most 3000 files.'] });
    expect(result.conclusion).toBe('failure');
    expect(result.output.title).toBe('The check is incomplete, so it cannot pass');
  });

  it('passes with "No infrastructure files changed" when nothing was infrastructure', () => {
    const result = buildCheckRunReport({ findings: [], failOn: 'high', infrastructureFiles: 0, lineUrl });
    expect(result).toMatchObject({ conclusion: 'success', output: { title: 'No infrastructure files changed' }, annotations: [] });
  });
});

describe('chunkAnnotations', () => {
  it('splits into requests of at most 50', () => {
    const { annotations } = report(Array.from({ length: 120 }, (_, i) => finding('high', i + 1)));
    expect(chunkAnnotations(annotations).map((chunk) => chunk.length)).toEqual([50, 50, 20]);
  });
});

describe('check run: chain links, severity table', () => {
  it('puts each related link of a chain in the annotation message and the details, linked to its line', () => {
    const chained = finding('critical', 10, {
      ruleId: 'imdsv2/credential-exfiltration-path',
      related: [
        { file: 'stacks/app.yaml', line: 3, column: 1, message: 'the instance allows IMDSv1' },
        { file: 'stacks/app.yaml', line: 20, column: 1, message: 'its role can read S3' },
      ],
    });
    const result = report([chained]);
    const annotation = result.annotations[0]!;
    expect(annotation.message).toContain('stacks/app.yaml:3 the instance allows IMDSv1 (https://github.com/o/r/blob/abc/stacks/app.yaml#L3)');
    expect(annotation.message).toContain('(https://github.com/o/r/blob/abc/stacks/app.yaml#L20)');
    expect(annotation.message).toContain('Docs: https://example.test/docs/rule.md');
    expect(annotation.raw_details).toBeUndefined();
    expect(result.output.text).toContain('[stacks/app.yaml:20](https://github.com/o/r/blob/abc/stacks/app.yaml#L20): its role can read S3');
  });

  it('lists only the severities that occur', () => {
    const { summary } = report([finding('high', 1), finding('high', 2), finding('low', 3)]).output;
    expect(summary).toContain('| high | 2 |');
    expect(summary).toContain('| low | 1 |');
    expect(summary).not.toMatch(/\| (critical|medium|info) \| 0 \|/);
  });
});

describe('check run: install advice', () => {
  it('never tells people to run the unpublished `npx trustgate`', () => {
    const result = report([finding('high', 1)]);
    expect(result.output.summary).toMatch(/trustgate scan <changed files>/);
    expect(`${result.output.summary}\n${result.output.text}`).not.toMatch(/`npx trustgate/);
  });
});
