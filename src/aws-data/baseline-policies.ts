import data from './baseline-policies.json' with { type: 'json' };
import { actionsNamed, wildcardToRegExp } from './iam-data.js';
import { managedPolicyByName } from './managed-policies.js';

/**
 * AWS managed policies AWS documents as a workload's baseline for one purpose (baseline-policies.json), with
 * the writes each grants on every resource: its unconditioned Allow statements whose every Resource is "*"
 * or, for an action, every resource of each type the action accepts in every region and account
 * (`arn:aws:ecs:*:*:container-instance/*` for ecs:StartTelemetrySession, as
 * AmazonECSInstanceRolePolicyForManagedInstances writes its agent's grants).
 */
export interface BaselinePolicy {
  name: string;
  purpose: string;
  source: string;
}

interface Loaded extends BaselinePolicy {
  /** Actions granted on `*`. */
  patterns: RegExp[];
  /** Actions (lower case) granted on every resource of some of their types only, with those types. */
  typed: Map<string, Set<string>>;
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
    const typed = new Map<string, Set<string>>();
    for (const raw of statements) {
      const statement = raw as { Effect?: unknown; Action?: unknown; Resource?: unknown; Condition?: unknown };
      if (statement?.Effect !== 'Allow' || statement.Condition !== undefined) continue;
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      const actions = (Array.isArray(statement.Action) ? statement.Action : [statement.Action]).filter((action): action is string => typeof action === 'string');
      if (resources.includes('*')) {
        for (const action of actions) patterns.push(wildcardToRegExp(action));
        continue;
      }
      // Every resource of some types: the baseline for an action on those types only (AWS's ec2:CreateTags
      // on network-interface/* says nothing of tagging every instance).
      const types = resources.map(typeOfEveryResource);
      if (types.length === 0 || types.some((type) => type === undefined)) continue;
      for (const action of actions) {
        const infos = actionsNamed(action);
        for (const info of infos) {
          const set = typed.get(info.key) ?? new Set<string>();
          for (const type of types) if (info.resourceTypes.some((t) => t.name.toLowerCase() === type)) set.add(type!);
          if (set.size > 0) typed.set(info.key, set);
        }
      }
    }
    loaded.push({ ...entry, patterns, typed });
  }
  return loaded;
}

/**
 * The resource type (lower case) of an ARN with any region and account that names every resource of the
 * type (`arn:aws:ecs:*:*:container-instance/*` → `container-instance`), or `undefined`.
 */
function typeOfEveryResource(resource: unknown): string | undefined {
  if (typeof resource !== 'string') return undefined;
  return /^arn:[^:]+:[a-z0-9-]+:\*?:\*?:([A-Za-z0-9-]+)\/\*$/.exec(resource)?.[1]?.toLowerCase();
}

/**
 * The resource types a written grant of an action covers (lower case, `container-instance`), or `undefined`
 * when it covers every type the action accepts (`Resource: "*"`).
 */
export type WrittenTypes = (action: string) => readonly string[] | undefined;

/**
 * The baseline policies that together grant every one of `actions` on every resource, or `undefined` when
 * some action is in none of them. With `writtenTypes`, an action the written grant has on every resource of
 * some types only is also covered by a policy that grants it on every resource of those types.
 */
export function baselineCovering(actions: readonly string[], writtenTypes?: WrittenTypes): BaselinePolicy[] | undefined {
  const policies = load();
  if (actions.length === 0) return undefined;
  const covers = (p: Loaded, action: string): boolean => {
    if (p.patterns.some((pattern) => pattern.test(action))) return true;
    const types = writtenTypes?.(action);
    const granted = p.typed.get(action.toLowerCase());
    return types !== undefined && types.length > 0 && granted !== undefined && types.every((type) => granted.has(type));
  };
  // One policy that grants them all names the purpose best; else the first policy for each action.
  const single = policies.find((p) => actions.every((action) => covers(p, action)));
  if (single !== undefined) return [{ name: single.name, purpose: single.purpose, source: single.source }];
  const used: BaselinePolicy[] = [];
  for (const action of actions) {
    const policy = policies.find((p) => covers(p, action));
    if (policy === undefined) return undefined;
    if (!used.some((u) => u.name === policy.name)) used.push({ name: policy.name, purpose: policy.purpose, source: policy.source });
  }
  return used;
}
