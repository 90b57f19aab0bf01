import { describe, expect, it } from 'vitest';
import { DocumentModel } from '../../src/model/document-model.js';
import { withDefaults } from '../../src/model/options.js';
import { readInfrastructureFile } from '../../src/parse/parse-file.js';
import { metadataGuards } from '../../src/rules/imdsv2/_metadata-guards.js';

function guardsOf(statement: object) {
  const outcome = readInfrastructureFile('policy.json', JSON.stringify({ Version: '2012-10-17', Statement: [statement] }, null, 2));
  if (outcome.status !== 'parsed') throw new Error('did not parse');
  return metadataGuards(new DocumentModel(outcome.document, withDefaults())).map((g) => g.verdict);
}

const runInstances = { Action: 'ec2:RunInstances', Resource: 'arn:aws:ec2:*:*:instance/*' };

describe('metadata guard policies', () => {
  it.each([
    ['Deny StringNotEquals required', { Effect: 'Deny', ...runInstances, Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } } }, 'enforces'],
    ['Deny StringEqualsIfExists optional', { Effect: 'Deny', ...runInstances, Condition: { StringEqualsIfExists: { 'ec2:MetadataHttpTokens': 'optional' } } }, 'enforces'],
    ['Deny StringEquals optional', { Effect: 'Deny', ...runInstances, Condition: { StringEquals: { 'ec2:MetadataHttpTokens': 'optional' } } }, 'weak'],
    ['Deny StringNotEquals optional', { Effect: 'Deny', ...runInstances, Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'optional' } } }, 'weak'],
    ['Allow StringEquals required', { Effect: 'Allow', ...runInstances, Condition: { StringEquals: { 'ec2:MetadataHttpTokens': 'required' } } }, 'enforces'],
    ['Allow StringEqualsIfExists required', { Effect: 'Allow', ...runInstances, Condition: { StringEqualsIfExists: { 'ec2:MetadataHttpTokens': 'required' } } }, 'weak'],
    ['Deny NumericLessThan RoleDelivery 2.0', { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NumericLessThan: { 'ec2:RoleDelivery': '2.0' } } }, 'enforces'],
    ['Deny NumericLessThan RoleDelivery 1.0', { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NumericLessThan: { 'ec2:RoleDelivery': '1.0' } } }, 'weak'],
    ['Deny NumericEquals RoleDelivery 2.0', { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NumericEquals: { 'ec2:RoleDelivery': '2.0' } } }, 'weak'],
    ['Deny NumericGreaterThan hop limit', { Effect: 'Deny', ...runInstances, Condition: { NumericGreaterThan: { 'ec2:MetadataHttpPutResponseHopLimit': '2' } } }, 'enforces'],
    ['key spelt in lower case', { Effect: 'Deny', ...runInstances, Condition: { StringNotEquals: { 'ec2:metadatahttptokens': 'required' } } }, 'enforces'],
  ])('%s', (_name, statement, verdict) => {
    expect(guardsOf(statement)).toEqual([verdict]);
  });

  it('ignores statements without metadata keys', () => {
    expect(guardsOf({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })).toEqual([]);
  });
});
