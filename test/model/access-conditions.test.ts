import { describe, expect, it } from 'vitest';
import { DocumentModel } from '../../src/model/document-model.js';
import { withDefaults } from '../../src/model/options.js';
import { accessRestrictions, identityRestrictions, narrowsToServicePath, restrictedToTrustedOrganization, whyNotRestrictive } from '../../src/model/access-conditions.js';
import { isScopingTest } from '../../src/model/grants.js';
import { conditionTests, isRestrictiveTest } from '../../src/model/conditions.js';
import { readInfrastructureFile } from '../../src/parse/parse-file.js';

/** The condition tests of a one-statement resource policy file with the given Condition block. */
function testsOf(condition: Record<string, unknown>) {
  const text = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', Condition: condition }] });
  const outcome = readInfrastructureFile('p.json', text);
  if (outcome.status !== 'parsed') throw new Error('not parsed');
  const model = new DocumentModel(outcome.document, withDefaults());
  return conditionTests(model.policies[0]!.statements[0]!);
}

const restricts = (condition: Record<string, unknown>) => identityRestrictions(accessRestrictions(testsOf(condition))).length > 0;

describe('conditions that restrict who gets in', () => {
  it.each([
    [{ StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } }],
    [{ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-abc123def4/r-ab12/*' } }],
    [{ StringEquals: { 'aws:PrincipalAccount': '111122223333' } }],
    [{ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/ci-*' } }],
    [{ ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:eu-west-1:111122223333:topic' } }],
    [{ ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::my-bucket' } }],
    [{ StringEquals: { 'aws:SourceAccount': '111122223333' } }],
    [{ StringEquals: { 'aws:SourceOwner': '111122223333' } }],
    [{ StringEquals: { 'aws:sourcevpce': 'vpce-1a2b3c4d' } }],
    [{ StringEquals: { 'aws:SourceVpc': 'vpc-1a2b3c4d' } }],
    [{ IpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } }],
    [{ StringEquals: { 'kms:CallerAccount': '111122223333' } }],
    [{ Bool: { 'aws:PrincipalIsAWSService': 'true' } }],
    [{ StringEquals: { 'aws:ec2InstanceSourceVPC': 'vpc-1a2b3c4d' } }],
    [{ IpAddress: { 'aws:ec2InstanceSourcePrivateIPv4': '10.0.0.0/16' } }],
    [{ IpAddress: { 'aws:VpcSourceIp': '10.0.0.0/16' } }],
  ])('%j restricts', (condition) => {
    expect(restricts(condition)).toBe(true);
  });

  it.each([
    [{ StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abc123def4' } }, 'passes when the request has no'],
    [{ 'ForAllValues:StringEquals': { 'aws:PrincipalOrgPaths': 'o-abc123def4/*' } }, 'passes when the request has no'],
    [{ StringNotEquals: { 'aws:PrincipalAccount': '111122223333' } }, 'admits every value except'],
    [{ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, 'admits every value except'],
    [{ Null: { 'aws:SourceArn': 'false' } }, 'present or absent'],
    [{ StringLike: { 'aws:PrincipalOrgID': '*' } }, 'unknown or wildcards'],
    [{ StringLike: { 'aws:PrincipalOrgID': 'o-*' } }, 'matches callers from any'],
    [{ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/admin' } }, 'matches callers from any'],
    [{ StringLike: { 'aws:SourceAccount': '1111*' } }, 'matches callers from any'],
    [{ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }, 'matches callers from any'],
    [{ NumericLessThan: { 'aws:SourceAccount': '5' } }, 'is not an operator that compares'],
    [{ Bool: { 'aws:SecureTransport': 'true' } }, 'does not name the caller'],
    [{ IpAddress: { 'aws:VpcSourceIp': '0.0.0.0/0' } }, 'matches callers from any'],
    [{ StringEquals: { 'aws:ec2InstanceSourcePrivateIPv4': '10.0.0.1' } }, 'is not an operator that compares'],
    // Through a service is how a grant is used, not who holds it: any account's principal can call via a service.
    [{ Bool: { 'aws:ViaAWSService': 'true' } }, 'does not name the caller'],
  ])('%j does not restrict (%s)', (condition, reason) => {
    expect(restricts(condition)).toBe(false);
    expect(whyNotRestrictive(testsOf(condition)[0]!)).toContain(reason);
  });

  it('treats sts:ExternalId as a restriction of its own kind that does not make "*" acceptable', () => {
    const restrictions = accessRestrictions(testsOf({ StringEquals: { 'sts:ExternalId': 'agreed' } }));
    expect(restrictions.map((r) => r.kind)).toEqual(['external-id']);
    expect(identityRestrictions(restrictions)).toEqual([]);
  });

  it('reads identity-provider claims as restrictions', () => {
    const restrictions = accessRestrictions(testsOf({ StringEquals: { 'token.actions.githubusercontent.com:sub': 'repo:o/r:ref:refs/heads/main', 'SAML:aud': 'https://signin.aws.amazon.com/saml' } }));
    expect(restrictions.map((r) => r.kind)).toEqual(['identity-claim', 'identity-claim']);
  });

  it('matches the configured organisation, and accepts any organisation when none is configured', () => {
    const restrictions = accessRestrictions(testsOf({ StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } }));
    expect(restrictedToTrustedOrganization(restrictions, {})).toBe(true);
    expect(restrictedToTrustedOrganization(restrictions, { organizationId: 'o-abc123def4' })).toBe(true);
    expect(restrictedToTrustedOrganization(restrictions, { organizationId: 'o-other00000' })).toBe(false);
  });

  it('keeps the isRestrictiveTest contract: negated IP and numeric operators do not restrict', () => {
    expect(isRestrictiveTest(testsOf({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })[0]!)).toBe(false);
    expect(isRestrictiveTest(testsOf({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })[0]!)).toBe(true);
    expect(isRestrictiveTest(testsOf({ StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } })[0]!)).toBe(true);
  });
});

describe('conditions that let a grant be used only through an AWS service', () => {
  it.each([
    [{ Bool: { 'aws:ViaAWSService': 'true' } }, true],
    [{ Bool: { 'aws:ViaAWSService': true } }, true],
    [{ Null: { 'aws:CalledVia': 'false' } }, true],
    [{ Null: { 'aws:CalledViaFirst': false } }, true],
    [{ Bool: { 'aws:ViaAWSService': 'false' } }, false],
    [{ BoolIfExists: { 'aws:ViaAWSService': 'true' } }, false],
    [{ Null: { 'aws:CalledVia': 'true' } }, false],
    [{ Bool: { 'aws:SecureTransport': 'true' } }, false],
  ])('%j narrows to a service path: %s', (condition, narrows) => {
    const [test] = testsOf(condition);
    expect(narrowsToServicePath(test!)).toBe(narrows);
    expect(isScopingTest(test!)).toBe(narrows);
  });

  it('counts string tests on aws:CalledVia as any restrictive string test, and not ForAllValues', () => {
    expect(isScopingTest(testsOf({ 'ForAnyValue:StringEquals': { 'aws:CalledVia': 'athena.amazonaws.com' } })[0]!)).toBe(true);
    expect(isScopingTest(testsOf({ StringEquals: { 'aws:CalledViaFirst': 'cloudformation.amazonaws.com' } })[0]!)).toBe(true);
    expect(isScopingTest(testsOf({ 'ForAllValues:StringEquals': { 'aws:CalledVia': 'athena.amazonaws.com' } })[0]!)).toBe(false);
  });
});
