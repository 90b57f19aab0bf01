import {
  AccessAnalyzerClient,
  CheckAccessNotGrantedCommand,
  CheckNoNewAccessCommand,
  CheckNoPublicAccessCommand,
  ValidatePolicyCommand,
  type AccessCheckResourceType,
  type PathElement as SdkPathElement,
  type ReasonSummary,
  type ValidatePolicyFinding,
  type ValidatePolicyResourceType,
} from '@aws-sdk/client-accessanalyzer';
import { CloudFormationClient, ListExportsCommand } from '@aws-sdk/client-cloudformation';
import { GetPolicyCommand, GetPolicyVersionCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import type { AnalyzerFinding, CheckResult, PathElement, PolicyValidationService } from '../../engine/access-analyzer.js';

export interface AwsServiceOptions {
  /** Region of the three APIs; default: the SDK's own chain (AWS_REGION, the profile's region). */
  region?: string;
  /** Attempts per request, the SDK's retry strategy included (default 3). */
  maxAttempts?: number;
}

/**
 * The AWS SDK behind {@link PolicyValidationService}. Credentials, region and endpoints come from the
 * SDK's standard chain: environment variables (AWS_ACCESS_KEY_ID…, AWS_REGION, AWS_ENDPOINT_URL or
 * AWS_ENDPOINT_URL_ACCESSANALYZER / _CLOUDFORMATION / _IAM), shared config and SSO profiles, web
 * identity, ECS container credentials, and EC2 instance roles through IMDSv2 (the SDK asks for an
 * IMDSv2 token first; AWS_EC2_METADATA_V1_DISABLED=true forbids the v1 fallback).
 */
export function createAwsPolicyValidationService(options: AwsServiceOptions = {}): PolicyValidationService {
  const config = { ...(options.region !== undefined ? { region: options.region } : {}), maxAttempts: options.maxAttempts ?? 3 };
  const analyzer = new AccessAnalyzerClient(config);
  const cloudFormation = new CloudFormationClient(config);
  const iam = new IAMClient(config);
  return {
    async validatePolicy(input, signal) {
      const findings: AnalyzerFinding[] = [];
      let nextToken: string | undefined;
      do {
        const page = await analyzer.send(
          new ValidatePolicyCommand({
            policyDocument: input.policyDocument,
            policyType: input.policyType,
            ...(input.validatePolicyResourceType !== undefined ? { validatePolicyResourceType: input.validatePolicyResourceType as ValidatePolicyResourceType } : {}),
            ...(nextToken !== undefined ? { nextToken } : {}),
          }),
          { abortSignal: signal },
        );
        findings.push(...(page.findings ?? []).map(toFinding));
        nextToken = page.nextToken;
      } while (nextToken !== undefined && nextToken !== '');
      return findings;
    },
    async listExports(signal) {
      const exports = new Map<string, string>();
      let nextToken: string | undefined;
      do {
        const page = await cloudFormation.send(new ListExportsCommand(nextToken !== undefined ? { NextToken: nextToken } : {}), { abortSignal: signal });
        for (const entry of page.Exports ?? []) if (entry.Name !== undefined && entry.Value !== undefined) exports.set(entry.Name, entry.Value);
        nextToken = page.NextToken;
      } while (nextToken !== undefined && nextToken !== '');
      return exports;
    },
    async getManagedPolicyDocument(arn, signal) {
      try {
        const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }), { abortSignal: signal });
        const versionId = policy.Policy?.DefaultVersionId;
        if (versionId === undefined) return undefined;
        const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }), { abortSignal: signal });
        const document = version.PolicyVersion?.Document;
        // IAM returns the document URL-encoded (RFC 3986).
        return document === undefined ? undefined : (JSON.parse(decodeURIComponent(document)) as unknown);
      } catch (error) {
        if (error instanceof NoSuchEntityException) return undefined;
        throw error;
      }
    },
    async checkNoNewAccess(input, signal) {
      return toCheck(await analyzer.send(new CheckNoNewAccessCommand(input), { abortSignal: signal }));
    },
    async checkAccessNotGranted(input, signal) {
      return toCheck(await analyzer.send(new CheckAccessNotGrantedCommand(input), { abortSignal: signal }));
    },
    async checkNoPublicAccess(input, signal) {
      return toCheck(
        await analyzer.send(new CheckNoPublicAccessCommand({ policyDocument: input.policyDocument, resourceType: input.resourceType as AccessCheckResourceType }), { abortSignal: signal }),
      );
    },
  };
}

function toFinding(finding: ValidatePolicyFinding): AnalyzerFinding {
  return {
    findingType: (finding.findingType ?? 'SUGGESTION') as AnalyzerFinding['findingType'],
    issueCode: finding.issueCode ?? 'UNKNOWN',
    findingDetails: finding.findingDetails ?? '',
    ...(finding.learnMoreLink !== undefined ? { learnMoreLink: finding.learnMoreLink } : {}),
    locations: (finding.locations ?? []).map((location) => ({
      path: (location.path ?? []).flatMap(toPathElement),
      ...(location.span?.start !== undefined && location.span.end !== undefined
        ? {
            span: {
              start: { line: location.span.start.line ?? 0, column: location.span.start.column ?? 0, offset: location.span.start.offset ?? 0 },
              end: { line: location.span.end.line ?? 0, column: location.span.end.column ?? 0, offset: location.span.end.offset ?? 0 },
            },
          }
        : {}),
    })),
  };
}

function toPathElement(element: SdkPathElement): PathElement[] {
  if (element.index !== undefined) return [{ index: element.index }];
  if (element.key !== undefined) return [{ key: element.key }];
  if (element.value !== undefined) return [{ value: element.value }];
  if (element.substring !== undefined) return [{ substring: { start: element.substring.start ?? 0, length: element.substring.length ?? 0 } }];
  return [];
}

function toCheck(response: { result?: string; message?: string; reasons?: ReasonSummary[] }): CheckResult {
  return {
    result: response.result === 'FAIL' ? 'FAIL' : 'PASS',
    ...(response.message !== undefined ? { message: response.message } : {}),
    reasons: (response.reasons ?? []).map((reason) => ({
      ...(reason.description !== undefined ? { description: reason.description } : {}),
      ...(reason.statementIndex !== undefined ? { statementIndex: reason.statementIndex } : {}),
      ...(reason.statementId !== undefined ? { statementId: reason.statementId } : {}),
    })),
  };
}
