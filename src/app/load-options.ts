import { withDefaults, type EngineOptions } from '../model/options.js';
import type { TrustgateConfig } from '../config/config.js';
import type { Rule } from '../rules/types.js';
import type { Logger } from 'probot';
import type { CheckTarget, GitHubGateway } from './github-gateway.js';

/**
 * What loading configuration gave. An invalid configuration is a value, not an exception: the check
 * fails and names the file, so a typo never turns the gate off silently.
 */
export type LoadedOptions =
  | {
      ok: true;
      options: EngineOptions;
      /** The file the options came from, shown in the summary. */ source?: string;
      /** The whole repository configuration (globs, report-only, waiver policy); absent means defaults. */
      config?: TrustgateConfig;
      /** The rules to run (built-in plus the configuration's custom rules); absent means the built-in ones. */
      rules?: readonly Rule[];
      /** Where each setting came from (setting → `owner/repo:path`), shown in the summary; absent or empty: defaults. */
      origins?: Readonly<Record<string, string>>;
    }
  | { ok: false; file: string; message: string };

export interface LoadOptionsInput {
  gateway: GitHubGateway;
  target: CheckTarget;
  logger: Logger;
}

/**
 * The engine options when no repository configuration is read: the defaults. The app replaces this
 * step with `repositoryHooks` (waiver-store.ts), which reads `.github/trustgate.yml` from the default
 * branch (repository-config.ts), so a pull request cannot loosen its own rules; tests and tools that
 * need no configuration keep this one.
 */
export async function loadEngineOptions(_input: LoadOptionsInput): Promise<LoadedOptions> {
  return { ok: true, options: withDefaults() };
}
