import data from './baseline-policies.json' with { type: 'json' };
import { wildcardToRegExp } from './iam-data.js';
import { managedPolicyByName } from './managed-policies.js';

/**
 * AWS managed policies AWS documents as a workload's baseline for one purpose (baseline-policies.json), with
 * the writes each grants on every resource: its unconditioned Allow statements whose Resource is "*".
 */
export interface BaselinePolicy {
  name: string;
  purpose: string;
  source: string;
}

interface Loaded extends BaselinePolicy {
  patterns: RegExp[];
}

let loaded: Loaded[] | undefined;

function load(): Loaded[] {
  if (loaded !== undefined) return loaded;
  loaded = [];
  for (const entry of data.policies as BaselinePolicy[]) {
    const policy = managedPolicyByName(entry.name);
    if (policy === undefined) continue; // not in the managed policy data: it contributes nothing
    const document = policy.document as { Statement?: unknown };
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    const patterns: RegExp[] = [];
    for (const raw of statements) {
      const statement = raw as { Effect?: unknown; Action?: unknown; Resource?: unknown; Condition?: unknown };
      if (statement?.Effect !== 'Allow' || statement.Condition !== undefined) continue;
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      if (!resources.includes('*')) continue;
      const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      for (const action of actions) if (typeof action === 'string') patterns.push(wildcardToRegExp(action));
    }
    loaded.push({ ...entry, patterns });
  }
  return loaded;
}

/**
 * The baseline policies that together grant every one of `actions` on every resource, or `undefined` when
 * some action is in none of them.
 */
export function baselineCovering(actions: readonly string[]): BaselinePolicy[] | undefined {
  const policies = load();
  if (actions.length === 0) return undefined;
  // One policy that grants them all names the purpose best; else the first policy for each action.
  const single = policies.find((p) => actions.every((action) => p.patterns.some((pattern) => pattern.test(action))));
  if (single !== undefined) return [{ name: single.name, purpose: single.purpose, source: single.source }];
  const used: BaselinePolicy[] = [];
  for (const action of actions) {
    const policy = policies.find((p) => p.patterns.some((pattern) => pattern.test(action)));
    if (policy === undefined) return undefined;
    if (!used.some((u) => u.name === policy.name)) used.push({ name: policy.name, purpose: policy.purpose, source: policy.source });
  }
  return used;
}
