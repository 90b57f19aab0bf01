import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../../src/engine/all-rules.js';
import { CONFIG_SCHEMA, parseConfigText } from '../../src/config/index.js';
import { BLOBS_PER_QUERY } from '../../src/app/octokit-gateway.js';
import { DEFAULT_RUN_SETTINGS } from '../../src/app/run-check.js';
import { DEFAULT_TERRAFORM_BOUNDS } from '../../src/app/terraform-reads.js';
import { ACCESS_ANALYZER_RULE } from '../../src/engine/access-analyzer.js';
import { FILE_TOO_LARGE_RULE, INTERNAL_ERROR_RULE, PARSE_ERROR_RULE } from '../../src/engine/scan.js';

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith('.md') ? [path] : [];
  });
}

function packRuleIds(): string[] {
  return readdirSync('policies')
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .flatMap((name) => ((parse(readFileSync(join('policies', name), 'utf8')) as { rules?: { id: string }[] }).rules ?? []).map((r) => r.id));
}

const RULE_ID = /(?<![\w/.-])(least-privilege|imdsv2|cross-account-trust|resource-exposure|policy-validation|pack)\/[a-z0-9][a-z0-9-]*[a-z0-9](?![\w-])/g;

describe('docs name only rules that exist', () => {
  const known = new Set([...ALL_RULES.map((r) => r.meta.id), ...packRuleIds(), PARSE_ERROR_RULE, FILE_TOO_LARGE_RULE, INTERNAL_ERROR_RULE, ACCESS_ANALYZER_RULE]);
  // Retired code rules, named only where a pack rule's page says it replaced them.
  const retired = new Set(['imdsv2/hop-limit', 'resource-exposure/public-lambda-url', 'imdsv2/launch-template-imds', 'imdsv2/launch-configuration-imds', 'imdsv2/image-builder-imds']);
  const files = [...markdownFiles('docs'), 'README.md'];

  it('finds rule ids to check (the pattern works)', () => {
    const all = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(RULE_ID)].map((m) => m[0]));
    expect(all.length).toBeGreaterThan(20);
    expect('see imdsv2/launch-template-hop-limit here'.match(RULE_ID)).toEqual(['imdsv2/launch-template-hop-limit']);
  });

  for (const file of files) {
    it(`${file}: every rule id is a real rule`, () => {
      const named = [...readFileSync(file, 'utf8').matchAll(RULE_ID)].map((m) => m[0]);
      const text = readFileSync(file, 'utf8');
      expect(named.filter((id) => !known.has(id) && !(retired.has(id) && /replaced/.test(text)))).toEqual([]);
    });
  }
});

describe('docs name only configuration keys that exist', () => {
  const topLevel = Object.keys(CONFIG_SCHEMA.properties);
  const configuration = readFileSync('docs/configuration.md', 'utf8');

  it('documents every key of the schema under "Keys", and only those', () => {
    const headings = [...configuration.matchAll(/^### `([^`]+)`$/gm)].map((m) => m[1]!);
    expect(headings.length).toBeGreaterThan(5);
    expect([...headings].sort()).toEqual([...topLevel].sort());
  });

  const blocks = [...markdownFiles('docs'), 'README.md'].flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/```ya?ml\n([\s\S]*?)```/g)]
      .map((m) => ({ file, text: m[1]! }))
      // Configuration examples: every block of configuration.md, and any block elsewhere that says it is the file.
      .filter(({ file: f, text }) => f.endsWith('configuration.md') || text.startsWith('# .github/trustgate.yml')),
  );

  it('finds configuration examples to check (the filter works)', () => {
    expect(blocks.filter((b) => b.file.endsWith('configuration.md')).length).toBeGreaterThan(10);
  });

  for (const [index, block] of blocks.entries()) {
    it(`${block.file}, configuration example ${index + 1}: valid, with known keys only`, () => {
      const parsed = parseConfigText(block.text, block.file);
      expect(parsed.ok ? [] : parsed.problems.map((p) => p.message)).toEqual([]);
    });
  }

  it('every dotted key path named in backticks resolves in the schema', () => {
    const paths = [...markdownFiles('docs'), 'README.md'].flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/`([a-z_][A-Za-z]*(?:\.[A-Za-z]+)+)`/g)]
        .map((m) => m[1]!)
        .filter((path) => topLevel.includes(path.split('.')[0]!)),
    );
    expect(paths.length).toBeGreaterThan(5);
    const resolves = (path: string) => {
      let schema: unknown = CONFIG_SCHEMA;
      for (const segment of path.split('.')) {
        const properties = (schema as { properties?: Record<string, unknown> }).properties;
        if (properties === undefined || !(segment in properties)) return false;
        schema = properties[segment];
      }
      return true;
    };
    // A misspelt key shown on purpose, as the error message quotes it.
    const shownAsErrors = new Set([...configuration.matchAll(/unknown key "[^"]+".*\(at `([^`]+)`\)/g)].map((m) => m[1]!));
    expect(paths.filter((path) => !resolves(path) && !shownAsErrors.has(path))).toEqual([]);
  });
});

describe('docs give the numbers the code uses', () => {
  const githubApp = readFileSync('docs/github-app.md', 'utf8');

  it('the blob batch size and the in-progress threshold of docs/github-app.md', () => {
    expect(githubApp).toContain(`batches of ${BLOBS_PER_QUERY} blobs`);
    expect(githubApp).toContain(`more than ${DEFAULT_RUN_SETTINGS.inProgressAboveFiles} candidate files`);
  });

  it('the Terraform read bounds of docs/terraform.md', () => {
    const terraform = readFileSync('docs/terraform.md', 'utf8');
    const { maxModuleDepth, maxDirectories, maxFiles } = DEFAULT_TERRAFORM_BOUNDS;
    expect(terraform).toContain(`**${maxModuleDepth} levels** below the changed directory, **${maxDirectories} directories** and **${maxFiles} Terraform files** per check`);
  });
});
