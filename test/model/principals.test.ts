import { describe, expect, it } from 'vitest';
import { DocumentModel } from '../../src/model/document-model.js';
import { withDefaults } from '../../src/model/options.js';
import { accountTrust, arnFields, serviceName, statementPrincipals, type Principal } from '../../src/model/principals.js';
import { readInfrastructureFile } from '../../src/parse/parse-file.js';

function principalsOf(text: string, path = 't.yaml'): { principals: Principal[]; model: DocumentModel } {
  const outcome = readInfrastructureFile(path, text);
  if (outcome.status !== 'parsed') throw new Error(`not parsed: ${outcome.status}`);
  const model = new DocumentModel(outcome.document, withDefaults());
  const principals = model.policies.flatMap((policy) => policy.statements.flatMap((s) => statementPrincipals(s, model.template)));
  return { principals, model };
}

function trustTemplate(principal: string, extra = ''): string {
  return `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Partner: { Type: String }
  Vendor: { Type: String, Default: "999988887777" }
Resources:
  Caller:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: sts:AssumeRole }]
  Provider:
    Type: AWS::IAM::OIDCProvider
    Properties: { Url: https://token.actions.githubusercontent.com, ClientIdList: [sts.amazonaws.com] }
${extra}  Target:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            ${principal}
            Action: sts:AssumeRole
`;
}

const target = (text: string) => principalsOf(text).principals.slice(1);
const summary = (p: Principal) => ({ kind: p.kind, type: p.type, account: p.account, iamType: p.iamType, provider: p.provider, element: p.element });

describe('principal normalisation', () => {
  it('reads "*" and {AWS: "*"} as anyone, at the value node', () => {
    const text = trustTemplate('Principal: "*"');
    const [star] = target(text);
    expect(star).toMatchObject({ kind: 'anyone', type: '*', element: 'Principal' });
    expect(text.slice(star!.node.start, star!.node.end)).toBe('"*"');
    expect(target(trustTemplate('Principal: { AWS: "*" }'))[0]).toMatchObject({ kind: 'anyone', type: 'AWS' });
  });

  it('reads account ids, root ARNs and IAM ARNs with their accounts', () => {
    const list = target(
      trustTemplate(`Principal:
              AWS:
                - "111122223333"
                - arn:aws:iam::222233334444:root
                - arn:aws:iam::333344445555:role/deployer
                - arn:aws:sts::444455556666:assumed-role/auditor/session
                - arn:aws:iam::555566667777:user/alice`),
    ).map(summary);
    expect(list).toEqual([
      { kind: 'account', type: 'AWS', account: { kind: 'literal', id: '111122223333' }, iamType: undefined, provider: undefined, element: 'Principal' },
      { kind: 'account', type: 'AWS', account: { kind: 'literal', id: '222233334444' }, iamType: undefined, provider: undefined, element: 'Principal' },
      { kind: 'iam', type: 'AWS', account: { kind: 'literal', id: '333344445555' }, iamType: 'role', provider: undefined, element: 'Principal' },
      { kind: 'iam', type: 'AWS', account: { kind: 'literal', id: '444455556666' }, iamType: 'assumed-role', provider: undefined, element: 'Principal' },
      { kind: 'iam', type: 'AWS', account: { kind: 'literal', id: '555566667777' }, iamType: 'user', provider: undefined, element: 'Principal' },
    ]);
  });

  it("recognises the template's own account through AWS::AccountId and roles the template defines", () => {
    const list = target(
      trustTemplate(`Principal:
              AWS:
                - !Sub arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root
                - !Ref AWS::AccountId
                - !GetAtt Caller.Arn
                - !Join ["", ["arn:aws:iam::", !Ref AWS::AccountId, ":role/x"]]`),
    );
    expect(list.map((p) => [p.kind, p.account?.kind, p.localResource])).toEqual([
      ['account', 'own', undefined],
      ['account', 'own', undefined],
      ['iam', 'own', 'Caller'],
      ['iam', 'own', undefined],
    ]);
  });

  it('marks parameters without default as unknown with the reason, and keeps defaults with where they came from', () => {
    const [partner, vendor] = target(
      trustTemplate(`Principal:
              AWS: [!Sub "arn:aws:iam::\${Partner}:root", !Ref Vendor]`),
    );
    expect(partner).toMatchObject({ kind: 'account', account: { kind: 'unknown' } });
    expect((partner!.account as { reason: string }).reason).toContain('parameter Partner (no default)');
    expect(vendor).toMatchObject({ kind: 'account', account: { kind: 'literal', id: '999988887777', via: 'parameter Vendor (Default)' } });
    expect(target(trustTemplate('Principal: { AWS: !ImportValue shared-account }'))[0]).toMatchObject({ kind: 'unknown' });
  });

  it('reads services, federated providers and canonical users', () => {
    const list = target(
      trustTemplate(`Principal:
              Service: [!Sub "logs.\${AWS::Region}.amazonaws.com", "delivery.logs.amazonaws.com"]
              Federated:
                - !Ref Provider
                - arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC
                - cognito-identity.amazonaws.com
                - !Sub arn:aws:iam::\${AWS::AccountId}:saml-provider/idp
              CanonicalUser: 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be`),
    );
    expect(list.map((p) => [p.kind, p.service ?? p.provider ?? null])).toEqual([
      ['service', 'logs'],
      ['service', 'delivery.logs'],
      ['federated', 'github'],
      ['federated', 'eks'],
      ['federated', 'cognito'],
      ['federated', 'saml'],
      ['canonical-user', null],
    ]);
    expect(list[2]!.providerHost).toBe('token.actions.githubusercontent.com');
  });

  it('gives one principal per Fn::If branch, each at its branch node, and reads NotPrincipal', () => {
    const text = trustTemplate(`Principal: { AWS: !If [Open, "*", !Sub "arn:aws:iam::\${AWS::AccountId}:root"] }`);
    const withCondition = text.replace('Resources:', 'Conditions:\n  Open: !Equals [!Ref Partner, x]\nResources:');
    const [open, closed] = target(withCondition);
    expect(open).toMatchObject({ kind: 'anyone' });
    expect(withCondition.slice(open!.node.start, open!.node.end)).toBe('"*"');
    expect(closed).toMatchObject({ kind: 'account', account: { kind: 'own' } });
    expect(target(trustTemplate('NotPrincipal: { AWS: arn:aws:iam::111122223333:root }'))[0]).toMatchObject({ element: 'NotPrincipal', kind: 'account' });
  });

  it('relates accounts to configuration', () => {
    const options = { trustedAccounts: ['111122223333'] };
    expect(accountTrust({ kind: 'literal', id: '111122223333' }, options)).toBe('trusted');
    expect(accountTrust({ kind: 'literal', id: '222233334444' }, options)).toBe('external');
    expect(accountTrust({ kind: 'own' }, options)).toBe('own');
    expect(accountTrust({ kind: 'aws', name: 'cloudfront' }, options)).toBe('aws');
    expect(accountTrust({ kind: 'unknown', reason: 'x' }, options)).toBe('unknown');
  });

  it('splits ARNs without breaking ${AWS::AccountId} placeholders', () => {
    expect(arnFields('arn:aws:iam::${AWS::AccountId}:role/a:b')).toEqual(['arn', 'aws', 'iam', '', '${AWS::AccountId}', 'role/a:b']);
    expect(serviceName('logs.eu-west-1.amazonaws.com')).toBe('logs');
    expect(serviceName('s3.amazonaws.com.cn')).toBe('s3');
  });
});
