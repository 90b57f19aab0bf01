import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, shape } from '../support/parse-helpers.js';
import { parseYaml, parseYamlWithComposer } from '../../src/parse/yaml.js';
import { parseYamlFast } from '../../src/parse/yaml-fast.js';

/** The fast reader either declines or gives exactly what the `yaml` package gives. */
function expectSameAsComposer(text: string, label: string): boolean {
  const fast = parseYamlFast(text);
  if (fast === undefined) return false;
  const reference = parseYamlWithComposer(text);
  if (!reference.ok) throw new Error(`${label}: the fast reader accepted a document the yaml package rejects: ${reference.problem.message}`);
  expect(shape(fast), label).toEqual(shape(reference.root));
  return true;
}

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus/aws-cloudformation-templates');

const yamlFiles = (directory: string): string[] => filesUnder(directory, /\.(ya?ml|template)$/i);

/** Deterministic pseudo-random numbers, so a failing mutant is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const INSERTS = [' ', '  ', '\n', '#', ' #x', ':', ': ', '- ', '"', "'", '[', ']', '{', '}', ',', '!Ref ', '!Foo ', '|', '>-', '&a ', '*a', '? ', '---\n', '\\', 'x', '0', '\n  # c\n', '\n\n'];

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const choice = next();
  if (choice < 0.4) {
    const insert = INSERTS[Math.floor(next() * INSERTS.length)]!;
    return text.slice(0, at) + insert + text.slice(at);
  }
  if (choice < 0.7) return text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 3));
  // Re-indent or duplicate one line.
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const lineEnd = text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at) + 1;
  const line = text.slice(lineStart, lineEnd);
  if (choice < 0.85) return text.slice(0, lineStart) + (next() < 0.5 ? ' ' : '') + line.replace(/^ /, next() < 0.5 ? '' : ' ') + text.slice(lineEnd);
  return text.slice(0, lineEnd) + line + text.slice(lineEnd);
}

const CASES: Record<string, string> = {
  'scalar typing': [
    'a: 1', 'b: -2', 'c: +3', 'd: 0o17', 'e: 0x1F', 'f: 1.5', 'g: .5', 'h: 1e3', 'i: -.inf', 'j: .NaN', 'k: true', 'l: False',
    'm: ~', 'n: null', 'o: NULL', 'p: 2010-09-09', 'q: "2010-09-09"', "r: '12'", 's: 012', 't: -0', 'u: 1_000', 'v: yes', 'w: 0.', 'x: 9007199254740993',
    '"k1": v', "'k2': v", '3: three', 'true: t', 'x y : spaced key',
  ].join('\n') + '\n',
  'short forms': [
    'Resources:',
    '  R:',
    '    Properties:',
    '      A: !Ref Param',
    '      B: !GetAtt Role.Arn',
    '      C: !GetAtt [Role, Arn]',
    "      D: !Sub '${AWS::StackName}-x'",
    '      E: !Join ["", [!Ref A, !GetAtt B.C, "x"]]',
    '      F: !If',
    '        - Cond',
    '        - !Ref X',
    '        - !Ref AWS::NoValue',
    '      G: !Select [0, !GetAZs ""]   # trailing comment',
    '      H: !Equals [!Ref Environment, prod]',
    '      I: !Base64 |',
    '        #!/bin/bash',
    '        echo hi',
    '      J: !GetAtt Only',
    '      K: { "Fn::GetAtt": [A, B] }',
    '      L: {Ref: X}',
  ].join('\n') + '\n',
  'block scalars': [
    'a: |',
    '  line one',
    '',
    '    indented',
    '  last',
    '',
    'b: >',
    '  folded',
    '  text',
    '',
    '  para',
    'c: |-',
    '  stripped',
    '',
    '',
    'd: |+',
    '  kept',
    '',
    '',
    'e: >-   # header comment',
    '    deep',
    '    text',
    '  # comment after',
    'f: end',
  ].join('\n') + '\n',
  'comments and blank lines': [
    '# leading',
    'Top:',
    '  # before',
    '  A: 1 # after',
    '',
    '      # deeper, attached to the value',
    '  B:',
    '    - x',
    '    # same indent as the sequence',
    '  C:',
    '    D: [1, 2]  # flow',
    '    # at D',
    '  # at C',
    'E:',
    '- a',
    '- b: 1',
    '  c: 2',
    '# trailing',
    '',
  ].join('\n'),
  'empty values and nesting': ['a:', 'b:   ', '', 'c:', '  d:', '  e: 1', 'f: "quoted \\" escape \\u00e9"', "g: 'it''s'", 'h: []', 'i: {}', 'j: [ a , b ]', 'k:'].join('\n'),
  'other local tags': ['a: !Rain::Embed 12', 'b: !Custom', '  - 1', 'c: !Custom [x]', 'd: !Custom "q"', 'e: !GetAZs', 'f:', '  - !GetAZs', '  - - x', '    - 2'].join('\n') + '\n',
  'sequence shapes': ['- a', '-   b: 1', '    c: 2', '-', '  - nested', '- [x, y]', '- "q"', '- !Ref Z', '- k: |', '    block', '  l: m'].join('\n') + '\n',
};

describe('fast YAML reader', () => {
  for (const [name, text] of Object.entries(CASES)) {
    it(`reads ${name} exactly like the yaml package`, () => {
      expect(expectSameAsComposer(text, name)).toBe(true);
    });
  }

  it('leaves anchors, aliases, multi-line scalars, several documents and errors to the yaml package', () => {
    for (const text of [
      'a: &x 1\nb: *x\n',
      'a: this is\n  continued\n',
      'a: "multi\n  line"\n',
      'a: 1\n---\nb: 2\n',
      '? complex\n: key\n',
      'a: [1,\n  2]\n',
      'a: b: c\n',
      'a:\n\tb: 1\n',
      'a: 1\n b: 2\n',
      'a: [1, 2\n',
      'a: !!str 1\n',
      'a: !Custom%41 x\n',
      'a: "unterminated\n',
    ]) {
      expect(parseYamlFast(text), text).toBeUndefined();
    }
  });

  it('still rejects through the yaml package what the fast reader declines', () => {
    const result = parseYaml('a: b: c\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.offset).toBe(3);
  });

  it('agrees with the yaml package on mutated templates, or declines', () => {
    const next = random(20260926);
    const bases = Object.values(CASES);
    if (existsSync(CORPUS)) bases.push(...yamlFiles(CORPUS).slice(0, 40).map((path) => readFileSync(path, 'utf8')));
    let accepted = 0;
    for (let round = 0; round < 3000; round++) {
      let text = bases[round % bases.length]!;
      const mutations = 1 + Math.floor(next() * 3);
      for (let m = 0; m < mutations; m++) text = mutate(text, next);
      if (expectSameAsComposer(text, `mutant ${round}`)) accepted++;
    }
    // The mutants must exercise the fast reader, not only its refusals.
    expect(accepted).toBeGreaterThan(300);
  });
});

describe.skipIf(!existsSync(CORPUS))('fast YAML reader on the corpus', () => {
  it(`gives the same tree as the yaml package for every YAML template in ${CORPUS}`, () => {
    const files = yamlFiles(CORPUS);
    expect(files.length).toBeGreaterThan(100);
    const declined: string[] = [];
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      if (!expectSameAsComposer(text, path)) declined.push(path);
      // The public entry point gives the reference result whichever reader ran.
      const viaEntry = parseYaml(text);
      const reference = parseYamlWithComposer(text);
      expect(viaEntry.ok).toBe(reference.ok);
      if (viaEntry.ok && reference.ok) expect(shape(viaEntry.root)).toEqual(shape(reference.root));
      else if (!viaEntry.ok && !reference.ok) expect(viaEntry.problem).toEqual(reference.problem);
    }
    // Most templates must take the fast path, or the speed-up is gone.
    expect(declined.length, declined.join('\n')).toBeLessThan(files.length / 5);
  });
});

if (!existsSync(CORPUS)) {
  console.warn(`yaml-equivalence: corpus not found at ${CORPUS}; the whole-corpus comparison is skipped.`);
}
