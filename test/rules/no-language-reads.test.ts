import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * No rule knows which language it reads (issue 17, "the house"): rules read the neutral model
 * (principals, policies, instances and launch templates, resource grants, user data sites, managed
 * instances: src/model/), and the builders there are the ones that know resource types and property
 * names. This fails when code under src/rules/ selects resources by type, compares a type with an
 * `AWS::…::…` literal or reads a resource's properties; comments and text inside longer strings (a rule's
 * `why` and `fix`) are not code.
 */
const RULES = join(import.meta.dirname, '..', '..', 'src', 'rules');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : name.endsWith('.ts') ? [full] : [];
  });
}

/** The code of a source file without its comments (line and block), lines kept in place. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const LANGUAGE_READS: { pattern: RegExp; what: string }[] = [
  { pattern: /\bresourcesOfType\s*\(/, what: 'selects resources by type' },
  { pattern: /(['"`])AWS::[A-Za-z0-9]+::[A-Za-z0-9]+\1/, what: 'names a CloudFormation resource type' },
  { pattern: /\.properties\b/, what: "reads a resource's properties" },
  { pattern: /\btemplate\.resources\b|\bresources\.get\s*\(/, what: 'looks resources up in the template index' },
];

export function languageReads(text: string): { line: number; what: string; code: string }[] {
  const out: { line: number; what: string; code: string }[] = [];
  code(text)
    .split('\n')
    .forEach((line, index) => {
      for (const { pattern, what } of LANGUAGE_READS) if (pattern.test(line)) out.push({ line: index + 1, what, code: line.trim() });
    });
  return out;
}

describe('no rule reads a language', () => {
  it('recognises a read and lets comments and prose through', () => {
    expect(languageReads("for (const r of template.resourcesOfType('AWS::EKS::Nodegroup')) {}").map((r) => r.what)).toEqual(['selects resources by type', 'names a CloudFormation resource type']);
    expect(languageReads("if (resource.type === 'AWS::IAM::Role') return;").map((r) => r.what)).toEqual(['names a CloudFormation resource type']);
    expect(languageReads('const p = role.resource.properties;').map((r) => r.what)).toEqual(["reads a resource's properties"]);
    expect(languageReads("// template.resourcesOfType('AWS::EC2::Instance')\n/* AWS::EC2::Instance */ const fix = 'for AWS::Lambda::Permission: SourceArn';")).toEqual([]);
  });

  it('imports nothing from the layers above the rules (the rule-pack engine, the engine, config, reporters, the app and the CLI)', () => {
    const above = /from '(?:\.\.\/)+(rule-packs|engine|config|reporters|waivers|app|cli|integrations)\//;
    const found = files(RULES).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => (above.test(line) ? [`${relative(RULES, file)}:${index + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });

  it('in any file under src/rules/', () => {
    const found = files(RULES).flatMap((file) =>
      languageReads(readFileSync(file, 'utf8')).map((read) => `${relative(RULES, file)}:${read.line} ${read.what}: ${read.code}`),
    );
    expect(found).toEqual([]);
  });
});

describe('the layers below the rules import nothing above them', () => {
  const SRC = join(import.meta.dirname, '..', '..', 'src');
  // From the bottom up: AWS's data, parsing, findings, then the model and the language adapters. Each may
  // import its own layer and those below it, never the rules, the engine or anything above them.
  const LAYERS: { dir: string; above: string[] }[] = [
    { dir: 'aws-data', above: ['parse', 'model', 'terraform', 'rules', 'rule-packs', 'engine', 'config', 'reporters', 'waivers', 'app', 'cli', 'integrations'] },
    { dir: 'model', above: ['rules', 'rule-packs', 'engine', 'config', 'reporters', 'waivers', 'app', 'cli', 'integrations'] },
    { dir: 'terraform', above: ['rules', 'rule-packs', 'engine', 'config', 'reporters', 'waivers', 'app', 'cli', 'integrations'] },
  ];
  for (const { dir, above } of LAYERS) {
    it(`src/${dir}/ imports nothing from ${above.join(', ')}`, () => {
      const pattern = new RegExp(`from '(?:\\.\\./)+(${above.join('|')})/`);
      const root = join(SRC, dir);
      const found = files(root).flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .flatMap((line, index) => (pattern.test(line) ? [`${relative(SRC, file)}:${index + 1}: ${line.trim()}`] : [])),
      );
      expect(found).toEqual([]);
    });
  }
});
