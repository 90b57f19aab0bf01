import { describe, expect, it } from 'vitest';
import { loadCustomRules } from '../../src/rule-packs/custom-rules.js';
import { compileUserPattern } from '../../src/rule-packs/patterns.js';
import { parseSelector, selectNodes } from '../../src/rule-packs/selector.js';
import { parseYaml } from '../../src/parse/yaml.js';
import { lines, rulesFrom, scan, template } from './helpers.js';

function ruleWith(check: string, ruleExtra = ''): string {
  return `rules:
  - id: custom/hostile
    title: Rule facing hostile input
    category: custom/testing
    severity: high
    why: Exercises the safety limits of rule evaluation.
    fix: Narrow the selector or simplify the pattern.
${ruleExtra}    if-unknown: fail
    message: '{{resource}} {{key}}={{value}}'
    checks:
      - ${check.trim().split('\n').join('\n        ')}
`;
}

describe('user patterns run on RE2', () => {
  it('matches a catastrophic-backtracking pattern against a long string without backtracking', () => {
    // With a backtracking engine, (a+)+$ on "aaaa…a!" takes exponential time to fail; RE2 is linear.
    const compiled = compileUserPattern('(a+)+$');
    if (!compiled.ok) throw new Error(compiled.message);
    expect(compiled.pattern.test(`${'a'.repeat(50_000)}!`)).toBe(false);
    expect(compiled.pattern.test('a'.repeat(50_000))).toBe(true);
  });

  it('evaluates a hostile pattern from a rule over a hostile value in a template', () => {
    const rules = rulesFrom(ruleWith("select: $.Properties.Name\nmatches: '^(a|aa)+$'\nif-missing: pass", '    resources: [AWS::Test::Thing]\n'));
    const text = template(`  T:\n    Type: AWS::Test::Thing\n    Properties:\n      Name: ${'a'.repeat(40_000)}b\n`);
    expect(scan(text, rules).map((f) => `${f.line} ${f.ruleId}`)).toEqual(['6 custom/hostile']);
  });

  it('refuses backreferences, lookahead and lookbehind', () => {
    for (const pattern of ['(a)\\1', '(?=a)', '(?!a)', '(?<=a)b', '(?<!a)b']) {
      const result = compileUserPattern(pattern);
      expect(result.ok, pattern).toBe(false);
    }
  });
});

describe('selectors never evaluate code', () => {
  it('refuses script, filter, parent, property-name and type operators when the rule is loaded', () => {
    for (const selector of [
      '$..[?(@.x)]',
      '$..[(@.length-1)]',
      "$..[?(@.constructor.constructor('return process')().exit())]",
      '$.Properties^',
      '$.Properties.*~',
      '$..@string()',
      '$.Properties[`x`]',
      'Properties.Name',
    ]) {
      const parsed = parseSelector(selector);
      expect(parsed.ok, selector).toBe(false);
    }
    const { rules, errors } = loadCustomRules(ruleWith("select: '$..[?(@.Type)]'\nexists: true", '    resources: [AWS::Test::Thing]\n'), 'rules.yml');
    expect(rules).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'rules.yml', line: 12, column: 17 });
    expect(errors[0]!.message).toContain('nothing in a rule is ever evaluated as code');
  });

  it('treats __proto__ and constructor keys in a template as plain keys', () => {
    const parsed = parseYaml('Resources:\n  T:\n    __proto__: {polluted: true}\n    constructor: x\n');
    if (!parsed.ok) throw new Error('fixture must parse');
    const selector = parseSelector('$.Resources.T.__proto__.polluted');
    if (!selector.ok) throw new Error(selector.message);
    expect(selectNodes(parsed.root, selector.selector).nodes.map((n) => n.kind)).toEqual(['scalar']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('bounded work', () => {
  const bigList = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;

  it('stops a selector at the result limit with one finding that says so', () => {
    const rules = rulesFrom(ruleWith('select: $..*\nabsent: true', '    resources: [AWS::Test::Thing]\n'), { maxSelected: 100 });
    const text = template(`  T:\n    Type: AWS::Test::Thing\n    Properties:\n      Items: ${bigList(5000)}\n`);
    const findings = scan(text, rules);
    const limit = findings.filter((f) => f.message.includes('matched more than 100 nodes'));
    expect(limit).toHaveLength(1);
    expect(limit[0]).toMatchObject({ line: 3, severity: 'high', resource: 'T' });
    expect(findings.length).toBe(1);
  });

  it('the default limit bounds a huge selection too', () => {
    const rules = rulesFrom(ruleWith('select: $.Properties.Items[*]\nless-than: 0\nif-missing: pass', '    resources: [AWS::Test::Thing]\n'));
    const findings = scan(template(`  T:\n    Type: AWS::Test::Thing\n    Properties:\n      Items: ${bigList(3000)}\n`), rules);
    expect(findings.filter((f) => f.message.includes('matched more than 1000 nodes'))).toHaveLength(1);
    expect(findings.length).toBe(1);
  });

  it('stops a rule that exceeds its work budget on a file, with one finding naming where it stopped', () => {
    // Each resource costs 5 units: its selection scope has 4 nodes (the resource, Type, Properties,
    // Name) and the assertion 1. A budget of 20 pays for T0 to T3; T4 cannot be checked.
    const rules = rulesFrom(ruleWith("select: $.Properties.Name\nmatches: '^ok$'\nif-missing: pass", '    resources: [AWS::Test::Thing]\n'), { workBudget: 20 });
    const resources = Array.from({ length: 50 }, (_, i) => `  T${i}:\n    Type: AWS::Test::Thing\n    Properties:\n      Name: ok\n`).join('');
    const findings = scan(template(resources), rules);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/^Rule custom\/hostile stopped after its work budget on this file \(20 node visits\); T4 and the resources after it were not checked/);
    expect(findings[0]!.severity).toBe('high');
  });

  it('stops a rule whose selectors rescan deep subtrees from every node, the same way on every run', () => {
    // Every check selects every node of a 200-deep chain and searches each one's subtree again:
    // quadratic work, far above the default budget of the file's ~400 nodes.
    const check = "      - each: $..*\n        select: $..Name\n        matches: '^ok$'\n        if-missing: pass\n";
    const rules = rulesFrom(ruleWith("select: $.Nothing\nexists: false", '    documents: [cloudformation]\n').replace(/      - select: \$\.Nothing\n        exists: false\n/, () => check.repeat(8)));
    let chain = '{ Name: ok }';
    for (let depth = 0; depth < 200; depth++) chain = `{ L: ${chain} }`;
    const text = template(`  T:\n    Type: AWS::Test::Thing\n    Properties:\n      Deep: ${chain}\n`);
    const first = lines(scan(text, rules));
    expect(first).toHaveLength(1);
    expect(scan(text, rules)[0]!.message).toMatch(/^Rule custom\/hostile stopped after its work budget on this file \(100,000 node visits\)/);
    expect(lines(scan(text, rules))).toEqual(first);
  });

  it('a generous budget lets the same rule finish and report exactly what is wrong', () => {
    const rules = rulesFrom(ruleWith("select: $.Properties.Name\nmatches: '^ok$'\nif-missing: pass", '    resources: [AWS::Test::Thing]\n'));
    const resources = Array.from({ length: 50 }, (_, i) => `  T${i}:\n    Type: AWS::Test::Thing\n    Properties:\n      Name: ${i === 37 ? 'bad' : 'ok'}\n`).join('');
    expect(lines(scan(template(resources), rules))).toEqual(['154:13 high custom/hostile: T37 Name=bad']);
  });
});
