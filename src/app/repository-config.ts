import type { ProbotOctokit } from 'probot';
import { ALL_RULES } from '../engine/all-rules.js';
import type { Rule } from '../rules/types.js';
import { loadCustomRules } from '../rule-packs/custom-rules.js';
import { CONFIG_PATH, formatConfigProblems, parseConfigText, resolveConfig, type ConfigLayer, type ConfigProblem, type TrustgateConfig } from '../config/index.js';

type Octokit = InstanceType<typeof ProbotOctokit>;

/** A file on the default branch of a repository. */
export interface ConfigLocation {
  owner: string;
  repo: string;
  path: string;
}

/**
 * Reads configuration files on a repository's default branch. Never at a pull request's head: the
 * configuration decides what blocks a merge and who may waive, so the change under review must not be
 * able to loosen it (the rule policy-bot follows). A change to the file takes effect once merged.
 */
export interface ConfigFileReader {
  /** The file's text on the default branch of `owner/repo`; undefined when it (or the repository) does not exist. */
  readDefaultBranchFile(owner: string, repo: string, path: string): Promise<string | undefined>;
  /** Several files at once (one request where the API allows), in the order given. */
  readDefaultBranchFiles(locations: readonly ConfigLocation[]): Promise<(string | undefined)[]>;
  /** `owner/repo` (lower case) of each repository a read was told does not exist or is not readable. */
  readonly missingRepositories?: ReadonlySet<string>;
}

interface ConfigBlob {
  __typename: string;
  text?: string | null;
  isTruncated?: boolean;
}

type ConfigQueryResult = Record<string, { file: ConfigBlob | null } | null> | null | undefined;

/**
 * Reads configuration files with one GraphQL query for any number of repositories: each is an aliased
 * `repository` field whose `object(expression: "HEAD:<path>")` is the file on the default branch
 * (a repository's HEAD is its default branch; no ref from the event is ever used). A repository that
 * does not exist or is not readable by the installation answers NOT_FOUND, like the REST 404.
 */
export class OctokitConfigReader implements ConfigFileReader {
  readonly missingRepositories = new Set<string>();

  constructor(private readonly octokit: Octokit) {}

  async readDefaultBranchFile(owner: string, repo: string, path: string): Promise<string | undefined> {
    const [text] = await this.readDefaultBranchFiles([{ owner, repo, path }]);
    return text;
  }

  async readDefaultBranchFiles(locations: readonly ConfigLocation[]): Promise<(string | undefined)[]> {
    if (locations.length === 0) return [];
    const declarations = locations.map((_, index) => `$o${index}: String!, $n${index}: String!, $e${index}: String!`).join(', ');
    const fields = locations
      .map((_, index) => `c${index}: repository(owner: $o${index}, name: $n${index}) { file: object(expression: $e${index}) { __typename ... on Blob { text isTruncated } } }`)
      .join('\n  ');
    const variables: Record<string, string> = {};
    for (const [index, location] of locations.entries()) {
      variables[`o${index}`] = location.owner;
      variables[`n${index}`] = location.repo;
      variables[`e${index}`] = `HEAD:${location.path}`;
    }
    const data = await this.queryAllowingMissing(`query (${declarations}) {\n  ${fields}\n}`, variables, locations);
    return Promise.all(
      locations.map(async (location, index) => {
        const file = data?.[`c${index}`]?.file ?? null;
        if (file === null) return undefined;
        const name = `${location.owner}/${location.repo}:${location.path}`;
        // A directory (or submodule) at that path is a mistake to report, not a missing file.
        if (file.__typename !== 'Blob') throw new Error(`${name} is not a file`);
        if (typeof file.text !== 'string') throw new Error(`${name} is not a text file`);
        // GraphQL cuts long blobs short; a configuration that long is read whole through REST.
        return file.isTruncated === true ? this.readThroughContents(location) : file.text;
      }),
    );
  }

  /** GraphQL answers a missing repository with a NOT_FOUND error beside the data of the others. */
  private async queryAllowingMissing(query: string, variables: Record<string, string>, locations: readonly ConfigLocation[]): Promise<ConfigQueryResult> {
    try {
      return await this.octokit.graphql<ConfigQueryResult>(query, variables);
    } catch (error) {
      const { errors, data } = error as { errors?: { type?: string; path?: unknown[] }[]; data?: ConfigQueryResult };
      if (Array.isArray(errors) && errors.length > 0 && errors.every((entry) => entry.type === 'NOT_FOUND') && data !== undefined) {
        for (const entry of errors) {
          const alias = Array.isArray(entry.path) ? entry.path[0] : undefined;
          const location = typeof alias === 'string' && /^c\d+$/.test(alias) ? locations[Number(alias.slice(1))] : undefined;
          if (location !== undefined) this.missingRepositories.add(`${location.owner}/${location.repo}`.toLowerCase());
        }
        return data;
      }
      throw error;
    }
  }

  /**
   * The REST contents API without a `ref`, which GitHub also answers from the default branch. Only asked
   * for a file GraphQL said exists, so a 404 here is an odd answer, not a missing file: it fails the
   * check rather than let it run on defaults.
   */
  private async readThroughContents({ owner, repo, path }: ConfigLocation): Promise<string> {
    try {
      const response = await this.octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path, mediaType: { format: 'raw' } });
      const data: unknown = response.data;
      if (typeof data === 'string') return data;
      // Octokit hands back bytes when GitHub labels the raw file with a type it does not read as text.
      if (data instanceof ArrayBuffer) return new TextDecoder('utf-8').decode(data);
      throw new Error(`${owner}/${repo}:${path} is not a file`);
    } catch (error) {
      if ((error as { status?: number }).status === 404) {
        throw new Error(`GitHub listed ${owner}/${repo}:${path} on the default branch but answered 404 when asked for its contents; trustgate does not check with default settings in its place`);
      }
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
      /** Where each setting came from: `waivers.permission` → `owner/repo:path` (the most specific file that sets it). */
      origins: Record<string, string>;
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
  // The repository's file and the owner's fallback in one request: the fallback is needed whenever the
  // repository has none, and is often what `_extends: .github` names, so reading it up front is cheaper
  // than a second round trip.
  const own: ConfigLocation = { owner, repo, path: CONFIG_PATH };
  const fallback: ConfigLocation = { owner, repo: '.github', path: CONFIG_PATH };
  const firstReads = repo === '.github' ? [own] : [own, fallback];
  const known = new Map<string, string | undefined>();
  for (const [index, text] of (await reader.readDefaultBranchFiles(firstReads)).entries()) known.set(locationKey(firstReads[index]!), text);
  // The repository the check is for exists (GitHub sent its event): NOT_FOUND for it is an odd answer,
  // and running on defaults (or on the owner's file in place of its own) would fail open.
  if (reader.missingRepositories?.has(`${owner}/${repo}`.toLowerCase()) === true) {
    throw new Error(`GitHub answered NOT_FOUND for ${owner}/${repo}, the repository being checked, when its configuration was read; trustgate does not check with default settings in its place`);
  }
  const read = async (at: ConfigLocation) => (known.has(locationKey(at)) ? known.get(locationKey(at)) : reader.readDefaultBranchFile(at.owner, at.repo, at.path));

  let location = own;
  let text = known.get(locationKey(own));
  if (text === undefined && repo !== '.github') {
    location = fallback;
    text = known.get(locationKey(fallback));
  }
  if (text === undefined) return { ok: true, config: resolveConfig([]), files: [], warnings: [], rules: ALL_RULES, origins: {} };
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
    // Another owner's file decides what blocks this repository's merges and who may waive: followed only
    // when a file of the repository's own owner lists that owner in `allowExtendsFrom`.
    if (next.owner.toLowerCase() !== owner.toLowerCase()) {
      const allowed = layers.some((layer, index) => files[index]!.toLowerCase().startsWith(`${owner.toLowerCase()}/`) && allowsOwner(layer.values.allowExtendsFrom, next.owner));
      if (!allowed) {
        return failure(name, [{ ...at, message: `_extends "${extendsValue}" names a repository of another owner (${next.owner}); list it in \`allowExtendsFrom\` in a configuration of ${owner} to allow that` }]);
      }
    }
    const nextText = await read(next);
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
  return { ok: true, config: resolveConfig(layers), files, warnings: layers.flatMap((layer) => layer.warnings), rules, origins: settingOrigins(layers, files) };
}

/** Each setting (mappings one level down, as they merge key by key) and the most specific file that sets it. */
function settingOrigins(layers: readonly ConfigLayer[], files: readonly string[]): Record<string, string> {
  const origins: Record<string, string> = {};
  layers.forEach((layer, index) => {
    for (const [key, value] of Object.entries(layer.values)) {
      const nested = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
      for (const name of nested.length > 0 ? nested.map((inner) => `${key}.${inner}`) : [key]) origins[name] ??= files[index]!;
    }
    if (layer.extends !== undefined) origins['_extends'] ??= files[index]!;
  });
  return origins;
}

function allowsOwner(list: unknown, other: string): boolean {
  return Array.isArray(list) && list.some((entry) => typeof entry === 'string' && entry.toLowerCase() === other.toLowerCase());
}

/** Owner and repository names are case-insensitive on GitHub; paths are not. */
function locationKey({ owner, repo, path }: ConfigLocation): string {
  return `${owner.toLowerCase()}/${repo.toLowerCase()}:${path}`;
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
