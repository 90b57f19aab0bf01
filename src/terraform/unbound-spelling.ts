import type { NativeSpelling } from '../parse/parse-file.js';
import { typeSpellings } from './resources.js';
import { spellPath, terraformSpelling } from './vocabulary.js';

/**
 * Terraform's words with no module behind them: for a rule shown on its own (SARIF help, `/trustgate
 * explain`), whose fix names the model's properties (src/rules/types.ts `remedy`) for no resource in
 * particular. A path reads as the mapping (src/terraform/resources.ts) spells it on every Terraform type
 * that spells it, on a resource that sets nothing; where types spell it differently, or none does, it is
 * written snake_case, as the AWS provider names its arguments.
 */
export function unboundSpelling(): NativeSpelling {
  if (cache !== undefined) return cache;
  const agreed = new Map<string, readonly string[]>();
  const disputed = new Set<string>();
  for (const spelled of typeSpellings().values()) {
    for (const [path, native] of spelled) {
      if ('writer' in native || disputed.has(path)) continue;
      const known = agreed.get(path);
      if (known === undefined) agreed.set(path, native);
      else if (known.join('.') !== native.join('.')) {
        agreed.delete(path);
        disputed.add(path);
      }
    }
  }
  const base = terraformSpelling(new Map());
  return (cache = {
    ...base,
    property: (_resourceId, path) => spellPath(agreed, path).path,
    writer: () => undefined,
    type: () => undefined,
  });
}

let cache: NativeSpelling | undefined;
