import { describe, expect, it } from 'vitest';
import { RESOURCE_EXPOSURE, resourcePolicyWriters } from '../../src/rules/least-privilege/_risk-actions.js';

describe('resource-policy writers from AWS action data', () => {
  const writers = new Set(resourcePolicyWriters());

  it('finds the writers of resource policies, ACLs, grants and sharing across services', () => {
    for (const action of ['kinesis:putresourcepolicy', 's3:putbucketpolicy', 'lambda:addpermission', 'kms:putkeypolicy', 'kms:creategrant', 'dynamodb:putresourcepolicy', 'secretsmanager:putresourcepolicy', 'iam:updateassumerolepolicy', 'glue:putresourcepolicy', 'ecr:setrepositorypolicy', 's3:putobjectacl']) {
      expect(writers.has(action), action).toBe(true);
    }
    expect(writers.size).toBeGreaterThan(80);
  });

  it('leaves out identity-policy actions and policies that are not about access', () => {
    for (const action of ['iam:putrolepolicy', 'iam:attachrolepolicy', 'iam:createpolicyversion', 'autoscaling:putscalingpolicy', 'ecr:putlifecyclepolicy', 'logs:putretentionpolicy', 'cloudfront:updatecachepolicy', 'organizations:attachpolicy', 'cloudformation:setstackpolicy', 'iot:createpolicy', 'ec2:createnetworkinterfacepermission']) {
      expect(writers.has(action), action).toBe(false);
    }
  });

  it('is the exposure set together with the setters AWS files otherwise', () => {
    expect(RESOURCE_EXPOSURE.has('kinesis:putresourcepolicy')).toBe(true);
    expect(RESOURCE_EXPOSURE.has('sqs:setqueueattributes')).toBe(true);
    expect(RESOURCE_EXPOSURE.has('ec2:modifyimageattribute')).toBe(true);
    expect([...RESOURCE_EXPOSURE].length).toBe(RESOURCE_EXPOSURE.size);
  });
});
