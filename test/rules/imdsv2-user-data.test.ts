import { describe, expect, it } from 'vitest';
import type { ScalarNode } from '../../src/parse/nodes.js';
import { findSecrets } from '../../src/rules/imdsv2/_user-data-secrets.js';

/** A literal whose source text is `raw` at offset 0 (what a parser gives for a plain scalar). */
function secretsIn(value: string, raw = value) {
  const literal: ScalarNode = { kind: 'scalar', value, start: 0, end: raw.length };
  return findSecrets(value, literal, raw).map((s) => ({ kind: s.kind, masked: s.masked, at: raw.slice(s.node.start, s.node.end) }));
}

describe('secrets in user data', () => {
  it('finds access keys, secret keys, private keys and passwords, masked', () => {
    expect(secretsIn('export AWS_ACCESS_KEY_ID=AKIA2OGYBAH6TQWERTYU\n')).toEqual([{ kind: 'access-key-id', masked: 'AKIA…', at: 'AKIA2OGYBAH6TQWERTYU' }]);
    expect(secretsIn('aws_secret_access_key = abcdABCD0123456789abcdABCD0123456789+/xy\n')[0]).toMatchObject({ kind: 'secret-access-key', masked: 'aws_secret_access_key=abcd…' });
    expect(secretsIn('-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n')[0]?.kind).toBe('private-key');
    expect(secretsIn('mysql --password=Summer2024! db\n')).toEqual([{ kind: 'password', masked: 'password=Summ…', at: 'password=Summer2024!' }]);
  });

  it('leaves references and placeholders alone', () => {
    const clean = [
      'export DB_PASSWORD=${DbPassword}',
      'DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)',
      "MASTER_PASSWORD='{{resolve:secretsmanager:db:SecretString:password}}'",
      'password=\n',
      'PASSWORD=xxxx',
      'aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE',
      'TOKEN=$(curl -X PUT http://169.254.169.254/latest/api/token)',
      'passwd -l ec2-user',
    ];
    for (const text of clean) expect(secretsIn(text), text).toEqual([]);
  });

  it('points at the second occurrence when a secret repeats, and falls back to the literal when escaped text differs', () => {
    const value = 'A=AKIA2OGYBAH6TQWERTYU\nB=AKIA2OGYBAH6TQWERTYU\n';
    const raw = `  ${value.replace(/\n/g, '\n  ')}`;
    const literal: ScalarNode = { kind: 'scalar', value, start: 0, end: raw.length };
    const found = findSecrets(value, literal, raw);
    expect(found.map((s) => s.node.start)).toEqual([raw.indexOf('AKIA'), raw.lastIndexOf('AKIA')]);
    const escaped: ScalarNode = { kind: 'scalar', value: 'pass\tword', start: 0, end: 5 };
    const inJson = findSecrets('DB_PASSWORD=hunter2\u0001x', escaped, 'nothing to see');
    expect(inJson[0]?.node).toBe(escaped);
  });
});
