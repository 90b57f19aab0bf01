import { describe, expect, it } from 'vitest';
import { getPath, type SourceNode } from '../../src/parse/nodes.js';
import { readInfrastructureFile } from '../../src/parse/parse-file.js';
import { IntrinsicResolver, describeValue, type ResolvedValue } from '../../src/model/intrinsics.js';
import { Template } from '../../src/model/template.js';

function setup(yaml: string): { resolver: IntrinsicResolver; at: (...keys: (string | number)[]) => SourceNode } {
  const outcome = readInfrastructureFile('t.yaml', yaml);
  if (outcome.status !== 'parsed') throw new Error('fixture did not parse');
  const template = new Template(outcome.document);
  return {
    resolver: new IntrinsicResolver(template),
    at: (...keys) => getPath(outcome.document.root, ['Resources', 'R', 'Properties', ...keys])!,
  };
}

const texts = (values: ResolvedValue[]) => values.map(describeValue);

const template = `
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Tokens: { Type: String, AllowedValues: [required, optional], Default: required }
  Bucket: { Type: String }
  Env: { Type: String, Default: prod }
  Names: { Type: CommaDelimitedList, Default: "a,b" }
Mappings:
  RegionMap:
    us-east-1: { Ami: ami-1 }
    eu-west-1: { Ami: ami-2 }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Always: !Equals [a, a]
  Never: !Not [!Condition Always]
Resources:
  Other: { Type: AWS::S3::Bucket }
  R:
    Type: AWS::IAM::Policy
    Properties:
      A: !Ref Tokens
      B: !Sub arn:\${AWS::Partition}:s3:::\${Bucket}/*
      C: !Sub [ "arn:aws:s3:::\${Name}", { Name: !Ref Env } ]
      D: !Join [":", [arn, !Ref AWS::Partition, s3, "", "", !Ref Other]]
      E: !If [IsProd, yes, no]
      F: !FindInMap [RegionMap, !Ref AWS::Region, Ami]
      G: !Select [1, !Split [",", "x,y,z"]]
      H: !GetAtt Other.Arn
      I: !Ref AWS::NoValue
      J: !If [Always, kept, dropped]
      K: !ImportValue SharedBucket
      L: !Ref Names
      M: !Sub "\${!Literal}-\${AWS::AccountId}"
      N: !If [Never, a, !Ref AWS::NoValue]
      O: [one, !If [IsProd, two, !Ref AWS::NoValue]]
`;

describe('IntrinsicResolver', () => {
  const { resolver, at } = setup(template);

  it('resolves Ref to a parameter to every allowed value, naming the parameter', () => {
    const values = resolver.resolve(at('A'));
    expect(texts(values)).toEqual(['required', 'optional']);
    expect(values.every((v) => v.kind === 'known' && v.via === 'parameter Tokens (AllowedValues)')).toBe(true);
  });

  it('keeps unknown parts of Fn::Sub as placeholders and resolves the partition', () => {
    const [value] = resolver.resolve(at('B'));
    expect(value).toMatchObject({ kind: 'partial', text: 'arn:aws:s3:::${Bucket}/*' });
    expect(value!.kind === 'partial' && value!.refs).toEqual([{ name: 'Bucket', kind: 'parameter' }]);
  });

  it('uses Fn::Sub variables and parameter defaults', () => {
    expect(texts(resolver.resolve(at('C')))).toEqual(['arn:aws:s3:::prod']);
  });

  it('joins with references to resources as placeholders', () => {
    expect(texts(resolver.resolve(at('D')))).toEqual(['arn:aws:s3:::${Other}']);
  });

  it('follows both branches of Fn::If when the condition depends on a parameter', () => {
    expect(texts(resolver.resolve(at('E')))).toEqual(['yes', 'no']);
  });

  it('takes every top-level key of a mapping when the key is the region', () => {
    expect(texts(resolver.resolve(at('F')))).toEqual(['ami-1', 'ami-2']);
  });

  it('selects from a split', () => {
    expect(texts(resolver.resolve(at('G')))).toEqual(['y']);
  });

  it('renders GetAtt as a placeholder naming the resource', () => {
    const [value] = resolver.resolve(at('H'));
    expect(value).toMatchObject({ kind: 'partial', text: '${Other.Arn}', refs: [{ name: 'Other', kind: 'resource', attribute: 'Arn' }] });
  });

  it('treats AWS::NoValue as absent', () => {
    expect(resolver.resolve(at('I'))[0]!.kind).toBe('absent');
    expect(resolver.expand(at('N'))).toEqual([]);
  });

  it('decides conditions that do not depend on parameters', () => {
    expect(resolver.evaluateCondition('Always')).toBe(true);
    expect(resolver.evaluateCondition('Never')).toBe(false);
    expect(resolver.evaluateCondition('IsProd')).toBeUndefined();
    expect(texts(resolver.resolve(at('J')))).toEqual(['kept']);
  });

  it('reports imports as unknown with a reason', () => {
    const [value] = resolver.resolve(at('K'));
    expect(value!.kind).toBe('unknown');
    expect(describeValue(value!)).toContain('Fn::ImportValue SharedBucket');
  });

  it('splits list parameters', () => {
    expect(resolver.resolve(at('L'))[0]).toMatchObject({ kind: 'known', value: ['a', 'b'] });
  });

  it('keeps escaped ${!Literal} and pseudo parameters', () => {
    expect(texts(resolver.resolve(at('M')))).toEqual(['${Literal}-${AWS::AccountId}']);
  });

  it('drops NoValue items from lists', () => {
    expect(resolver.listItems(at('O')).map((n) => (n.kind === 'scalar' ? n.value : '?'))).toEqual(['one', 'two']);
  });

  it('never throws on malformed intrinsics', () => {
    const bad = setup(`
Resources:
  R:
    Type: AWS::IAM::Policy
    Properties:
      A: { "Fn::Join": "x" }
      B: { "Fn::Select": [9, [a]] }
      C: { "Fn::FindInMap": [Missing, a, b] }
      D: { "Fn::GetAtt": 3 }
      E: { "Fn::Sub": [1, 2, 3] }
      F: { "Ref": "Nope" }
`);
    for (const key of ['A', 'B', 'C', 'D', 'E', 'F']) {
      const values = bad.resolver.resolve(bad.at(key));
      expect(values.length).toBeGreaterThan(0);
      expect(values.every((v) => v.kind === 'unknown')).toBe(true);
    }
  });
});

describe('IntrinsicResolver under the conditions that guard a value', () => {
  // The shape of aws-cloudformation-templates' Solutions/ADConnector and ManagedAD: an optional logs
  // bucket whose parameter defaults to "", used only inside the branch of a condition requiring it.
  const guarded = setup(`
Parameters:
  LogsBucket: { Type: String, Default: "" }
  Mode: { Type: String, AllowedValues: [off, audit, full], Default: "off" }
Conditions:
  HasLogsBucket: !Not [!Equals [!Ref LogsBucket, ""]]
  NoLogsBucket: !Equals [!Ref LogsBucket, ""]
  Full: !Equals [!Ref Mode, full]
  Audited: !Or [!Condition Full, !Equals [!Ref Mode, audit]]
Resources:
  R:
    Type: AWS::IAM::Policy
    Properties:
      A: !If [HasLogsBucket, !Sub "arn:aws:s3:::\${LogsBucket}/*", none]
      B: !Sub "arn:aws:s3:::\${LogsBucket}/*"
      C: !If [NoLogsBucket, !Ref LogsBucket, !Ref LogsBucket]
      D: !If [Audited, !Ref Mode, !Ref Mode]
      E: !If [HasLogsBucket, !If [HasLogsBucket, inner, never], x]
  Guarded:
    Type: AWS::IAM::Policy
    Condition: HasLogsBucket
    Properties:
      A: !Sub "arn:aws:s3:::\${LogsBucket}/*"
`);
  const atResource = (logicalId: string, key: string): SourceNode => {
    let root = guarded.at('A');
    while (root.parent !== undefined) root = root.parent;
    return getPath(root, ['Resources', logicalId, 'Properties', key])!;
  };

  it('does not use a default that the guarding Fn::If branch rules out', () => {
    expect(texts(guarded.resolver.resolve(guarded.at('A')))).toEqual(['arn:aws:s3:::${LogsBucket}/*', 'none']);
  });

  it("does not use a default that the resource's Condition rules out", () => {
    expect(texts(guarded.resolver.resolve(atResource('Guarded', 'A')))).toEqual(['arn:aws:s3:::${LogsBucket}/*']);
  });

  it('keeps the default where no condition guards the value, and in the branch that admits it', () => {
    expect(texts(guarded.resolver.resolve(guarded.at('B')))).toEqual(['arn:aws:s3:::/*']);
    const [whenEmpty, otherwise] = guarded.resolver.resolve(guarded.at('C'));
    expect(whenEmpty).toMatchObject({ kind: 'known', value: '' });
    expect(otherwise).toMatchObject({ kind: 'partial', text: '${LogsBucket}' });
  });

  it('keeps only the allowed values a guard admits, through Fn::Or and Condition', () => {
    expect(texts(guarded.resolver.resolve(guarded.at('D')))).toEqual(['audit', 'full', 'off']);
    const [audited] = guarded.resolver.expand(guarded.at('D')).map((branch) => texts(guarded.resolver.resolve(branch)));
    expect(audited).toEqual(['audit', 'full']);
  });

  it('decides a nested Fn::If on a condition its branch already settles', () => {
    expect(texts(guarded.resolver.resolve(guarded.at('E')))).toEqual(['inner', 'x']);
  });

  it('names the guards of a node', () => {
    expect([...guarded.resolver.guardsOf(atResource('Guarded', 'A'))]).toEqual([['HasLogsBucket', true]]);
    const branch = guarded.resolver.expand(guarded.at('C'))[1]!;
    expect([...guarded.resolver.guardsOf(branch)]).toEqual([['NoLogsBucket', false]]);
  });
});

describe('IntrinsicResolver without a template', () => {
  it('says intrinsics in plain policy files are not evaluated', () => {
    const outcome = readInfrastructureFile('p.json', '{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":{"Fn::Sub":"x"}}]}');
    if (outcome.status !== 'parsed') throw new Error('not parsed');
    const node = getPath(outcome.document.root, ['Statement', 0, 'Resource'])!;
    const [value] = new IntrinsicResolver().resolve(node);
    expect(value!.kind).toBe('unknown');
  });
});
