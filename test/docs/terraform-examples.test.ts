/**
 * Every ```hcl block on a rule page is a real example: its first line says what it shows,
 * `# fails: <rule-id>` (optionally followed by a severity) or `# passes: <rule-id>`. The block is written as
 * main.tf in a directory of its own, scanned through the CLI entry with --format json, and the page's claim
 * is checked: a failing block yields a finding of that rule (at that severity when one is named), a passing
 * block yields none of it, and neither yields a parse error. `# not-yet: <rule-id>` marks what the rule
 * should find once trustgate reads that Terraform resource: it runs as it.fails, so it turns red the day the
 * rule fires and the marker must become `# fails:`. Each page of a rule family has a "Terraform" section
 * with at least one failing and one passing block of its own rule (a not-yet block does not stand in for
 * them: every rule judges Terraform), or a line saying the rule does not apply to Terraform. The convention
 * is documented in docs/rules/README.md.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const RULES_DIR = join(import.meta.dirname, '..', '..', 'docs', 'rules');
const MARKER = /^# (fails|passes|not-yet): ([a-z0-9-]+(?:\/[a-z0-9-]+)?)(?: (critical|high|medium|low|info))?\s*$/;
const NOT_APPLICABLE = /does not apply to Terraform/;

interface Block { line: number; text: string; marker: RegExpExecArray | null }
interface Finding { ruleId: string; severity: string; file: string; line: number; message: string }

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith('.md') ? [path] : [];
  });
}

function hclBlocks(markdown: string): Block[] {
  return [...markdown.matchAll(/^```hcl\n([\s\S]*?)^```$/gm)].map((m) => ({
    line: markdown.slice(0, m.index).split('\n').length,
    text: m[1]!,
    marker: MARKER.exec(m[1]!.split('\n')[0] ?? ''),
  }));
}

function terraformSection(markdown: string): string | undefined {
  const match = /^## Terraform\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(markdown);
  return match?.[1];
}

async function scan(text: string): Promise<Finding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-docs-tf-'));
  writeFileSync(join(dir, 'main.tf'), text);
  let stdout = '';
  let stderr = '';
  await main(['scan', dir, '--format', 'json'], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  rmSync(dir, { recursive: true, force: true });
  try {
    return (JSON.parse(stdout) as { findings: Finding[] }).findings;
  } catch {
    throw new Error(`the CLI did not print JSON: ${stdout.slice(0, 500)} ${stderr.slice(0, 500)}`);
  }
}

const pages = markdownFiles(RULES_DIR).filter((path) => basename(path) !== 'README.md');
const familyPages = pages.filter((path) => dirname(path) !== RULES_DIR);
const ruleIdOf = (path: string) => relative(RULES_DIR, path).replace(/\.md$/, '');

describe('the marker convention', () => {
  it('reads the first line of a block', () => {
    const [fails, passes, unmarked] = hclBlocks('x\n```hcl\n# fails: imdsv2/instance-imds high\nresource "a" "b" {}\n```\n```hcl\n# passes: imdsv2/instance-imds\n```\n```hcl\nresource "a" "b" {}\n```\n');
    expect([fails!.marker?.[1], fails!.marker?.[2], fails!.marker?.[3], fails!.line]).toEqual(['fails', 'imdsv2/instance-imds', 'high', 2]);
    expect([passes!.marker?.[1], passes!.marker?.[3]]).toEqual(['passes', undefined]);
    expect(unmarked!.marker).toBeNull();
  });

  it('is documented in docs/rules/README.md', () => {
    expect(readFileSync(join(RULES_DIR, 'README.md'), 'utf8')).toMatch(/`# fails: <rule-id>`[\s\S]*`# passes: <rule-id>`/);
  });

  it('finds examples to check (the pattern works)', () => {
    expect(pages.flatMap((p) => hclBlocks(readFileSync(p, 'utf8'))).length).toBeGreaterThan(40);
  });
});

describe('every rule page has a Terraform section', () => {
  for (const page of familyPages) {
    const id = ruleIdOf(page);
    it(`${id}: a failing and a passing example of this rule, or why it does not apply`, () => {
      const markdown = readFileSync(page, 'utf8');
      const section = terraformSection(markdown);
      expect(section, `${relative(process.cwd(), page)} has no "## Terraform" section`).toBeDefined();
      const blocks = hclBlocks(section!);
      if (blocks.length === 0) {
        expect(section).toMatch(NOT_APPLICABLE);
        return;
      }
      expect(blocks.filter((b) => b.marker?.[1] === 'fails' && b.marker[2] === id).length, `${id}: no "# fails: ${id}" block`).toBeGreaterThan(0);
      expect(blocks.filter((b) => b.marker?.[1] === 'passes' && b.marker[2] === id).length, `${id}: no "# passes: ${id}" block`).toBeGreaterThan(0);
    });
  }
});

describe('every Terraform example on a rule page does what the page says', () => {
  for (const page of pages) {
    const markdown = readFileSync(page, 'utf8');
    for (const block of hclBlocks(markdown)) {
      const where = `${relative(process.cwd(), page)}:${block.line}`;
      const title = block.marker === null ? 'unmarked' : `${block.marker[1]} ${block.marker[2]}${block.marker[3] !== undefined ? ` ${block.marker[3]}` : ''}`;
      if (block.marker?.[1] === 'not-yet') {
        // What does not fail yet must still be valid Terraform, or it.fails below would pass for that reason.
        it(`${where}: the not-yet example parses`, async () => {
          expect((await scan(block.text)).filter((f) => f.ruleId === 'parse-error').map((f) => f.message)).toEqual([]);
        }, 30_000);
      }
      const test = block.marker?.[1] === 'not-yet' ? it.fails : it;
      test(`${where}: ${title}`, async () => {
        expect(block.marker, `${where}: the block's first line must be "# fails: <rule-id>", "# passes: <rule-id>" or "# not-yet: <rule-id>"`).not.toBeNull();
        const [, kind, ruleId, severity] = block.marker!;
        const findings = await scan(block.text);
        const summary = findings.map((f) => `${f.ruleId} ${f.severity} main.tf:${f.line}`).join('; ');
        expect(findings.filter((f) => f.ruleId === 'parse-error' && ruleId !== 'parse-error').map((f) => f.message)).toEqual([]);
        const ofRule = findings.filter((f) => f.ruleId === ruleId);
        if (kind === 'fails' || kind === 'not-yet') {
          expect(ofRule.length, `${where} should yield ${ruleId}; it yields: ${summary || 'nothing'}`).toBeGreaterThan(0);
          if (severity !== undefined) expect(ofRule.map((f) => f.severity), `${where}: ${summary}`).toContain(severity);
        } else {
          expect(ofRule.map((f) => `${f.severity} main.tf:${f.line} ${f.message}`), `${where} should yield no ${ruleId}`).toEqual([]);
        }
      }, 30_000);
    }
  }
});
