import { mapNode, scalarNode, seqNode, type SourceNode } from './nodes.js';

/**
 * CloudFormation's short-form tags and the long form each stands for. `!GetAtt a.b` is also split into
 * its list form, so the resolver sees one shape whichever form the author used.
 */
export const SHORT_FORM_TAGS: Readonly<Record<string, string>> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!Sub': 'Fn::Sub',
  '!GetAtt': 'Fn::GetAtt',
  '!Join': 'Fn::Join',
  '!If': 'Fn::If',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!FindInMap': 'Fn::FindInMap',
  '!Base64': 'Fn::Base64',
  '!Cidr': 'Fn::Cidr',
  '!ImportValue': 'Fn::ImportValue',
  '!GetAZs': 'Fn::GetAZs',
  '!Equals': 'Fn::Equals',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!Not': 'Fn::Not',
  '!Transform': 'Fn::Transform',
  '!Length': 'Fn::Length',
  '!ToJsonString': 'Fn::ToJsonString',
  '!ForEach': 'Fn::ForEach',
};

/**
 * The long form of a short-form tagged node: a one-entry map whose key is the function name. `start` and
 * `end` are the tagged node's range (the YAML library's ranges exclude the tag), and the key spans as
 * many characters from `start` as the tag has, so a finding on the function lands on the tag's line.
 */
export function longFormNode(longForm: string, tagLength: number, converted: SourceNode, start: number, end: number): SourceNode {
  let value = converted;
  if (longForm === 'Fn::GetAtt' && converted.kind === 'scalar' && typeof converted.value === 'string') {
    const dot = converted.value.indexOf('.');
    const parts = dot < 0 ? [converted.value] : [converted.value.slice(0, dot), converted.value.slice(dot + 1)];
    value = seqNode(
      parts.map((part) => scalarNode(part, converted.start, converted.end)),
      converted.start,
      converted.end,
    );
  }
  return mapNode([{ key: scalarNode(longForm, start, start + tagLength), value }], start, end);
}
