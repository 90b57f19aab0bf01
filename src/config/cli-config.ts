import { readFile } from 'node:fs/promises';
import type { EngineOptions } from '../model/options.js';
import type { TrustgateConfig } from './config.js';
import { defaultConfig } from './config.js';
import { formatConfigProblems, parseConfigText } from './load.js';
import { resolveConfig, toEngineOptions } from './resolve.js';

export type CliConfigResult = { ok: true; config: TrustgateConfig; notes: string[] } | { ok: false; message: string };

/**
 * Reads the file given to `trustgate scan --config FILE` with the same validation as the app. Only the
 * file itself is read: `_extends` names a GitHub repository, which the CLI does not fetch, so it is
 * reported and skipped. No file means the defaults.
 */
export async function readCliConfig(path: string | undefined): Promise<CliConfigResult> {
  if (path === undefined) return { ok: true, config: defaultConfig(), notes: [] };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, message: `cannot read the configuration ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  const parsed = parseConfigText(text, path);
  if (!parsed.ok) return { ok: false, message: `the configuration is invalid:\n${formatConfigProblems(parsed.problems)}` };
  const notes = parsed.layer.warnings.map((warning) => `warning: ${formatConfigProblems([warning])}`);
  if (parsed.layer.extends !== undefined) notes.push(`note: ${path}: _extends (${parsed.layer.extends}) is applied by the app only; the CLI uses this file alone`);
  return { ok: true, config: resolveConfig([parsed.layer]), notes };
}

/** Flags given on the command line win over the file: lists are added to, single values replace. */
export function engineOptionsWithFlags(
  config: TrustgateConfig,
  flags: { failOn?: EngineOptions['failOn']; trustedAccounts: string[]; allowedOidcSubjects: string[]; scpPaths: string[]; organizationId?: string },
): Partial<EngineOptions> {
  const options = toEngineOptions(config);
  options.failOn = flags.failOn ?? config.failOn;
  options.trustedAccounts = [...new Set([...(options.trustedAccounts ?? []), ...flags.trustedAccounts])];
  options.allowedOidcSubjects = [...new Set([...(options.allowedOidcSubjects ?? []), ...flags.allowedOidcSubjects])];
  options.scpPaths = [...new Set([...(options.scpPaths ?? []), ...flags.scpPaths])];
  if (flags.organizationId !== undefined) options.organizationId = flags.organizationId;
  return options;
}
