import { everyAction } from '../../aws-data/iam-data.js';
import { actionSet } from './_grants.js';

/**
 * Risk categories of the least-privilege family. These are judgements (which actions expose data,
 * credentials or resources), not AWS data: AWS's service data has no such category. Every name is
 * checked against AWS's service authorization data by test/rules/least-privilege-risk-actions.test.ts,
 * so a renamed or misspelled action fails the build instead of drifting.
 */

/** Actions that hand out credentials for another identity (sources: Rhino Security Labs, Cloudsplaining's credentials-exposure category). */
export const CREDENTIAL_ACTIONS = [
  'iam:CreateAccessKey',
  'iam:UpdateAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'iam:CreateServiceSpecificCredential',
  'iam:ResetServiceSpecificCredential',
  'iam:UploadSSHPublicKey',
  'sts:GetFederationToken',
  'redshift:GetClusterCredentials',
  'redshift:GetClusterCredentialsWithIAM',
  'ec2-instance-connect:SendSSHPublicKey',
  'ec2-instance-connect:SendSerialConsoleSSHPublicKey',
  'rds-db:connect',
  'lightsail:GetInstanceAccessDetails',
] as const;

/** Actions that read stored data: the Capital One pattern when granted on every resource. */
export const SENSITIVE_READ_ACTIONS = [
  's3:GetObject',
  's3:GetObjectVersion',
  'secretsmanager:GetSecretValue',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'ssm:GetParameterHistory',
  'kms:Decrypt',
  'dynamodb:Scan',
  'dynamodb:Query',
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'kinesis:GetRecords',
  'sqs:ReceiveMessage',
] as const;

/** Reads whose values are usually configuration rather than data (SecureString values also need kms:Decrypt). */
export const LOWER_RISK_READS = actionSet(['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory', 'sqs:ReceiveMessage', 'kinesis:GetRecords']);

/**
 * Actions that rewrite who may reach a resource, besides those AWS's action data names (see
 * {@link resourcePolicyWriters}): setters AWS files under other access levels or generic names
 * (`sqs:SetQueueAttributes` writes the queue policy, `ec2:ModifyImageAttribute` shares an AMI), and
 * removals of a policy that may hold the Deny keeping a resource private.
 */
export const RESOURCE_EXPOSURE_ACTIONS = [
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutBucketAcl',
  's3:PutObjectAcl',
  's3:PutAccessPointPolicy',
  's3:PutBucketPublicAccessBlock',
  'kms:PutKeyPolicy',
  'kms:CreateGrant',
  'lambda:AddPermission',
  'lambda:AddLayerVersionPermission',
  'sqs:AddPermission',
  'sqs:SetQueueAttributes',
  'sns:AddPermission',
  'sns:SetTopicAttributes',
  'ecr:SetRepositoryPolicy',
  'ecr-public:SetRepositoryPolicy',
  'secretsmanager:PutResourcePolicy',
  'glacier:SetVaultAccessPolicy',
  'iam:UpdateAssumeRolePolicy',
  'ec2:ModifySnapshotAttribute',
  'ec2:ModifyImageAttribute',
  'rds:ModifyDBSnapshotAttribute',
  'rds:ModifyDBClusterSnapshotAttribute',
  'backup:PutBackupVaultAccessPolicy',
  'elasticfilesystem:PutFileSystemPolicy',
  'glue:PutResourcePolicy',
  'apigateway:UpdateRestApiPolicy',
] as const;

export const CREDENTIALS = actionSet(CREDENTIAL_ACTIONS);
export const SENSITIVE_READS = actionSet(SENSITIVE_READ_ACTIONS);
/** The verbs and objects of an action that writes a resource's access: `PutBucketPolicy`, `AddPermission`, `CreateGrant`. */
const POLICY_WRITER = /^(Put|Set|Add|Update|Modify|Create)\w*(ResourcePolicy|Policy|Permission|Permissions|Acl|AccessPolicy|SnapshotAttribute|ImageAttribute|PublicAccessBlock|Grant)$/;
/**
 * Writers by name that open nothing to other principals: a stack policy only guards updates, an AWS IoT
 * policy is a device identity's, and a network interface permission lets an AWS service attach to it.
 */
const NOT_EXPOSURE = new Set(['cloudformation:setstackpolicy', 'iot:createpolicy', 'ec2:createnetworkinterfacepermission']);
/** Services whose "Permissions management" actions manage identities and organisations, not resource policies. */
const IDENTITY_SERVICES = new Set(['iam', 'sts', 'organizations', 'sso', 'sso-directory', 'identitystore', 'access-analyzer']);

/**
 * Resource-policy writers found in AWS's action data (service authorization reference): actions at the
 * "Permissions management" access level (or named `…ResourcePolicy`, which AWS sometimes files as Write,
 * as kinesis:PutResourcePolicy) that act on a resource type, whose name puts, sets, adds, updates,
 * modifies or creates a policy, permission, ACL or grant. `iam:UpdateAssumeRolePolicy` (a role's trust
 * policy) is the one IAM action among them; IAM's identity-policy actions are escalation, not exposure.
 */
export function resourcePolicyWriters(): string[] {
  const writers: string[] = [];
  // Service by service without keeping them decoded (see everyAction): this runs once per process.
  for (const action of everyAction()) {
    const name = action.name.slice(action.name.indexOf(':') + 1);
    if (action.service === 'iam') {
      if (name === 'UpdateAssumeRolePolicy') writers.push(action.key);
      continue;
    }
    if (IDENTITY_SERVICES.has(action.service) || NOT_EXPOSURE.has(action.key)) continue;
    if (action.resourceTypes.length === 0 && !/Registry|Account/.test(name)) continue;
    if (!action.accessLevels.includes('Permissions management') && !/ResourcePolicy$/.test(name)) continue;
    if (POLICY_WRITER.test(name)) writers.push(action.key);
  }
  return writers;
}

/**
 * A set computed on first use: deriving the writers reads every service's data (~150 ms), which a scan
 * that never asks should not pay at start-up.
 */
class DerivedActionSet extends Set<string> {
  private filled = false;

  constructor(private readonly compute: () => Iterable<string>) {
    super();
  }

  private fill(): void {
    if (this.filled) return;
    this.filled = true;
    for (const key of this.compute()) super.add(key);
  }

  override has(key: string): boolean {
    this.fill();
    return super.has(key);
  }

  override get size(): number {
    this.fill();
    return super.size;
  }

  override [Symbol.iterator](): SetIterator<string> {
    this.fill();
    return super[Symbol.iterator]();
  }

  override values(): SetIterator<string> {
    this.fill();
    return super.values();
  }

  override forEach(callback: (value: string, key: string, set: Set<string>) => void, thisArg?: unknown): void {
    this.fill();
    super.forEach(callback, thisArg);
  }
}

export const RESOURCE_EXPOSURE: ReadonlySet<string> = new DerivedActionSet(() => [...actionSet(RESOURCE_EXPOSURE_ACTIONS), ...resourcePolicyWriters()]);
export const PASS_ROLE = actionSet(['iam:PassRole']);
