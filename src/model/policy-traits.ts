import type { PolicyDocument } from './policy.js';

/** Resource types whose policies name no Resource: the repository is implied. */
const RESOURCE_IMPLIED = new Set(['AWS::ECR::Repository']);

/** A resource policy whose statements need no Resource, because the resource it protects is implied (an ECR repository policy). */
export function impliesResource(policy: PolicyDocument): boolean {
  return policy.kind === 'resource' && RESOURCE_IMPLIED.has(policy.owner.resource?.type ?? '');
}

/** An API Gateway resource policy, whose Resource may be written `execute-api:/stage/method/path`. */
export function protectsRestApi(policy: PolicyDocument): boolean {
  return policy.resourceType === 'AWS::ApiGateway::RestApi';
}
