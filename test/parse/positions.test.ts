import { describe, expect, it } from 'vitest';
import { getPath, nodePath, type SourceNode } from '../../src/parse/nodes.js';
import { parseJson } from '../../src/parse/json.js';
import { parseYaml } from '../../src/parse/yaml.js';
import { SourceFile } from '../../src/parse/source-file.js';
import { readInfrastructureFile } from '../../src/parse/parse-file.js';

function root(result: ReturnType<typeof parseYaml>): SourceNode {
  if (!result.ok) throw new Error(result.problem.message);
  return result.root;
}

describe('YAML parser', () => {
  const text = [
    'Resources:', //                                  1
    '  Role:', //                                     2
    '    Type: AWS::IAM::Role', //                    3
    '    Properties:', //                             4
    '      RoleName: !Sub "${AWS::StackName}-app"', // 5
    '      Arn: !GetAtt Other.Arn', //                6
    '      List:', //                                 7
    '        - a', //                                 8
    '        - !Ref Param', //                        9
  ].join('\n');
  const file = new SourceFile('t.yaml', text);
  const tree = root(parseYaml(text));

  it('keeps line and column of scalars', () => {
    const type = getPath(tree, ['Resources', 'Role', 'Type'])!;
    expect(file.spanOf(type.start, type.end)).toEqual({ line: 3, column: 11, endLine: 3, endColumn: 25 });
    const item = getPath(tree, ['Resources', 'Role', 'Properties', 'List', 0])!;
    expect(file.positionAt(item.start)).toEqual({ line: 8, column: 11 });
  });

  it('turns short-form tags into their long form at the tag position', () => {
    const sub = getPath(tree, ['Resources', 'Role', 'Properties', 'RoleName', 'Fn::Sub'])!;
    expect(sub.kind).toBe('scalar');
    const fn = getPath(tree, ['Resources', 'Role', 'Properties', 'RoleName'])!;
    // The function node starts at its value (YAML ranges exclude the tag): still the right line.
    expect(file.positionAt(fn.start)).toEqual({ line: 5, column: 22 });
    const getAtt = getPath(tree, ['Resources', 'Role', 'Properties', 'Arn', 'Fn::GetAtt'])!;
    expect(getAtt.kind === 'seq' && getAtt.items.map((i) => (i.kind === 'scalar' ? i.value : null))).toEqual(['Other', 'Arn']);
    const ref = getPath(tree, ['Resources', 'Role', 'Properties', 'List', 1, 'Ref'])!;
    expect(file.positionAt(ref.start).line).toBe(9);
  });

  it('derives JSON paths from parents', () => {
    const item = getPath(tree, ['Resources', 'Role', 'Properties', 'List', 1])!;
    expect(nodePath(item)).toBe('Resources.Role.Properties.List[1]');
  });

  it('reports a syntax error with its offset', () => {
    const result = parseYaml('Resources:\n  A: [1, 2\n  B: 3\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(new SourceFile('x', 'Resources:\n  A: [1, 2\n  B: 3\n').positionAt(result.problem.offset).line).toBeGreaterThan(1);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
    const result = parseYaml(lines.join('\n'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.message).toMatch(/alias bomb/);
  });

  it('refuses nesting deeper than the limit', () => {
    const result = parseYaml('['.repeat(400) + ']'.repeat(400));
    expect(result.ok).toBe(false);
  });
});

describe('JSON parser', () => {
  const text = '{\n  "Statement": [\n    {"Effect": "Allow", "Action": "*"}\n  ]\n}';
  it('keeps positions', () => {
    const tree = parseJson(text);
    expect(tree.ok).toBe(true);
    if (!tree.ok) return;
    const action = getPath(tree.root, ['Statement', 0, 'Action'])!;
    expect(new SourceFile('p.json', text).spanOf(action.start, action.end)).toEqual({ line: 3, column: 35, endLine: 3, endColumn: 38 });
  });
  it('reports the offset of a syntax error', () => {
    const bad = '{\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}';
    const result = parseJson(bad);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(new SourceFile('p.json', bad).positionAt(result.problem.offset).line).toBe(3);
  });
  it('refuses nesting deeper than the limit without overflowing the stack', () => {
    expect(parseJson('['.repeat(100_000) + ']'.repeat(100_000)).ok).toBe(false);
  });
});

describe('classification', () => {
  it('recognises templates, SAM and policies, and leaves the rest alone', () => {
    expect(readInfrastructureFile('a.yaml', 'AWSTemplateFormatVersion: "2010-09-09"\nResources: {}\n').status).toBe('parsed');
    expect(readInfrastructureFile('sam.yml', 'Transform: AWS::Serverless-2016-10-31\nResources: {}\n').status).toBe('parsed');
    expect(readInfrastructureFile('r.yaml', 'Resources:\n  B:\n    Type: AWS::S3::Bucket\n').status).toBe('parsed');
    const policy = readInfrastructureFile('p.json', '{"Version":"2012-10-17","Statement":[]}');
    expect(policy.status === 'parsed' && policy.document.kind).toBe('iam-policy');
    expect(readInfrastructureFile('.github/workflows/ci.yml', 'on: push\njobs: {}\n# AWS::\n').status).toBe('skipped');
    expect(readInfrastructureFile('k8s.yaml', 'apiVersion: v1\nkind: ConfigMap\ndata: {a: "AWS::S3::Bucket"}\nResources: {}\n').status).toBe('skipped');
    // By content, not by name: a bank statement export is no policy, a policy called package.json is one.
    expect(readInfrastructureFile('export.json', '{"Statement":[{"date":"2026-01-01","amount":12.5}]}').status).toBe('skipped');
    expect(readInfrastructureFile('package.json', '{"name":"x","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}').status).toBe('parsed');
    expect(readInfrastructureFile('README.md', 'AWSTemplateFormatVersion').status).toBe('skipped');
  });
  it('reports a broken template as failed with a position', () => {
    const outcome = readInfrastructureFile('bad.yaml', 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  A: [\n');
    expect(outcome.status).toBe('failed');
  });
});
