import { describe, expect, it } from 'vitest';
import { decodeFileBytes } from '../../src/parse/decode-text.js';
import { mayBeInfrastructure } from '../../src/parse/classify.js';
import { readInfrastructureFile } from '../../src/parse/parse-file.js';

/** Issue 13: what a file is comes from its parsed content, whatever its name or spelling. */
const kindOf = (path: string, text: string) => {
  const outcome = readInfrastructureFile(path, text);
  return outcome.status === 'parsed' ? outcome.document.kind : outcome.status;
};

describe('classification by content', () => {
  it('reads every spelling the parsers accept: JSON \\u, YAML \\x and \\u, a YAML line continuation, flow style', () => {
    const json = '{"\\u0053tatement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}';
    const yamlX = 'Resources:\n  R:\n    Type: "\\x41WS::IAM::Role"\n';
    const yamlU = 'Resources:\n  R:\n    Type: "\\u0041WS::IAM::Role"\n';
    const continued = 'Resources:\n  R:\n    Type: "A\\\n      WS::IAM::Role"\n';
    const flow = '{Resources: {R: {Type: AWS::IAM::Role}}}';
    for (const text of [json, yamlX, yamlU, continued]) expect(mayBeInfrastructure(text)).toBe(true);
    expect(kindOf('policy.json', json)).toBe('iam-policy');
    expect(kindOf('values.yaml', yamlX)).toBe('cloudformation');
    expect(kindOf('Chart.yaml', yamlU)).toBe('cloudformation');
    expect(kindOf('docker-compose.yml', continued)).toBe('cloudformation');
    expect(kindOf('cdk.out/stack.template.json', flow)).toBe('cloudformation');
  });

  it('names exclude nothing: package.json, tsconfig.json and workflow files are read for what they hold', () => {
    const policy = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}';
    expect(kindOf('package.json', policy)).toBe('iam-policy');
    expect(kindOf('tsconfig.base.json', policy)).toBe('iam-policy');
    expect(kindOf('.github/workflows/deploy.yml', 'AWSTemplateFormatVersion: "2010-09-09"\nResources: {}\n')).toBe('cloudformation');
    expect(kindOf('package.json', '{"name": "x", "version": "1.0.0"}')).toBe('skipped');
  });

  it('calls a JSON file a policy only when its statements are IAM statements (issue 14, class 8)', () => {
    expect(kindOf('bank.json', '{"Statement": [{"date": "2026-01-01", "amount": 3}]}')).toBe('skipped');
    expect(kindOf('bank.json', '{"Statement": {"Sid": "only a name"}}')).toBe('skipped');
    expect(kindOf('p.json', '{"Statement": [{"date": 1}, {"Effect": "Deny", "Action": "*", "Resource": "*"}]}')).toBe('iam-policy');
    expect(kindOf('p.json', '{"Version": "2012-10-17", "Statement": []}')).toBe('iam-policy');
    expect(kindOf('trust.json', '{"Statement": [{"Principal": {"AWS": "*"}}]}')).toBe('iam-policy');
  });

  it('lets a duplicated key count in both places and lists it as a duplicate', () => {
    const text = 'Resources:\n  R:\n    Type: Custom::Thing\n    Type: AWS::IAM::Role\n';
    const outcome = readInfrastructureFile('t.yaml', text);
    expect(outcome.status).toBe('parsed');
    if (outcome.status !== 'parsed') return;
    expect(outcome.duplicates.map((d) => [d.key, d.first.start, d.repeated.start])).toEqual([['Type', text.indexOf('Type'), text.lastIndexOf('Type')]]);
  });

  it('refuses NUL bytes and oversize files instead of skipping them, and reads a byte order mark', () => {
    expect(readInfrastructureFile('a.json', '{"x": 1}\u0000')).toMatchObject({ status: 'failed', reason: 'parse-error' });
    expect(readInfrastructureFile('big.yaml', 'a: b\n' + ' '.repeat(21 * 1024 * 1024))).toMatchObject({ status: 'failed', reason: 'too-large' });
    expect(kindOf('bom.json', '\ufeff{"Version": "2012-10-17", "Statement": []}')).toBe('iam-policy');
    expect(decodeFileBytes(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('AWS', 'utf16le').swap16()]))).toBe('AWS');
    expect(decodeFileBytes(Buffer.from([0xef, 0xbb, 0xbf, 0x41]))).toBe('A');
  });
});
