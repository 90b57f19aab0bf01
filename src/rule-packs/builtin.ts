import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Rule } from '../rules/types.js';
import { formatRulePackError } from './custom-rules.js';
import { loadRulePack } from './loader.js';
import { packRuleToRule } from './pack-rule.js';

/**
 * The built-in rule packs shipped in policies/ (part of the npm package and the Docker image). Read
 * once, synchronously, when first asked: a handful of small YAML files, so the rule index can stay a
 * plain constant. A broken built-in pack is a bug in trustgate, so it throws with every error listed;
 * the registry test loads the packs and fails first.
 */
export function loadBuiltinPackRules(directory: string = policiesDirectory()): Rule[] {
  const files = readdirSync(directory)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  const rules: Rule[] = [];
  const problems: string[] = [];
  for (const name of files) {
    const text = readFileSync(join(directory, name), 'utf8');
    const loaded = loadRulePack(text, `policies/${name}`, { idPrefix: 'pack/', docsFor: (id) => `docs/rules/${id}.md` });
    problems.push(...loaded.errors.map(formatRulePackError));
    rules.push(...loaded.rules.map((rule) => packRuleToRule(rule)));
  }
  if (problems.length > 0) throw new Error(`built-in rule packs are invalid:\n${problems.join('\n')}`);
  return rules;
}

/** policies/ beside package.json; found by walking up, since this file runs from src/ in tests and dist/src/ when built. */
export function policiesDirectory(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'policies'))) return join(dir, 'policies');
  }
  throw new Error('policies/ (the built-in rule packs) was not found next to package.json');
}
