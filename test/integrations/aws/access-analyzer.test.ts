import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearAccessAnalyzerCache, runAccessAnalyzer, checkNoNewAccessAgainstBase } from '../../../src/engine/access-analyzer.js';
import type { AccessAnalyzerOptions } from '../../../src/model/options.js';
import { scanFiles, type InputFile } from '../../../src/engine/scan.js';
import { createAwsPolicyValidationService } from '../../../src/integrations/aws/access-analyzer-service.js';

/**
 * The real AWS SDK clients against a local HTTP server on 127.0.0.1 that answers like the AWS APIs
 * (response shapes from the SDK's API model: ValidatePolicy findings with locations, awsQuery XML for
 * CloudFormation and IAM). Never talks to AWS.
 */
interface Recorded {
  method: string;
  url: string;
  body: string;
}

let server: Server;
let requests: Recorded[] = [];
let handler: (request: Recorded, response: ServerResponse) => void | Promise<void>;
let inFlight = 0;
let maxInFlight = 0;
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const recorded = { method: request.method ?? '', url: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await handler(recorded, response);
      } finally {
        inFlight--;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIDTESTTESTTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    AWS_SESSION_TOKEN: '',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
  });
  delete process.env.AWS_PROFILE;
});

afterAll(async () => {
  process.env = savedEnv;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = [];
  maxInFlight = 0;
  clearAccessAnalyzerCache();
  handler = (request, response) => defaultHandler(request, response);
});

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function xml(response: ServerResponse, body: string): void {
  response.writeHead(200, { 'content-type': 'text/xml' });
  response.end(body);
}

function defaultHandler(request: Recorded, response: ServerResponse): void {
  if (request.url.startsWith('/policy/validation')) return json(response, 200, { findings: [] });
  if (request.url.startsWith('/policy/check-')) return json(response, 200, { result: 'PASS', reasons: [] });
  json(response, 400, { message: `unexpected ${request.method} ${request.url}` });
}

const validations = () => requests.filter((r) => r.url.startsWith('/policy/validation')).map((r) => JSON.parse(r.body) as { policyDocument: string; policyType: string; validatePolicyResourceType?: string });
const service = () => createAwsPolicyValidationService({ maxAttempts: 1 });
const aa = (extra: Partial<AccessAnalyzerOptions> = {}) => ({ accessAnalyzer: { enabled: true, ...extra } });

const TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage:
    Type: String
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: [s3:GetObject, s3:GetObject]
                Resource: !Sub "\${Bucket.Arn}/*"
              - Effect: Allow
                Action: logs:PutLogEvents
                Resource: !Sub "arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/app/\${Stage}:*"
  BucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Sid: Tls
            Effect: Deny
            Principal: "*"
            Action: s3:*
            Resource: [!GetAtt Bucket.Arn, !Sub "\${Bucket.Arn}/*"]
            Condition: { Bool: { aws:SecureTransport: "false" } }
`;
const files: InputFile[] = [{ path: 'app.yaml', text: TEMPLATE }];

describe('Access Analyzer through the AWS SDK, against a local endpoint', () => {
  it('sends each policy resolved to concrete JSON with the right policy type and resource type', async () => {
    await runAccessAnalyzer(files, [], aa(), service());
    const sent = validations();
    expect(sent.map((s) => [s.policyType, s.validatePolicyResourceType])).toEqual(
      expect.arrayContaining([
        ['RESOURCE_POLICY', 'AWS::IAM::AssumeRolePolicyDocument'],
        ['IDENTITY_POLICY', undefined],
        ['RESOURCE_POLICY', 'AWS::S3::Bucket'],
      ]),
    );
    expect(sent).toHaveLength(3);
    const identity = JSON.parse(sent.find((s) => s.policyType === 'IDENTITY_POLICY')!.policyDocument);
    expect(identity.Statement[0].Resource).toBe('arn:aws:s3:::bucket/*');
    expect(identity.Statement[1].Resource).toBe('arn:aws:logs:us-east-1:123456789012:log-group:/app/stage:*');
    const bucket = JSON.parse(sent.find((s) => s.validatePolicyResourceType === 'AWS::S3::Bucket')!.policyDocument);
    expect(bucket.Statement[0].Resource).toEqual(['arn:aws:s3:::bucket', 'arn:aws:s3:::bucket/*']);
  });

  it('maps each location back to the template line, merges duplicates of offline findings and reads every page', async () => {
    handler = (request, response) => {
      if (!request.url.startsWith('/policy/validation')) return defaultHandler(request, response);
      const body = JSON.parse(request.body) as { policyType: string };
      if (body.policyType !== 'IDENTITY_POLICY') return json(response, 200, { findings: [] });
      const span = { start: { line: 1, column: 60, offset: 60 }, end: { line: 1, column: 75, offset: 75 } };
      if (!request.url.includes('nextToken=page2')) {
        return json(response, 200, {
          findings: [
            { findingType: 'SUGGESTION', issueCode: 'REDUNDANT_ACTION', findingDetails: 'The action s3:GetObject is redundant.', learnMoreLink: 'https://docs.aws.amazon.com/redundant', locations: [{ path: [{ value: 'Statement' }, { index: 0 }, { value: 'Action' }, { index: 1 }].map((e) => ('value' in e ? { key: e.value } : e)), span }] },
          ],
          nextToken: 'page2',
        });
      }
      return json(response, 200, {
        findings: [
          { findingType: 'SECURITY_WARNING', issueCode: 'CUSTOM_NEW_CODE', findingDetails: 'Something about this action.', learnMoreLink: 'https://docs.aws.amazon.com/x', locations: [{ path: [{ key: 'Statement' }, { index: 1 }, { key: 'Action' }], span }] },
          // Located on the value built from a parameter without default: it judges the placeholder.
          { findingType: 'ERROR', issueCode: 'PLACEHOLDER_ISSUE', findingDetails: 'About the placeholder.', learnMoreLink: 'https://docs.aws.amazon.com/y', locations: [{ path: [{ key: 'Statement' }, { index: 1 }, { key: 'Resource' }, { substring: { start: 40, length: 5 } }], span }] },
        ],
      });
    };
    const offline = scanFiles(files).findings;
    const merged = await runAccessAnalyzer(files, offline, aa(), service());
    const validationRequests = requests.filter((r) => r.url.startsWith('/policy/validation'));
    expect(validationRequests.filter((r) => r.url.includes('nextToken=page2'))).toHaveLength(1);
    const redundant = merged.filter((f) => f.message.startsWith('REDUNDANT_ACTION'));
    expect(redundant.map((f) => [f.ruleId, f.line])).toEqual([['policy-validation/redundant-elements', 23]]);
    const custom = merged.filter((f) => f.message.startsWith('CUSTOM_NEW_CODE'));
    expect(custom.map((f) => [f.ruleId, f.line, f.severity])).toEqual([['policy-validation/access-analyzer', 26, 'high']]);
    expect(merged.some((f) => f.message.startsWith('PLACEHOLDER_ISSUE'))).toBe(false);
  });

  it('adds an Access Analyzer finding with the mapped line when offline validation has no such finding', async () => {
    handler = (request, response) => {
      if (!request.url.startsWith('/policy/validation')) return defaultHandler(request, response);
      const body = JSON.parse(request.body) as { validatePolicyResourceType?: string };
      if (body.validatePolicyResourceType !== 'AWS::S3::Bucket') return json(response, 200, { findings: [] });
      json(response, 200, { findings: [{ findingType: 'WARNING', issueCode: 'REDUNDANT_ACTION', findingDetails: 'x', learnMoreLink: 'https://docs.aws.amazon.com/z', locations: [{ path: [{ key: 'Statement' }, { index: 0 }, { key: 'Condition' }], span: { start: { line: 0, column: 0, offset: 0 }, end: { line: 0, column: 0, offset: 1 } } }] }] });
    };
    const merged = await runAccessAnalyzer(files, [], aa(), service());
    expect(merged.map((f) => [f.ruleId, f.line, f.docs])).toEqual([['policy-validation/redundant-elements', 40, 'https://docs.aws.amazon.com/z']]);
  });

  it('asks once for a policy it has already validated (cache by policy hash)', async () => {
    const twice: InputFile[] = [files[0]!, { path: 'copy.yaml', text: TEMPLATE }];
    await runAccessAnalyzer(twice, [], aa(), service());
    expect(validations()).toHaveLength(3);
    await runAccessAnalyzer(files, [], aa(), service());
    expect(validations()).toHaveLength(3);
  });

  it('turns an API failure into one clear finding and keeps the offline findings', async () => {
    handler = (_request, response) => json(response, 403, { message: 'User is not authorized to perform: access-analyzer:ValidatePolicy' }, { 'x-amzn-errortype': 'AccessDeniedException' });
    const offline = scanFiles(files).findings;
    expect(offline.length).toBeGreaterThan(0);
    const merged = await runAccessAnalyzer(files, offline, aa(), service());
    const unavailable = merged.filter((f) => f.message.startsWith('Access Analyzer unavailable'));
    expect(unavailable).toHaveLength(1);
    expect(unavailable[0]).toMatchObject({ severity: 'info', category: 'policy-validation', file: 'app.yaml' });
    expect(unavailable[0]!.message).toContain('not authorized');
    expect(merged.filter((f) => !f.message.startsWith('Access Analyzer unavailable'))).toEqual(offline);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    handler = async (request, response) => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      defaultHandler(request, response);
    };
    const many: InputFile[] = Array.from({ length: 6 }, (_, i) => ({
      path: `p${i}.json`,
      text: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::b${i}/*` }] }),
    }));
    await runAccessAnalyzer(many, [], aa({ concurrency: 2 }), service());
    expect(validations()).toHaveLength(6);
    expect(maxInFlight).toBe(2);
  });

  it('times out a request that hangs and reports it as unavailable', async () => {
    handler = () => undefined; // never answers
    const merged = await runAccessAnalyzer(files.slice(0, 1), [], aa({ timeoutMs: 200 }), service());
    expect(merged.map((f) => f.message)).toEqual([expect.stringMatching(/^Access Analyzer unavailable: .*timed out after 200 ms/)]);
  });

  it('resolves Fn::ImportValue through CloudFormation ListExports', async () => {
    handler = (request, response) => {
      if (request.url === '/' && request.body.includes('Action=ListExports')) {
        return xml(
          response,
          `<ListExportsResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ListExportsResult><Exports><member><ExportingStackId>arn:aws:cloudformation:us-east-1:111122223333:stack/shared/1</ExportingStackId><Name>shared-bucket-arn</Name><Value>arn:aws:s3:::shared-data</Value></member></Exports></ListExportsResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></ListExportsResponse>`,
        );
      }
      defaultHandler(request, response);
    };
    const template = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Reader:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: !Join ["", [!ImportValue shared-bucket-arn, "/*"]]
`;
    const merged = await runAccessAnalyzer([{ path: 'reader.yaml', text: template }], [], aa({ resolveImports: true }), service());
    expect(merged).toEqual([]);
    expect(requests.filter((r) => r.body.includes('Action=ListExports'))).toHaveLength(1);
    expect(JSON.parse(validations()[0]!.policyDocument).Statement[0].Resource).toBe('arn:aws:s3:::shared-data/*');
  });

  it('fetches an AWS managed policy unknown offline with IAM GetPolicy/GetPolicyVersion and checks it (CheckAccessNotGranted)', async () => {
    const managedDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] };
    handler = (request, response) => {
      if (request.body.includes('Action=GetPolicyVersion')) {
        return xml(response, `<GetPolicyVersionResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetPolicyVersionResult><PolicyVersion><Document>${encodeURIComponent(JSON.stringify(managedDocument))}</Document><VersionId>v7</VersionId><IsDefaultVersion>true</IsDefaultVersion></PolicyVersion></GetPolicyVersionResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></GetPolicyVersionResponse>`);
      }
      if (request.body.includes('Action=GetPolicy')) {
        return xml(response, `<GetPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetPolicyResult><Policy><PolicyName>BrandNewServicePolicy</PolicyName><DefaultVersionId>v7</DefaultVersionId><Arn>arn:aws:iam::aws:policy/BrandNewServicePolicy</Arn></Policy></GetPolicyResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetPolicyResponse>`);
      }
      if (request.url.startsWith('/policy/check-access-not-granted')) {
        const body = JSON.parse(request.body) as { policyDocument: string };
        const fails = body.policyDocument.includes('iam:PassRole');
        return json(response, 200, fails ? { result: 'FAIL', message: 'The policy document grants access to perform one or more of the listed actions.', reasons: [{ description: 'One or more of the listed actions in the statement is granted.', statementIndex: 0 }] } : { result: 'PASS', reasons: [] });
      }
      defaultHandler(request, response);
    };
    const template = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/BrandNewServicePolicy
`;
    const merged = await runAccessAnalyzer([{ path: 'role.yaml', text: template }], [], aa({ fetchManagedPolicies: true, customChecks: { sensitiveActions: ['iam:PassRole'] } }), service());
    expect(requests.filter((r) => r.body.includes('PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FBrandNewServicePolicy')).map((r) => /Action=(\w+)/.exec(r.body)![1])).toEqual(['GetPolicy', 'GetPolicyVersion']);
    const checks = requests.filter((r) => r.url.startsWith('/policy/check-access-not-granted')).map((r) => JSON.parse(r.body) as { policyDocument: string; access: unknown; policyType: string });
    expect(checks.find((c) => c.policyDocument.includes('iam:PassRole'))).toMatchObject({ access: [{ actions: ['iam:PassRole'] }], policyType: 'IDENTITY_POLICY' });
    expect(merged.map((f) => [f.line, f.severity])).toEqual([[13, 'high']]);
    expect(merged[0]!.message).toContain('CheckAccessNotGranted: the AWS managed policy arn:aws:iam::aws:policy/BrandNewServicePolicy grants a sensitive action (iam:PassRole)');
  });

  it('runs CheckNoPublicAccess for resource policies with the API resource type', async () => {
    handler = (request, response) => {
      if (request.url.startsWith('/policy/check-no-public-access')) {
        return json(response, 200, { result: 'FAIL', message: 'The resource policy grants public access.', reasons: [{ description: 'Public access granted in the following statement with sid: Tls.', statementIndex: 0, statementId: 'Tls' }] });
      }
      defaultHandler(request, response);
    };
    const merged = await runAccessAnalyzer(files, [], aa({ customChecks: { checkNoPublicAccess: true } }), service());
    const sent = requests.filter((r) => r.url.startsWith('/policy/check-no-public-access')).map((r) => JSON.parse(r.body) as { resourceType: string });
    // A trust policy is a resource policy of the role: the API checks it too.
    expect(sent.map((s) => s.resourceType).sort()).toEqual(['AWS::IAM::AssumeRolePolicyDocument', 'AWS::S3::Bucket']);
    expect(merged.map((f) => [f.line, f.severity, f.message.split(':')[0]])).toEqual([[14, 'high', 'CheckNoPublicAccess'], [35, 'high', 'CheckNoPublicAccess']]);
  });

  it('runs CheckNoNewAccess of each changed policy against its base version', async () => {
    handler = (request, response) => {
      if (request.url.startsWith('/policy/check-no-new-access')) {
        return json(response, 200, { result: 'FAIL', message: 'The modified permissions grant new access compared to your existing policy.', reasons: [{ description: 'New access in the statement with index: 1.', statementIndex: 1 }] });
      }
      defaultHandler(request, response);
    };
    const head: InputFile[] = [{ path: 'app.yaml', text: TEMPLATE.replace('Action: logs:PutLogEvents', 'Action: logs:*') }];
    const findings = await checkNoNewAccessAgainstBase(head, files, aa({ customChecks: { checkNoNewAccess: true } }), service());
    const sent = requests.filter((r) => r.url.startsWith('/policy/check-no-new-access')).map((r) => JSON.parse(r.body) as { newPolicyDocument: string; existingPolicyDocument: string; policyType: string });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.policyType).toBe('IDENTITY_POLICY');
    expect(JSON.parse(sent[0]!.existingPolicyDocument).Statement[1].Action).toBe('logs:PutLogEvents');
    expect(JSON.parse(sent[0]!.newPolicyDocument).Statement[1].Action).toBe('logs:*');
    expect(findings.map((f) => [f.line, f.message.split(':')[0]])).toEqual([[25, 'CheckNoNewAccess']]);
  });
});

describe("the app's default Access Analyzer hook", () => {
  it('loads the SDK-backed service only when asked, and that service talks to the configured endpoint', async () => {
    const { DEFAULT_HOOKS } = await import('../../../src/app/run-check.js');
    const analyzer = await DEFAULT_HOOKS.policyValidation({ enabled: true, region: 'us-east-1' });
    await runAccessAnalyzer(files, [], aa(), analyzer);
    expect(validations()).toHaveLength(3);
  });
});
