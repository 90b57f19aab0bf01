import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { everyAction, expandActionPattern } from '../../src/aws-data/iam-data.js';
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

  it('reads every action AWS publishes, in the order of an expansion of "*"', () => {
    expect([...everyAction()].map((action) => action.key)).toEqual(expandActionPattern('*').map((action) => action.key));
  });

  // Every scan with a policy asks once; all services decoded are ~13 MB, which the 10 MB template bench
  // (docs/benchmarks.md, c) saw as peak memory when the writers were found through an expansion of "*".
  it('does not keep the services it read decoded', () => {
    const script = `
      const { resourcePolicyWriters } = await import(${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'rules', 'least-privilege', '_risk-actions.ts'))});
      const { actionInfo } = await import(${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'aws-data', 'iam-data.ts'))});
      actionInfo('s3:GetObject');
      gc(); gc();
      const before = process.memoryUsage().heapUsed;
      const writers = resourcePolicyWriters();
      gc(); gc();
      process.stdout.write(JSON.stringify({ writers: writers.length, grewBy: process.memoryUsage().heapUsed - before }));`;
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: join(import.meta.dirname, '..', '..') });
    expect(child.stderr).toBe('');
    const { writers, grewBy } = JSON.parse(child.stdout) as { writers: number; grewBy: number };
    expect(writers).toBeGreaterThan(80);
    expect(grewBy).toBeLessThan(3 * 1024 * 1024);
  }, 30_000);
});
