import type { EngineOptions } from '../model/options.js';
import type { TrustgateConfig } from '../config/config.js';
import type { InputFile } from '../engine/scan.js';
import type { Finding } from '../findings/finding.js';
import type { WaivedFinding } from '../reporters/check-run.js';
import type { Logger } from 'probot';
import type { CheckTarget, GitHubGateway } from './github-gateway.js';

export interface WaiverInput {
  findings: readonly Finding[];
  options: EngineOptions;
  gateway: GitHubGateway;
  target: CheckTarget;
  logger: Logger;
  /** The scanned files (their inline suppressions), the changed paths, the configuration and the pull request. */
  inputs?: readonly InputFile[];
  changedPaths?: readonly string[];
  config?: TrustgateConfig;
  pullNumber?: number;
}

export interface WaiverResult {
  /** Findings that still count towards the conclusion. */
  findings: Finding[];
  /** Findings a waiver accepted; listed in the summary, never blocking. */
  waived: WaivedFinding[];
  /** Markdown for the summary (waivers in force, suppressions, a configuration change). */
  notes?: string;
}

/**
 * The hook between the engine and the report: decides which findings a waiver accepts. Today no
 * waivers exist, so every finding counts. Match on `finding.fingerprint` (stable across line shifts)
 * or `finding.id` (its short form shown in the check run).
 */
export async function applyWaivers(input: WaiverInput): Promise<WaiverResult> {
  return { findings: [...input.findings], waived: [] };
}
