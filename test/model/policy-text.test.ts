import { describe, expect, it } from 'vitest';
import { DocumentModel } from '../../src/model/document-model.js';
import { describeValue } from '../../src/model/intrinsics.js';
import { withDefaults } from '../../src/model/options.js';
import { elementItems, type PolicyDocument } from '../../src/model/policy.js';
import { nodePath, type ScalarNode, type SourceNode } from '../../src/parse/nodes.js';
import { readInfrastructureFile } from '../../src/parse/parse-file.js';
import { parseYaml } from '../../src/parse/yaml.js';
import { parseJson } from '../../src/parse/json.js';
import { scalarValueOffsets } from '../../src/parse/scalar-offsets.js';

function policiesOf(path: string, text: string): { policies: PolicyDocument[]; at: (node: SourceNode) => string } {
  const outcome = readInfrastructureFile(path, text);
  if (outcome.status !== 'parsed') throw new Error(`${path} did not parse`);
  const model = new DocumentModel(outcome.document, withDefaults({}));
  return {
    policies: model.policies,
    at: (node) => {
      const { line, column } = outcome.document.file.positionAt(node.start);
      const end = outcome.document.file.positionAt(node.end);
      return `${line}:${column}-${end.line}:${end.column} ${text.slice(node.start, node.end)}`;
    },
  };
}

/** The written Action/Resource items of every statement, each with its place in the file and its values. */
function items(path: string, text: string, element: 'Action' | 'Resource'): string[] {
  const { policies, at } = policiesOf(path, text);
  return policies.flatMap((policy) =>
    policy.statements.flatMap((statement) => elementItems(statement, element).map((item) => `${at(item.node)} => ${item.values.map(describeValue).join(' | ')}`)),
  );
}

describe('scalarValueOffsets', () => {
  const scalars = (text: string, parse: (t: string) => ReturnType<typeof parseJson>): ScalarNode[] => {
    const result = parse(text);
    if (!result.ok) throw new Error('did not parse');
    const out: ScalarNode[] = [];
    const walk = (node: SourceNode): void => {
      if (node.kind === 'scalar') out.push(node);
      else if (node.kind === 'map') node.entries.forEach((e) => walk(e.value));
      else node.items.forEach(walk);
    };
    walk(result.root);
    return out;
  };

  /** Every non-space character of the value must be the file's character at its offset (or the escape that wrote it). */
  const expectMapped = (text: string, node: ScalarNode): void => {
    const offsets = scalarValueOffsets(text, node);
    expect(offsets, JSON.stringify(node.value)).toBeDefined();
    const value = String(node.value);
    for (let i = 0; i < value.length; i++) {
      const written = text[offsets!.starts[i]!];
      if (/\s/.test(value[i]!)) continue;
      expect(written === value[i] || written === '\\', `${JSON.stringify(value)}[${i}]`).toBe(true);
    }
  };

  it('maps literal, folded, quoted and plain YAML scalars', () => {
    const text = [
      'a: |',
      '  {"x": 1,',
      '    "y": 2}',
      'b: >-',
      '  one',
      '  two',
      '',
      '  three',
      'c: "tab\\tq\\"uote\\u00e9"',
      "d: 'it''s'",
      'e: plain text',
      '',
    ].join('\n');
    const nodes = scalars(text, parseYaml);
    expect(nodes.map((n) => n.value)).toEqual(['{"x": 1,\n  "y": 2}\n', 'one two\nthree', 'tab\tq"uoteé', "it's", 'plain text']);
    for (const node of nodes) expectMapped(text, node);
    const literal = scalarValueOffsets(text, nodes[0]!)!;
    // `"y"` is on line 3 after four spaces: the block's indentation (2) is not part of the value, the rest is.
    expect(literal.starts[String(nodes[0]!.value).indexOf('"y"')]).toBe(text.indexOf('"y"'));
  });

  it('maps JSON strings with escapes, including surrogate pairs', () => {
    const text = '{"p": "{\\"a\\": \\"\\ud83d\\ude00 \\\\ \\n b\\"}"}';
    const [node] = scalars(text, parseJson);
    expect(node!.value).toBe('{"a": "\u{1F600} \\ \n b"}');
    expectMapped(text, node!);
    expect(scalarValueOffsets(text, node!)!.starts[String(node!.value).indexOf('b')]).toBe(text.indexOf(' b\\"') + 1);
  });
});

describe('policies written as JSON text', () => {
  const yaml = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  BucketName: { Type: String }
  Env: { Type: String, Default: prod }
  Actions: { Type: CommaDelimitedList, Default: "s3:GetObject,s3:PutObject" }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: '{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
      Policies:
        - PolicyName: sub
          PolicyDocument: !Sub |
            {
              "Version": "2012-10-17",
              "Statement": [
                { "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:\${AWS::Partition}:s3:::\${BucketName}/\${!aws:username}/*" },
                { "Effect": "Allow", "Action": ["*"], "Resource": "*" }
              ]
            }
        - PolicyName: sub-with-variables
          PolicyDocument: !Sub
            - '{"Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"\${Arn}"}]}'
            - Arn: !GetAtt Bucket.Arn
        - !If
          - IsProd
          - PolicyName: in-if
            PolicyDocument: '{"Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}'
          - !Ref AWS::NoValue
  Join:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: !Join
        - ''
        - - '{"Statement":[{"Effect":"Allow","Action":'
          - !Ref Actions
          - ',"Resource":"arn:aws:s3:::'
          - !Ref BucketName
          - '/*"}]}'
  Bucket:
    Type: AWS::S3::Bucket
`;

  it('reads !Sub, Fn::Sub with variables, a string in an Fn::If branch and Fn::Join, each item at its characters', () => {
    expect(items('t.yaml', yaml, 'Action')).toEqual([
      '12:119-12:135 "sts:AssumeRole" => sts:AssumeRole',
      '19:48-19:62 "s3:GetObject" => s3:GetObject',
      '20:49-20:52 "*" => *',
      '25:57-25:72 "s3:ListBucket" => s3:ListBucket',
      '30:71-30:79 "logs:*" => logs:*',
      // A list parameter written where a JSON value goes: its values, read from the default.
      '38:18-39:1 Actions\n => s3:GetObject | s3:PutObject',
    ]);
  });

  it('keeps ${…} placeholders as values to resolve, not as text', () => {
    expect(items('t.yaml', yaml, 'Resource')).toEqual([
      // ${!aws:username} is the IAM policy variable, written literally; the parameter stays a placeholder.
      '19:76-19:137 "arn:${AWS::Partition}:s3:::${BucketName}/${!aws:username}/*" => arn:aws:s3:::${BucketName}/${aws:username}/*',
      '20:67-20:70 "*" => *',
      '25:84-25:92 "${Arn}" => ${Bucket.Arn}',
      '30:91-30:94 "*" => *',
      // The join's pieces come together into one string whose middle is the parameter.
      `39:26-41:17 "arn:aws:s3:::'\n          - !Ref BucketName\n          - '/*" => arn:aws:s3:::\${BucketName}/*`,
    ]);
  });

  it('gives the trust policy written as a string its statements, and paths through the property', () => {
    const { policies } = policiesOf('t.yaml', yaml);
    const trust = policies.find((p) => p.kind === 'trust')!;
    expect(trust.statements).toHaveLength(1);
    expect(nodePath(elementItems(trust.statements[0]!, 'Action')[0]!.node)).toBe('Resources.Role.Properties.AssumeRolePolicyDocument.Statement[0].Action');
    // Nodes written outside the text keep their own place.
    const join = policies.find((p) => p.owner.resource?.logicalId === 'Join')!;
    expect(nodePath(elementItems(join.statements[0]!, 'Action')[0]!.values[0]!.node)).toBe('Parameters.Actions.Default');
  });

  it('maps an escaped JSON string of a JSON template to its characters', () => {
    const json = JSON.stringify(
      { Resources: { P: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'p', Users: ['u'], PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] }, null, 1) } } } },
      null,
      2,
    );
    expect(items('t.json', json, 'Action')).toEqual(['10:97-10:106 \\"iam:*\\" => iam:*']);
  });

  it('leaves text that is not a JSON object alone', () => {
    const text = `Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: !Sub '{"Statement": [\${Broken}'
`;
    const { policies } = policiesOf('t.yaml', text);
    expect(policies[0]!.statements).toEqual([]);
  });
});
