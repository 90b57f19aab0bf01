import type { ProbotOctokit } from 'probot';
import { ALL_RULES } from '../rules/index.js';
import type { Rule } from '../rules/types.js';
import { loadCustomRules } from '../rule-packs/custom-rules.js';
import { CONFIG_PATH, formatConfigProblems, parseConfigText, resolveConfig, type ConfigLayer, type ConfigProblem, type TrustgateConfig } from '../config/index.js';

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * Reads configuration files on a repository's default branch. Never at a pull request's head: the
 * configuration decides what blocks a merge and who may waive, so the change under review must not be
 * able to loosen it (the rule policy-bot follows). A change to the file takes effect once merged.
 */
export interface ConfigFileReader {
  /** The file's text on the default branch of `owner/repo`; undefined when it (or the repository) does not exist. */
  readDefaultBranchFile(owner: string, repo: string, path: string): Promise<string | undefined>;
}

/** The REST contents API without a `ref`, which GitHub answers from the default branch. */
export class OctokitConfigReader implements ConfigFileReader {
  constructor(private readonly octokit: Octokit) {}

  async readDefaultBranchFile(owner: string, repo: string, path: string): Promise<string | undefined> {
    try {
      const response = await this.octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path, mediaType: { format: 'raw' } });
      const data: unknown = response.data;
      if (typeof data === 'string') return data;
      // Octokit hands back bytes when GitHub labels the raw file with a type it does not read as text.
      if (data instanceof ArrayBuffer) return new TextDecoder('utf-8').decode(data);
      // A directory (or submodule) at that path lists entries as JSON instead of raw text.
      throw new Error(`${owner}/${repo}:${path} is not a file`);
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }
}

export type RepositoryConfig =
  | {
      ok: true;
      config: TrustgateConfig;
      /** The files that made it, most specific first (`owner/repo:path`); empty when defaults apply. */
      files: string[];
      warnings: ConfigProblem[];
      /** Built-in rules plus the configuration's `customRules` (docs/rule-packs.md). */
      rules: readonly Rule[];
    }
  | { ok: false; file: string; problems: ConfigProblem[]; message: string };

/** `_extends` chains longer than this are a mistake (or a loop the visited set did not catch). */
const MAX_EXTENDS_DEPTH = 5;
const EXTENDS_PATTERN = /^(?:([a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38})\/)?([-_.\w]+)(?::([-_./\w]+\.ya?ml))?$/i;

/**
 * Loads the repository's trustgate configuration the way Probot apps do: `.github/trustgate.yml` on
 * the default branch, else the same file in the owner's `.github` repository, then whatever `_extends`
 * names, transitively. Unlike a silent fallback, every problem fails closed with the file, line and
 * reason: an invalid file, an `_extends` that names nothing, a loop. Rejects only on GitHub errors.
 */
export async function loadRepositoryConfig(reader: ConfigFileReader, owner: string, repo: string): Promise<RepositoryConfig> {
  const layers: ConfigLayer[] = [];
  const files: string[] = [];
  let location: { owner: string; repo: string; path: string } = { owner, repo, path: CONFIG_PATH };
  let text = await reader.readDefaultBranchFile(owner, repo, CONFIG_PATH);
  if (text === undefined && repo !== '.github') {
    location = { owner, repo: '.github', path: CONFIG_PATH };
    text = await reader.readDefaultBranchFile(owner, '.github', CONFIG_PATH);
  }
  if (text === undefined) return { ok: true, config: resolveConfig([]), files: [], warnings: [], rules: ALL_RULES };
  const texts: string[] = [];

  for (let depth = 0; ; depth++) {
    const name = `${location.owner}/${location.repo}:${location.path}`;
    const parsed = parseConfigText(text, name);
    if (!parsed.ok) return failure(name, parsed.problems);
    layers.push(parsed.layer);
    files.push(name);
    texts.push(text);
    const extendsValue = parsed.layer.extends;
    if (extendsValue === undefined) break;
    const match = EXTENDS_PATTERN.exec(extendsValue);
    const at = extendsProblem(name, text);
    if (match === null) return failure(name, [{ ...at, message: `_extends "${extendsValue}" is not \`repo\`, \`owner/repo\` or \`owner/repo:path.yml\`` }]);
    const next = { owner: match[1] ?? location.owner, repo: match[2]!, path: match[3] ?? CONFIG_PATH };
    const nextName = `${next.owner}/${next.repo}:${next.path}`;
    if (files.some((file) => file.toLowerCase() === nextName.toLowerCase())) {
      return failure(name, [{ ...at, message: `_extends "${extendsValue}" leads back to ${nextName}, which is already loaded (a loop)` }]);
    }
    if (depth + 1 >= MAX_EXTENDS_DEPTH) return failure(name, [{ ...at, message: `_extends goes more than ${MAX_EXTENDS_DEPTH} files deep` }]);
    const nextText = await reader.readDefaultBranchFile(next.owner, next.repo, next.path);
    // A missing base must not quietly drop the organisation's rules: fail and say which file is missing.
    if (nextText === undefined) {
      return failure(name, [{ ...at, message: `_extends "${extendsValue}" names ${nextName}, which does not exist on its default branch or is not readable by this installation` }]);
    }
    location = next;
    text = nextText;
  }
  // Custom rules add up across the files: the organisation's rules apply to every repository that
  // extends its configuration, and a repository adds its own. A rule id defined twice is taken from
  // the most specific file (layers[0] is the repository's own).
  const customById = new Map<string, Rule>();
  for (let index = layers.length - 1; index >= 0; index--) {
    const listed = layers[index]!.values.customRules;
    if (!Array.isArray(listed) || listed.length === 0) continue;
    const custom = loadCustomRules(texts[index]!, files[index]!);
    if (custom.errors.length > 0) {
      return failure(files[index]!, custom.errors.map((error) => ({ ...error, endLine: error.line, endColumn: error.column, path: 'customRules' })));
    }
    for (const rule of custom.rules) customById.set(rule.meta.id, rule);
  }
  const rules: readonly Rule[] = customById.size > 0 ? [...ALL_RULES, ...customById.values()] : ALL_RULES;
  return { ok: true, config: resolveConfig(layers), files, warnings: layers.flatMap((layer) => layer.warnings), rules };
}

function failure(file: string, problems: ConfigProblem[]): RepositoryConfig {
  return { ok: false, file, problems, message: formatConfigProblems(problems) };
}

/** Position of the `_extends` key, so a problem with it points at its line. */
function extendsProblem(file: string, text: string): Omit<ConfigProblem, 'message'> {
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((line) => /^\s*["']?_extends["']?\s*:/.test(line));
  const line = index < 0 ? 1 : index + 1;
  const column = index < 0 ? 1 : lines[index]!.search(/\S/) + 1;
  return { file, line, column, endLine: line, endColumn: column, path: '_extends' };
}
