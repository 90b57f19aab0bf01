import type { ProbotOctokit } from 'probot';
import { decodeFileBytes } from '../parse/decode-text.js';
import { MAX_FILE_BYTES } from '../parse/limits.js';
import type {
  ChangedFile,
  ChangedFiles,
  CheckOutput,
  CheckRunWrite,
  CheckTarget,
  DirectoryContent,
  FileContent,
  FileListSource,
  GitHubGateway,
  PullRequestRef,
  RevisionRead,
} from './github-gateway.js';

type Octokit = InstanceType<typeof ProbotOctokit>;
type Repository = Pick<CheckTarget, 'owner' | 'repo'>;

/** GitHub lists at most this many files of a pull request. */
export const PULL_REQUEST_FILE_LIMIT = 3000;
/** GitHub lists at most this many files of a comparison, and does not paginate them. */
export const COMPARE_FILE_LIMIT = 300;
/** Files per page of a pull request's list (GitHub's maximum). */
const FILES_PER_PAGE = 100;
/**
 * Blobs per GraphQL query. GitHub's GraphQL limits count connection nodes (500,000) and rate-limit
 * points from connections; aliased `object(expression:)` fields are no connections, so a query of 250
 * costs one point whatever the number. What grows with the batch is the answer's size and GitHub's
 * time to build it (queries stop at 10 s): templates are a few KB, 250 of them a few MB, and text
 * above GraphQL's own cut-off (isTruncated) comes by REST instead. 500 reads a 250-file pull request's
 * head and base versions (a check judges the change, so it reads both) in one query, which keeps a
 * check within five reads (docs/benchmarks.md).
 */
export const BLOBS_PER_QUERY = 500;

interface BlobNode {
  oid: string;
  text: string | null;
  isTruncated: boolean;
  isBinary: boolean | null;
  byteSize: number;
}

type BlobQueryResult = { repository: Record<string, BlobNode | Record<string, never> | null> | null };

interface TreeEntryNode {
  name: string;
  type: string;
  mode: number;
  object: BlobNode | Record<string, never> | null;
}

type TreeQueryResult = { repository: Record<string, { entries?: TreeEntryNode[] } | null> | null };

/** Git's file mode of a symbolic link (0o120000): its blob is the link's target, not the file Terraform reads. */
const SYMLINK_MODE = 0o120000;

interface RawFile {
  filename: string;
  status: string;
  previous_filename?: string;
}

/** The real {@link GitHubGateway}: REST for lists and check runs, GraphQL batches for contents. */
export class OctokitGateway implements GitHubGateway {
  constructor(private readonly octokit: Octokit) {}

  async listChangedFiles(target: Repository, source: FileListSource): Promise<ChangedFiles> {
    if (source.kind === 'pull-request') return this.listPullRequestFiles(target, source.number, source.compareWith);
    const { data } = await this.octokit.rest.repos.compareCommitsWithBasehead({
      owner: target.owner,
      repo: target.repo,
      basehead: `${source.base}...${source.head}`,
    });
    // An answer without a file list is not "nothing changed" (GitHub lists none only for identical commits).
    if (!Array.isArray(data.files) && data.status !== 'identical') {
      if (source.fallbackPullNumber !== undefined) return this.listPullRequestFiles(target, source.fallbackPullNumber);
      return { files: [], incompleteReason: 'GitHub gave no list of the changed files of this comparison, so none could be checked.' };
    }
    const raw = data.files ?? [];
    if (raw.length >= COMPARE_FILE_LIMIT) {
      if (source.fallbackPullNumber !== undefined) return this.listPullRequestFiles(target, source.fallbackPullNumber);
      return {
        files: toChangedFiles(raw),
        ...removedPaths(raw),
        incompleteReason: `GitHub lists at most ${COMPARE_FILE_LIMIT} files of a comparison and this one reached that limit, so some changed files could not be checked.`,
      };
    }
    return { files: toChangedFiles(raw), ...removedPaths(raw) };
  }

  private async listPullRequestFiles(target: Repository, pullNumber: number, compareWith?: { base: string; head: string }): Promise<ChangedFiles> {
    const raw: RawFile[] = [];
    const pages = this.octokit.paginate.iterator(this.octokit.rest.pulls.listFiles, {
      owner: target.owner,
      repo: target.repo,
      pull_number: pullNumber,
      per_page: FILES_PER_PAGE,
    });
    let first = true;
    for await (const page of pages) {
      raw.push(...page.data);
      // Three pages (201-300 files) cost two more requests; the comparison lists them all in one (reads per check, docs/benchmarks.md).
      if (first && compareWith !== undefined && lastPageOf(page.headers.link) === 3) {
        const compared = await this.compareInstead(target, compareWith, raw);
        if (compared !== undefined) return compared;
      }
      first = false;
      if (raw.length >= PULL_REQUEST_FILE_LIMIT) break;
    }
    const files = toChangedFiles(raw);
    if (raw.length >= PULL_REQUEST_FILE_LIMIT) {
      return {
        files,
        ...removedPaths(raw),
        incompleteReason: `GitHub lists at most ${PULL_REQUEST_FILE_LIMIT} files of a pull request and this one reached that limit, so some changed files could not be checked.`,
      };
    }
    return { files, ...removedPaths(raw) };
  }

  /**
   * The pull request's files from the three-dot comparison of its base and head (what its Files tab
   * shows), or `undefined` when that answer cannot stand for the pull request's list: the request
   * failed, GitHub gave no list or one cut at its 300-file limit, a count that is not the 201-299 three
   * pages hold, or a file of the pull request's first page the comparison does not list the same way
   * (status, previous path). The caller then reads the pages.
   */
  private async compareInstead(target: Repository, compareWith: { base: string; head: string }, firstPage: readonly RawFile[]): Promise<ChangedFiles | undefined> {
    let files: RawFile[] | undefined;
    try {
      // One commit a page: the files come with page 1 whatever its size, and the commits are not needed.
      const { data } = await this.octokit.rest.repos.compareCommitsWithBasehead({ owner: target.owner, repo: target.repo, basehead: `${compareWith.base}...${compareWith.head}`, per_page: 1 });
      files = Array.isArray(data.files) ? data.files : undefined;
    } catch {
      return undefined;
    }
    if (files === undefined || files.length >= COMPARE_FILE_LIMIT || files.length <= 2 * FILES_PER_PAGE) return undefined;
    const key = (file: RawFile) => JSON.stringify([file.filename, file.status, file.previous_filename ?? null]);
    const listed = new Set(files.map(key));
    if (!firstPage.every((file) => listed.has(key(file)))) return undefined;
    return { files: toChangedFiles(files), ...removedPaths(files) };
  }

  async readFiles(target: Repository, ref: string, paths: readonly string[]): Promise<FileContent[]> {
    return this.readRevisions(target, paths.map((path) => ({ ref, path })));
  }

  async readRevisions(target: Repository, reads: readonly RevisionRead[]): Promise<FileContent[]> {
    const results: FileContent[] = [];
    for (let start = 0; start < reads.length; start += BLOBS_PER_QUERY) {
      const batch = reads.slice(start, start + BLOBS_PER_QUERY);
      const blobs = await this.queryBlobs(target, batch);
      for (const [index, read] of batch.entries()) {
        results.push(await this.toContent(target, read.path, blobs[index]));
      }
    }
    return results;
  }

  /** One GraphQL query for a batch of `ref:path` reads; expressions go in variables, so any path is safe. */
  private async queryBlobs(target: Repository, reads: readonly RevisionRead[]): Promise<(BlobNode | undefined)[]> {
    const paths = reads.map((read) => read.path);
    const declarations = paths.map((_, index) => `$e${index}: String!`).join(', ');
    const fields = paths
      .map((_, index) => `f${index}: object(expression: $e${index}) { ... on Blob { oid text isTruncated isBinary byteSize } }`)
      .join('\n    ');
    const query = `query ($owner: String!, $name: String!, ${declarations}) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`;
    const variables: Record<string, string> = { owner: target.owner, name: target.repo };
    for (const [index, read] of reads.entries()) variables[`e${index}`] = `${read.ref}:${read.path}`;
    const result = await this.octokit.graphql<BlobQueryResult>(query, variables);
    if (result.repository === null) throw new Error(`GitHub returned no repository ${target.owner}/${target.repo} when reading file contents.`);
    const repository = result.repository;
    return paths.map((_, index) => {
      const node = repository[`f${index}`];
      return node !== null && node !== undefined && 'oid' in node ? (node as BlobNode) : undefined;
    });
  }

  private async toContent(target: Repository, path: string, blob: BlobNode | undefined): Promise<FileContent> {
    if (blob === undefined) return { path, status: 'missing' };
    if (blob.byteSize > MAX_FILE_BYTES) return { path, status: 'too-large', byteSize: blob.byteSize };
    // Only a string is text: a blob answer without `text` must take the REST path, not reach the parser.
    if (!blob.isTruncated && blob.isBinary !== true && typeof blob.text === 'string') return { path, status: 'text', text: blob.text };
    // GraphQL cuts long blobs short, and gives no text for what GitHub calls binary (a NUL byte, UTF-16):
    // only those cost a REST call each, and their bytes are decoded here (UTF-16 by its byte order mark).
    // Raw, not JSON: a large blob as base64 inside JSON is a third bigger, and octokit's JSON parser gives
    // up on bodies of many megabytes (it then hands back the unparsed text).
    const { data } = (await this.octokit.rest.git.getBlob({ owner: target.owner, repo: target.repo, file_sha: blob.oid, mediaType: { format: 'raw' } })) as { data: unknown };
    const text = blobText(data);
    if (text === undefined) return { path, status: 'unreadable', reason: `GitHub returned blob ${blob.oid} in a form trustgate could not decode` };
    return { path, status: 'text', text };
  }

  async readDirectories(
    target: Repository,
    directories: readonly RevisionRead[],
    select: (path: string) => boolean,
    files: readonly RevisionRead[] = [],
  ): Promise<{ directories: DirectoryContent[]; files: FileContent[] }> {
    const listed: DirectoryContent[] = [];
    const read: FileContent[] = [];
    // Directories and files share batches of BLOBS_PER_QUERY aliases: a check that reads both pays once.
    const items = [...directories.map((item) => ({ kind: 'directory' as const, ...item })), ...files.map((item) => ({ kind: 'file' as const, ...item }))];
    for (let start = 0; start < items.length; start += BLOBS_PER_QUERY) {
      const batch = items.slice(start, start + BLOBS_PER_QUERY);
      const answers = await this.queryTreesAndBlobs(target, batch);
      for (const [index, item] of batch.entries()) {
        const answer = answers[index];
        if (item.kind === 'file') read.push(await this.toContent(target, item.path, answer as BlobNode | undefined));
        else listed.push(await this.toDirectory(target, item.path, answer as TreeEntryNode[] | undefined, select));
      }
    }
    return { directories: listed, files: read };
  }

  /** One GraphQL query: `d<i>` aliases list a tree with each blob's content, `f<i>` read a blob. */
  private async queryTreesAndBlobs(target: Repository, items: readonly { kind: 'directory' | 'file'; ref: string; path: string }[]): Promise<(BlobNode | TreeEntryNode[] | undefined)[]> {
    const blob = '... on Blob { oid text isTruncated isBinary byteSize }';
    const declarations = items.map((_, index) => `$e${index}: String!`).join(', ');
    const fields = items
      .map((item, index) =>
        item.kind === 'file'
          ? `f${index}: object(expression: $e${index}) { ${blob} }`
          : `d${index}: object(expression: $e${index}) { ... on Tree { entries { name type mode object { ${blob} } } } }`,
      )
      .join('\n    ');
    const query = `query ($owner: String!, $name: String!, ${declarations}) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`;
    const variables: Record<string, string> = { owner: target.owner, name: target.repo };
    // The root directory is `<ref>:`; expressions go in variables, so any path is safe.
    for (const [index, item] of items.entries()) variables[`e${index}`] = `${item.ref}:${item.path}`;
    const result = await this.octokit.graphql<BlobQueryResult & TreeQueryResult>(query, variables);
    if (result.repository === null) throw new Error(`GitHub returned no repository ${target.owner}/${target.repo} when reading file contents.`);
    const repository = result.repository as Record<string, unknown>;
    return items.map((item, index) => {
      const node = repository[`${item.kind === 'file' ? 'f' : 'd'}${index}`] as Record<string, unknown> | null | undefined;
      if (node === null || node === undefined) return undefined;
      if (item.kind === 'file') return 'oid' in node ? (node as unknown as BlobNode) : undefined;
      return Array.isArray(node['entries']) ? (node['entries'] as TreeEntryNode[]) : undefined;
    });
  }

  private async toDirectory(target: Repository, path: string, entries: TreeEntryNode[] | undefined, select: (path: string) => boolean): Promise<DirectoryContent> {
    if (entries === undefined) return { path, status: 'missing' };
    const files: FileContent[] = [];
    const links: { path: string; target: string }[] = [];
    for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.type !== 'blob') continue;
      const full = path === '' ? entry.name : `${path}/${entry.name}`;
      if (!select(full)) continue;
      if (entry.mode === SYMLINK_MODE) {
        const target = entry.object !== null && 'oid' in entry.object ? (entry.object as BlobNode).text : null;
        if (typeof target === 'string' && target.length <= 4096) links.push({ path: full, target });
        else files.push({ path: full, status: 'unreadable', reason: 'it is a symbolic link GitHub gave no target for' });
        continue;
      }
      const node = entry.object;
      files.push(await this.toContent(target, full, node !== null && 'oid' in node ? (node as BlobNode) : undefined));
    }
    return links.length > 0 ? { path, status: 'tree', files, links } : { path, status: 'tree', files };
  }

  async findPullRequestsForCommit(target: Repository, sha: string): Promise<PullRequestRef[]> {
    const { data } = await this.octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner: target.owner, repo: target.repo, commit_sha: sha, per_page: 100 });
    return data
      .filter((pull) => pull.state === 'open' && pull.head.sha === sha)
      .map((pull) => ({ number: pull.number, headSha: pull.head.sha, baseSha: pull.base.sha }));
  }

  async createCheckRun(target: CheckTarget, name: string, body: CheckRunWrite): Promise<number> {
    const { data } = await this.octokit.rest.checks.create({ owner: target.owner, repo: target.repo, name, head_sha: target.headSha, ...body });
    return data.id;
  }

  async updateCheckRun(target: CheckTarget, checkRunId: number, body: Partial<CheckRunWrite> & { output: CheckOutput }): Promise<void> {
    await this.octokit.rest.checks.update({ owner: target.owner, repo: target.repo, check_run_id: checkRunId, ...body });
  }
}

/** The text of a blob answer: raw bytes, a string, or (from servers that ignore the raw media type) JSON with base64. */
function blobText(data: unknown): string | undefined {
  if (data instanceof ArrayBuffer) return decodeFileBytes(new Uint8Array(data));
  if (ArrayBuffer.isView(data)) return decodeFileBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (typeof data === 'string') return data;
  if (typeof data === 'object' && data !== null && typeof (data as { content?: unknown }).content === 'string') {
    const { content, encoding } = data as { content: string; encoding?: string };
    if (encoding === 'base64') return decodeFileBytes(Buffer.from(content, 'base64'));
    if (encoding === 'utf-8') return content;
  }
  return undefined;
}

/** The number of the last page a `link` header names (`rel="last"`), or `undefined` when it names none. */
function lastPageOf(link: string | undefined): number | undefined {
  for (const part of (link ?? '').split(',')) {
    if (!/;\s*rel="last"/.test(part)) continue;
    const url = /<([^>]*)>/.exec(part)?.[1];
    const page = url === undefined ? null : new URL(url, 'https://api.github.com').searchParams.get('page');
    return page !== null && /^\d+$/.test(page) ? Number(page) : undefined;
  }
  return undefined;
}

/** Paths the change took away: removed files, and the old names of renamed ones. */
function removedPaths(raw: readonly RawFile[]): { removed?: string[] } {
  const removed = raw.flatMap((file) => (file.status === 'removed' ? [file.filename] : file.previous_filename !== undefined && file.previous_filename !== file.filename ? [file.previous_filename] : []));
  return removed.length > 0 ? { removed } : {};
}

function toChangedFiles(raw: readonly RawFile[]): ChangedFile[] {
  const files: ChangedFile[] = [];
  for (const file of raw) {
    if (file.status === 'removed') continue;
    const status = file.status as ChangedFile['status'];
    const changed: ChangedFile = { path: file.filename, status };
    if (file.previous_filename !== undefined && file.previous_filename !== file.filename) changed.previousPath = file.previous_filename;
    files.push(changed);
  }
  return files;
}
