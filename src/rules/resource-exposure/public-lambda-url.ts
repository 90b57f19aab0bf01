import { getEntry, getKey } from '../../parse/nodes.js';
import { valueText } from '../../model/intrinsics.js';
import type { Rule } from '../types.js';

/**
 * A Lambda function URL with `AuthType: NONE` (AWS::Lambda::Url, or SAM FunctionUrlConfig) can be
 * called by anyone on the internet without signing the request. High; low when the auth type is a
 * parameter without default (verify it).
 */
export const publicLambdaUrl: Rule = {
  meta: {
    id: 'resource-exposure/public-lambda-url',
    title: 'Lambda function URL without authentication',
    category: 'resource-exposure',
    severity: 'high',
    why: 'A function URL with AuthType NONE is a public HTTPS endpoint: anyone on the internet can invoke the function, run up its cost and reach whatever it can reach.',
    fix: 'Use AuthType AWS_IAM and sign the callers\' requests (or put API Gateway with an authoriser in front); keep NONE only for endpoints meant to be public and authenticate inside the function.',
    docs: 'docs/rules/resource-exposure/public-lambda-url.md',
  },
  appliesTo: ['cloudformation'],
  check({ model, report }) {
    const template = model.template;
    if (template === undefined) return;
    for (const resource of template.resourcesOfType('AWS::Lambda::Url', 'AWS::Serverless::Function')) {
      const config = resource.type === 'AWS::Lambda::Url' ? resource.properties : getKey(resource.properties, 'FunctionUrlConfig');
      const entry = getEntry(config, 'AuthType');
      if (entry === undefined) continue;
      for (const value of model.resolver.resolve(entry.value)) {
        const text = valueText(value);
        if (value.kind === 'absent') continue;
        if (text === 'NONE') {
          report({
            node: entry.value,
            message: `${resource.type === 'AWS::Lambda::Url' ? 'Lambda Url' : 'Serverless Function'} ${resource.logicalId} has a function URL with AuthType NONE${value.kind === 'known' && value.via !== undefined ? ` (from ${value.via})` : ''}: anyone on the internet can invoke the function without signing the request.`,
            element: 'NONE',
          });
        } else if (text === undefined || value.kind === 'partial') {
          report({
            node: entry.value,
            severity: 'low',
            message: `${resource.logicalId}: the function URL's AuthType is not known until deployment (${text ?? 'unresolved'}); if it is NONE, anyone on the internet can invoke the function. Verify it.`,
            element: 'unknown',
          });
        }
      }
    }
  },
};
