import type { DocumentModel } from './document-model.js';
import type { IdentityPrincipal } from './identity-graph.js';
import { valueText } from './intrinsics.js';
import { getKey, scalarString } from '../parse/nodes.js';

/**
 * A stand-in for the role's ARN as deployed, to match against ARN patterns: its RoleName and Path, or
 * the name CloudFormation generates (`<stack>-<logical id>-<suffix>`); placeholders become plain text.
 */
export function probeRoleArn(model: DocumentModel, role: IdentityPrincipal): string {
  const properties = role.resource.properties;
  const path = scalarString(getKey(properties, 'Path')) ?? '/';
  const nameNode = getKey(properties, 'RoleName');
  const written = nameNode === undefined ? undefined : model.resolver.resolve(nameNode).map(valueText).find((t) => t !== undefined);
  const name = (written ?? `stack-${role.logicalId}-ABCDEFGHIJKL`).replace(/\$\{AWS::StackName\}/g, 'stack').replace(/\$\{[^}]*\}/g, 'x');
  return `arn:aws:iam::123456789012:role${path.endsWith('/') ? path : `${path}/`}${name}`;
}
