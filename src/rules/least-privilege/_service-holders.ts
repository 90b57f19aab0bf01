import { statementPrincipals } from '../../model/principals.js';
import type { IdentityPrincipal } from '../../model/identity-graph.js';
import type { Template } from '../../model/template.js';

/**
 * Who can act with a role, read from its trust policy: when only AWS services may assume it, which ones.
 *
 * SERVICE_CONTROL_PLANE_ROLES is a judgement, not AWS data (AWS publishes no such category): the service
 * principals whose roles AWS uses for its own work — provisioning, scaling, delivering logs — and never to
 * run code or instructions a person writes. A person gets nothing from such a role except by making the
 * service act, and the service acts only as its own code says. Each entry names the AWS page that
 * describes what the service does with the role. Services that run what the customer writes with the
 * role's credentials (EC2 instances, Lambda functions, ECS tasks, CodeBuild, Glue, SageMaker, Step
 * Functions, CloudFormation, SSM Automation, EventBridge targets…) are deliberately absent: code running
 * there is a path for whoever controls that code. A service not listed keeps the full judgement (a
 * security gate fails closed).
 */
export const SERVICE_CONTROL_PLANE_ROLES: Readonly<Record<string, string>> = {
  'elasticmapreduce.amazonaws.com': 'https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-iam-role.html',
  'autoscaling.amazonaws.com': 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html',
  'application-autoscaling.amazonaws.com': 'https://docs.aws.amazon.com/autoscaling/application/userguide/security-iam-awsmanpol.html',
  'dax.amazonaws.com': 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DAX.access-control.html',
  'config.amazonaws.com': 'https://docs.aws.amazon.com/config/latest/developerguide/iamrole-permissions.html',
  'cloudtrail.amazonaws.com': 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html',
  'vpc-flow-logs.amazonaws.com': 'https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html',
  'delivery.logs.amazonaws.com': 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html',
  'monitoring.rds.amazonaws.com': 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html',
  'spotfleet.amazonaws.com': 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-fleet-prerequisites.html',
  'batch.amazonaws.com': 'https://docs.aws.amazon.com/batch/latest/userguide/service_IAM_role.html',
  'ecs.amazonaws.com': 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html',
  'elasticbeanstalk.amazonaws.com': 'https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/iam-servicerole.html',
  'codedeploy.amazonaws.com': 'https://docs.aws.amazon.com/codedeploy/latest/userguide/getting-started-create-service-role.html',
  'datapipeline.amazonaws.com': 'https://docs.aws.amazon.com/datapipeline/latest/DeveloperGuide/dp-iam-roles.html',
  'dms.amazonaws.com': 'https://docs.aws.amazon.com/dms/latest/userguide/security-iam.html',
  'backup.amazonaws.com': 'https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html',
  'firehose.amazonaws.com': 'https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html',
  'dlm.amazonaws.com': 'https://docs.aws.amazon.com/ebs/latest/userguide/service-role.html',
  // The EKS cluster role: the control plane manages load balancers, and in Auto Mode launches nodes (AWS's
  // AmazonEKSComputePolicy: RunInstances and PassRole to EC2) as Auto Scaling's role does. Pods never get
  // it (they get the node role or their own through IRSA or Pod Identity, pods.eks is not listed); what a
  // Kubernetes administrator makes EKS launch is that administrator's, as a launch template is for Auto Scaling.
  'eks.amazonaws.com': 'https://docs.aws.amazon.com/eks/latest/userguide/cluster-iam-role.html',
  // SNS assumes a role only to deliver: delivery-status logs of topics, platform applications and SMS to
  // CloudWatch Logs, messages to a Firehose subscription (SubscriptionRoleArn). It runs nothing a person
  // writes with it. (SMS usage reports go to S3 under the bucket's policy, not with a role.)
  'sns.amazonaws.com': 'https://docs.aws.amazon.com/sns/latest/dg/topics-attrib-prereq.html',
};

/**
 * The AWS services that hold a role when its trust policy lets only service principals assume it (every
 * principal of every Allow statement is a `Service` known from the template, none `AWS`, `Federated`, `*` or
 * unknown); `[]` for users,
 * groups, policy files, roles without a known trust policy and roles a person or account may assume.
 */
export function serviceHolders(principal: IdentityPrincipal, template: Template | undefined): string[] {
  if (principal.kind !== 'role' || principal.trust === undefined) return [];
  const allows = principal.trust.statements.filter((statement) => statement.effect === 'Allow');
  if (allows.length === 0 || allows.some((statement) => statement.effect === undefined)) return [];
  const services = new Set<string>();
  for (const statement of principal.trust.statements) {
    if (statement.effect !== 'Allow') continue;
    const principals = statementPrincipals(statement, template);
    // A service named by a parameter or an import is not known: it may be one that runs a person's code.
    if (principals.length === 0 || principals.some((p) => p.element !== 'Principal' || p.kind !== 'service' || p.text === undefined || p.text.includes('${'))) return [];
    for (const p of principals) services.add(p.text!.toLowerCase());
  }
  return [...services];
}

/** The holders when every one of them is a service that uses the role for its own work only; else `[]`. */
export function controlPlaneHolders(principal: IdentityPrincipal, template: Template | undefined): string[] {
  const holders = serviceHolders(principal, template);
  return holders.length > 0 && holders.every(isControlPlaneService) ? holders : [];
}

/** Whether a service principal (`dax.amazonaws.com`, `…amazonaws.com.cn`) is one of SERVICE_CONTROL_PLANE_ROLES; a pattern or placeholder is not. */
export function isControlPlaneService(service: string): boolean {
  return !/[*?]|\$\{/.test(service) && SERVICE_CONTROL_PLANE_ROLES[normaliseService(service.toLowerCase())] !== undefined;
}

/** `elasticmapreduce.amazonaws.com` for `elasticmapreduce.amazonaws.com.cn` or `${AWS::URLSuffix}` spellings. */
function normaliseService(service: string): string {
  return service.replace(/\.amazonaws\.com\.cn$/, '.amazonaws.com').replace(/\.\$\{aws::urlsuffix\}$/, '.amazonaws.com');
}
