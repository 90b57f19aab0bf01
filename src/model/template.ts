import { getKey, isMap, isScalar, isSeq, type MapNode, type ScalarNode, type SourceNode } from '../parse/nodes.js';
import type { ParsedDocument } from '../parse/parse-file.js';
import type { SourceFile } from '../parse/source-file.js';
import { vocabularyOf, type Vocabulary } from './vocabulary.js';

export interface Resource {
  logicalId: string;
  /** The resource type as written, e.g. `AWS::IAM::Role`; empty when missing or not a string. */
  type: string;
  /** The resource's own map (`Type`, `Properties`, …). */
  node: SourceNode;
  /** The logical id key, where findings about the resource as a whole point. */
  keyNode: ScalarNode;
  properties: SourceNode | undefined;
  metadata: SourceNode | undefined;
  condition: string | undefined;
  /** How messages name it and its properties: its template's {@link Template.vocabulary}. */
  vocabulary: Vocabulary;
}

export interface Parameter {
  name: string;
  node: SourceNode;
  keyNode: ScalarNode;
  type: string | undefined;
  default: SourceNode | undefined;
  allowedValues: SourceNode[] | undefined;
}

/** A CloudFormation (or SAM) template: its sections indexed once, in source order. */
export class Template {
  readonly file: SourceFile;
  readonly root: SourceNode;
  readonly resources = new Map<string, Resource>();
  readonly parameters = new Map<string, Parameter>();
  readonly mappings: MapNode | undefined;
  readonly conditions: MapNode | undefined;
  readonly isServerless: boolean;
  /** How messages name this template's resources and properties (Terraform's words for a Terraform module). */
  readonly vocabulary: Vocabulary;

  constructor(document: ParsedDocument) {
    this.file = document.file;
    this.vocabulary = vocabularyOf(document);
    this.root = document.root;
    const resources = getKey(this.root, 'Resources');
    if (isMap(resources)) {
      for (const { key, value } of resources.entries) {
        const type = getKey(value, 'Type');
        const condition = getKey(value, 'Condition');
        this.resources.set(String(key.value), {
          logicalId: String(key.value),
          type: isScalar(type) && typeof type.value === 'string' ? type.value : '',
          node: value,
          keyNode: key,
          properties: getKey(value, 'Properties'),
          metadata: getKey(value, 'Metadata'),
          condition: isScalar(condition) && typeof condition.value === 'string' ? condition.value : undefined,
          vocabulary: this.vocabulary,
        });
      }
    }
    const parameters = getKey(this.root, 'Parameters');
    if (isMap(parameters)) {
      for (const { key, value } of parameters.entries) {
        const type = getKey(value, 'Type');
        const allowed = getKey(value, 'AllowedValues');
        this.parameters.set(String(key.value), {
          name: String(key.value),
          node: value,
          keyNode: key,
          type: isScalar(type) && typeof type.value === 'string' ? type.value : undefined,
          default: getKey(value, 'Default'),
          allowedValues: isSeq(allowed) ? allowed.items : undefined,
        });
      }
    }
    const mappings = getKey(this.root, 'Mappings');
    this.mappings = isMap(mappings) ? mappings : undefined;
    const conditions = getKey(this.root, 'Conditions');
    this.conditions = isMap(conditions) ? conditions : undefined;
    const transform = getKey(this.root, 'Transform');
    const transforms = isSeq(transform) ? transform.items : transform === undefined ? [] : [transform];
    this.isServerless = transforms.some((t) => isScalar(t) && String(t.value).startsWith('AWS::Serverless'));
  }

  /** Resources of one type, in source order. */
  resourcesOfType(...types: string[]): Resource[] {
    return [...this.resources.values()].filter((resource) => types.includes(resource.type));
  }
}
