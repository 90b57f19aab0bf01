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

/** Actions that rewrite who may reach a resource (resource policies, ACLs, grants, sharing). */
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
export const RESOURCE_EXPOSURE = actionSet(RESOURCE_EXPOSURE_ACTIONS);
export const PASS_ROLE = actionSet(['iam:PassRole']);
