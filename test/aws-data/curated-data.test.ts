import { describe, expect, it } from 'vitest';
import amiData from '../../src/aws-data/ami-imds-support.json' with { type: 'json' };
import baselineData from '../../src/aws-data/baseline-policies.json' with { type: 'json' };
import { amiFamilyOfSsmParameter } from '../../src/aws-data/ami-imds-support.js';
import { baselineCovering } from '../../src/aws-data/baseline-policies.js';
import { managedPolicyByName } from '../../src/aws-data/managed-policies.js';

// Hand-curated data files: every entry names the AWS page it comes from.
describe('curated AWS data', () => {
  it('AMI families registered with ImdsSupport v2.0 each cite an AWS page and match only their own SSM parameters', () => {
    for (const family of amiData.families) {
      expect(family.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(family.imdsSupport).toBe('v2.0');
      for (const prefix of family.ssmParameterPrefixes) expect(prefix.startsWith('/aws/service/')).toBe(true);
    }
    expect(amiFamilyOfSsmParameter('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64')?.family).toBe('Amazon Linux 2023');
    expect(amiFamilyOfSsmParameter('/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2')).toBeUndefined();
    expect(amiFamilyOfSsmParameter('/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id')?.family).toBe('Amazon ECS-optimized Amazon Linux 2023');
    expect(amiFamilyOfSsmParameter('/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id')).toBeUndefined();
  });

  it('baseline policies exist in the managed policy data, cite an AWS page, and give their actions from their documents', () => {
    for (const policy of baselineData.policies) {
      expect(policy.source, policy.name).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(managedPolicyByName(policy.name), policy.name).toBeDefined();
    }
    expect(baselineCovering(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'])?.map((p) => p.name)).toEqual(['AWSLambdaBasicExecutionRole']);
    expect(baselineCovering(['ecs:SubmitTaskStateChange'])?.map((p) => p.name)).toEqual(['AmazonEC2ContainerServiceforEC2Role']); // from ecs:Submit*
    // Granted by AWS on every container instance of every account (arn:aws:ecs:*:*:container-instance/*), not on
    // "*": the baseline for a grant on container instances, not for one on "*" (ecs:PutSystemLogEvents also
    // accepts clusters), and AWS's ec2:CreateTags on network-interface/* is no baseline for tagging instances.
    const containerInstances = () => ['container-instance'];
    expect(baselineCovering(['ecs:StartTelemetrySession', 'ecs:PutSystemLogEvents'], containerInstances)?.map((p) => p.name)).toEqual(['AmazonECSInstanceRolePolicyForManagedInstances']);
    expect(baselineCovering(['ecs:StartTelemetrySession', 'ecs:PutSystemLogEvents'])).toBeUndefined();
    expect(baselineCovering(['ec2:CreateTags'], () => ['instance'])).toBeUndefined();
    expect(baselineCovering(['logs:CreateLogGroup', 'logs:DeleteLogGroup'])).toBeUndefined();
    expect(baselineCovering(['s3:PutObject'])).toBeUndefined();
    expect(baselineCovering([])).toBeUndefined();
  });
});
