import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import data from '../../src/aws-data/confused-deputy-services.json' with { type: 'json' };
import { CONFUSED_DEPUTY_DATA, confusedDeputyService } from '../../src/aws-data/confused-deputy-services.js';
import { scanFiles } from '../../src/engine/scan.js';
import { servicePrincipalWithoutSource } from '../../src/rules/resource-exposure/service-principal-without-source.js';

const RULE = servicePrincipalWithoutSource.meta.id;
const scan = (text: string) => scanFiles([{ path: 't.yaml', text }], {}, [servicePrincipalWithoutSource]).findings.filter((f) => f.ruleId === RULE);

const permission = (principal: string, extra = '') => `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: { Runtime: python3.12, Handler: index.handler, Role: arn:aws:iam::123456789012:role/r, Code: { ZipFile: "x" } }
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Fn.Arn
      Action: lambda:InvokeFunction
      Principal: ${principal}
${extra}`;

const topicPolicy = (principal: string, condition = '') => `Resources:
  Topic:
    Type: AWS::SNS::Topic
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: ${principal} }
            Action: sns:Publish
            Resource: !Ref Topic
${condition}`;

describe('confused-deputy service data (src/aws-data/confused-deputy-services.json)', () => {
  it('names each principal once, as AWS writes it, with the AWS page that documents its resource policy', () => {
    expect(data.general).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/IAM\//);
    const principals = data.services.map((entry) => entry.principal);
    expect(new Set(principals).size).toBe(principals.length);
    for (const entry of data.services) {
      expect(entry.principal).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/);
      expect(entry.source, entry.principal).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/[^\s]+\.html$/);
      expect(entry.for.length, entry.principal).toBeGreaterThan(10);
      expect(entry.pin.length, entry.principal).toBeGreaterThan(5);
    }
    // CloudFormation for macros and Hooks is on the list (the example), as are the log deliverers.
    for (const service of ['cloudformation', 'hooks.cloudformation', 'resources.cloudformation', 'logging.s3', 'delivery.logs', 's3', 'sns', 'events']) {
      expect(confusedDeputyService(service)?.service, service).toBe(service);
    }
    expect(confusedDeputyService('ec2')).toBeUndefined();
    expect(confusedDeputyService('lambda')).toBeUndefined();
  });

  it('is the list the rule page gives, principal by principal', () => {
    const page = readFileSync('docs/rules/resource-exposure/service-principal-without-source.md', 'utf8');
    for (const entry of CONFUSED_DEPUTY_DATA) {
      expect(page.includes(`\`${entry.principal}\``), `${entry.principal} on the rule page`).toBe(true);
      expect(page.includes(entry.source), `${entry.source} on the rule page`).toBe(true);
    }
  });

  it('reports every listed principal in a Lambda permission without SourceArn/SourceAccount and none with SourceAccount', () => {
    for (const entry of CONFUSED_DEPUTY_DATA) {
      const open = scan(permission(entry.principal));
      expect(open.length, entry.principal).toBe(1);
      expect(open[0]!.line).toBe(10);
      expect(open[0]!.remediation).toContain(entry.source);
      expect(open[0]!.remediation).toContain("the permission's SourceArn and SourceAccount properties");
      expect(scan(permission(entry.principal, '      SourceAccount: !Ref AWS::AccountId\n')), entry.principal).toEqual([]);
    }
  });

  it('reports a resource policy statement for a listed service unless aws:SourceArn, aws:SourceAccount or aws:SourceOrgID pins it', () => {
    const [finding] = scan(topicPolicy('cloudwatch.amazonaws.com'));
    expect(finding?.message).toContain('cloudwatch.amazonaws.com sns:Publish');
    expect(finding?.remediation).toContain('Condition ArnLike aws:SourceArn');
    expect(scan(topicPolicy('cloudwatch.amazonaws.com', '            Condition: { ArnLike: { aws:SourceArn: !Sub "arn:aws:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*" } }\n'))).toEqual([]);
    expect(scan(topicPolicy('budgets.amazonaws.com', '            Condition: { StringEquals: { aws:SourceOrgID: o-a1b2c3d4e5 } }\n'))).toEqual([]);
    // A regional principal is the same service; one AWS does not document as a deputy is not reported.
    expect(scan(topicPolicy('logs.eu-west-1.amazonaws.com'))).toHaveLength(1);
    expect(scan(topicPolicy('ec2.amazonaws.com'))).toEqual([]);
  });
});
