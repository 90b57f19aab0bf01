import { parentPort } from 'node:worker_threads';
import { scanFiles, type ScannedFile, type ScanResult } from '../engine/scan.js';
import { scanTerraformInputs } from '../engine/terraform-scan.js';
import { compareFindings, type Finding } from '../findings/finding.js';
import { isTerraformPath } from '../terraform/index.js';
import { ALL_RULES } from '../engine/all-rules.js';
import type { Rule } from '../rules/types.js';
import { loadCustomRules } from '../rule-packs/custom-rules.js';
import type { ScanRequest, ScanReply, RuleRef } from './scan-pool.js';

/**
 * The body of a scan worker thread (scan-pool.ts starts it): scans the files of one check at a time
 * with the engine, off the server's event loop, inside the memory limit the pool gave the thread.
 */
const builtIn = new Map(ALL_RULES.map((rule) => [rule.meta.id, rule]));

function rulesOf(refs: RuleRef[] | undefined): readonly Rule[] {
  if (refs === undefined) return ALL_RULES;
  const loaded = new Map<string, Rule[]>();
  return refs.map((ref) => {
    if (ref.kind === 'built-in') {
      const rule = builtIn.get(ref.id);
      if (rule === undefined) throw new Error(`the scan thread does not know the rule ${ref.id}`);
      return rule;
    }
    const cacheKey = `${ref.fileName}\u0000${ref.text}`;
    let rules = loaded.get(cacheKey);
    if (rules === undefined) {
      rules = loadCustomRules(ref.text, ref.fileName, ref.options).rules;
      loaded.set(cacheKey, rules);
    }
    const rule = rules.find((candidate) => candidate.meta.id === ref.id);
    if (rule === undefined) throw new Error(`the scan thread could not load the custom rule ${ref.id} from ${ref.fileName}`);
    return rule;
  });
}

/** The Terraform part of scanFiles alone (the pool's `terraform` mode, when it narrows down a scan that ran out of memory). */
function scanTerraformOnly(request: ScanRequest): ScanResult {
  const rules = rulesOf(request.rules).filter((rule) => request.options.rules[rule.meta.id]?.enabled !== false);
  const findings: Finding[] = [];
  const files: ScannedFile[] = [];
  scanTerraformInputs(request.inputs.filter((input) => isTerraformPath(input.path)), request.inputs, request.options, rules, findings, files);
  return { findings: findings.sort(compareFindings), files };
}

parentPort!.on('message', (request: ScanRequest) => {
  let reply: ScanReply;
  try {
    reply = { id: request.id, ok: true, result: request.mode === 'terraform' ? scanTerraformOnly(request) : scanFiles(request.inputs, request.options, rulesOf(request.rules)) };
  } catch (error) {
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage('ready');
