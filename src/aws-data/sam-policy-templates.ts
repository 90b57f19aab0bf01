import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

/**
 * AWS SAM policy templates (`S3ReadPolicy: {BucketName: …}`), extracted from the SAM translator's own
 * data by scripts/generate-sam-policy-templates.mjs into data/sam-policy-templates.json (committed).
 */
export interface SamPolicyTemplate {
  name: string;
  description: string;
  /** Parameter names the template expects, e.g. `BucketName`. */
  parameters: string[];
  /** The policy document, whose `{Ref: <Parameter>}` nodes SAM replaces with the given values. */
  definition: unknown;
}

let templates: Map<string, SamPolicyTemplate> | undefined;

function load(): Map<string, SamPolicyTemplate> {
  if (templates !== undefined) return templates;
  const data = JSON.parse(readFileSync(join(packageRoot(), 'data', 'sam-policy-templates.json'), 'utf8')) as {
    templates: Record<string, Omit<SamPolicyTemplate, 'name'>>;
  };
  templates = new Map(Object.entries(data.templates).map(([name, template]) => [name, { name, ...template }]));
  return templates;
}

/** The SAM policy template with this exact name (SAM names are case-sensitive), or `undefined`. */
export function samPolicyTemplate(name: string): SamPolicyTemplate | undefined {
  return load().get(name);
}

/** Every SAM policy template name, sorted. */
export function samPolicyTemplateNames(): string[] {
  return [...load().keys()];
}
