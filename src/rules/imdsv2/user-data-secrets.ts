import { resourceLabel } from '../../model/instance-metadata.js';
import { userDataLiterals, userDataSites } from '../../model/user-data.js';
import type { Rule } from '../types.js';
import { userDataReferences } from '../../model/user-data-references.js';
import { findSecrets, type UserDataSecret } from './_user-data-secrets.js';

const WHAT: Record<UserDataSecret['kind'], string> = {
  'access-key-id': 'an AWS access key id',
  'secret-access-key': 'an AWS secret access key',
  'private-key': 'a private key',
  password: 'a password',
};

/**
 * Credentials written into UserData. IMDS serves user data to anything on the instance that can reach
 * it (and with IMDSv1, to anything that can make the instance send a GET), and it is readable by anyone
 * with ec2:DescribeInstanceAttribute: a secret there is as exposed as the role's credentials.
 */
export const userDataSecrets: Rule = {
  meta: {
    id: 'imdsv2/user-data-secrets',
    title: 'Secret written into instance user data',
    category: 'imdsv2',
    severity: 'high',
    why: 'User data is served by the instance metadata service to every process on the instance (and through IMDSv1 to any SSRF), shown by ec2:DescribeInstanceAttribute, and kept in the template and its history.',
    fix: 'Keep the secret in Secrets Manager or SSM Parameter Store (SecureString) and fetch it at boot with the instance role; rotate the exposed secret.',
    docs: 'docs/rules/imdsv2/user-data-secrets.md',
  },
  appliesTo: ['resources'],
  check({ model, report }) {
    const template = model.template;
    if (template === undefined) return;
    for (const { resource, path, node: userData } of userDataSites(model)) {
      for (const literal of userDataLiterals(userData)) {
        if (typeof literal.value !== 'string') continue;
        for (const secret of findSecrets(literal.value, literal, model.file.text)) {
          report({
            node: secret.node,
            resource: resource.logicalId,
            message: `${resourceLabel(resource)} writes ${WHAT[secret.kind]} (${secret.masked}) into ${resource.vocabulary.field(resource, path)}. The instance metadata service serves user data to anything that reaches it, and it is readable with ec2:DescribeInstanceAttribute: treat the secret as exposed.`,
            element: `${secret.kind}:${secret.masked}`,
          });
        }
      }
      for (const reference of userDataReferences(template, userData, model.file.text)) {
        report({
          node: reference.node,
          resource: resource.logicalId,
          message: `${resourceLabel(resource)} puts ${reference.what} into ${resource.vocabulary.field(resource, path)}: ${resource.vocabulary.deployer} resolves it into the plain text that the instance metadata service serves to anything that reaches it, also readable with ec2:DescribeInstanceAttribute. Treat the secret as exposed.`,
          element: `reference:${reference.element}`,
        });
      }
    }
  },
};
