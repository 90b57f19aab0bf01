import type { DocumentModel } from './document-model.js';
import type { Resource } from './template.js';
import { getKey, isMap, isScalar, isSeq, type ScalarNode, type SourceNode } from '../parse/nodes.js';

/** One place where a resource hands user data to the instances it launches. */
export interface UserDataSite {
  resource: Resource;
  /** Property path from the resource's properties (`LaunchTemplateData.UserData`), for messages through the vocabulary. */
  path: string;
  /** The user data value as written. */
  node: SourceNode;
}

/** Where each resource type keeps user data (`*` steps into every list item). */
const USER_DATA_LOCATIONS: Record<string, string[][]> = {
  'AWS::EC2::Instance': [['UserData']],
  'AWS::EC2::LaunchTemplate': [['LaunchTemplateData', 'UserData']],
  'AWS::AutoScaling::LaunchConfiguration': [['UserData']],
  'AWS::EC2::SpotFleet': [['SpotFleetRequestConfigData', 'LaunchSpecifications', '*', 'UserData']],
};

/** Arguments of these functions are names (of parameters, resources, conditions), not text. */
const NAME_ARGUMENTS = new Set(['Ref', 'Condition', 'Fn::GetAtt', 'Fn::FindInMap', 'Fn::ImportValue']);

/** Every user data value of the document, in source order of resources. */
export function userDataSites(model: DocumentModel): UserDataSite[] {
  return model.derive('user-data-sites', (m) => {
    const template = m.template;
    if (template === undefined) return [];
    const out: UserDataSite[] = [];
    for (const resource of template.resources.values()) {
      for (const path of USER_DATA_LOCATIONS[resource.type] ?? []) {
        for (const node of userDataNodes(resource.properties, path)) out.push({ resource, path: path.join('.'), node });
      }
    }
    return out;
  });
}

function userDataNodes(node: SourceNode | undefined, path: string[]): SourceNode[] {
  if (node === undefined) return [];
  if (path.length === 0) return [node];
  const [step, ...rest] = path as [string, ...string[]];
  if (step === '*') return isSeq(node) ? node.items.flatMap((item) => userDataNodes(item, rest)) : [];
  return userDataNodes(getKey(node, step), rest);
}

/** Every string literal inside the UserData value (Fn::Base64, Fn::Sub, Fn::Join parts, If branches). */
export function userDataLiterals(node: SourceNode): ScalarNode[] {
  if (isScalar(node)) return [node];
  if (isSeq(node)) return node.items.flatMap(userDataLiterals);
  if (isMap(node)) {
    return node.entries.flatMap((entry) => {
      if (NAME_ARGUMENTS.has(String(entry.key.value))) return [];
      if (entry.key.value === 'Fn::If' && isSeq(entry.value)) return entry.value.items.slice(1).flatMap(userDataLiterals);
      return userDataLiterals(entry.value);
    });
  }
  return [];
}



