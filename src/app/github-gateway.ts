import type { CheckConclusion, CheckOutput } from '../reporters/check-run.js';

export type { CheckAnnotation, CheckConclusion, CheckOutput } from '../reporters/check-run.js';

/**
 * The narrow view of GitHub the check pipeline needs. The real implementation sits on octokit
 * (octokit-gateway.ts); tests may use nock against it or a plain object of values. Nothing in the
 * engine imports this.
 */

/** A list of changed files GitHub can give directly. */
export type FileListSource =
  /**
   * The files of a pull request (GitHub lists up to 3,000, 100 a page). `compareWith` names its base
   * and head commits: when the first page shows the list takes exactly three pages (201-300 files),
   * the gateway may take it from the three-dot comparison of those commits instead (one request for up
   * to 300 files, renames with their previous path), provided that comparison lists every file of the
   * first page as the pull request does; otherwise it reads the pages.
   */
  | { kind: 'pull-request'; number: number; compareWith?: { base: string; head: string } }
  /**
   * The three-dot comparison `base...head` (GitHub lists up to 300 files). `fallbackPullNumber`
   * names a pull request whose file list (3,000) is used when the comparison is cut off.
   */
  | { kind: 'compare'; base: string; head: string; fallbackPullNumber?: number };

/**
 * Where the changed files of a check come from. `commit` is for events that carry only a commit
 * (check_run, check_suite): the pipeline finds its pull request first, trying `pullRequests` from
 * the payload before asking GitHub.
 */
export type ChangeSource = FileListSource | { kind: 'commit'; pullRequests: PullRequestRef[] };

/** One commit to check and report on. */
export interface CheckTarget {
  owner: string;
  repo: string;
  /** The commit the check run is attached to and whose file contents are read. */
  headSha: string;
  /** The repository's web address (`https://github.com/o/r`, or the GHES equivalent), for links. */
  htmlUrl: string;
  source: ChangeSource;
  /** The pull request the check is for, when there is one (comment commands, logs). */
  pullNumber?: number;
  /** The commit the changes are compared with, when the event says (Access Analyzer's CheckNoNewAccess). */
  baseSha?: string;
}

/** A changed file as it exists at the head commit (removed files are never listed). */
export interface ChangedFile {
  path: string;
  /** The path before a rename; findings are reported under `path`. */
  previousPath?: string;
  status: 'added' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
}

export interface ChangedFiles {
  files: ChangedFile[];
  /**
   * Paths the change took away (removed files, old names of renamed ones). A removed template is read
   * at the base only (its findings are fixed); a Terraform directory that lost a file is a changed
   * module and is checked again.
   */
  removed?: string[];
  /**
   * Set when GitHub stopped listing before the end (3,000 files for a pull request, 300 for a
   * comparison): files may exist that nobody looked at, so the check must not pass.
   */
  incompleteReason?: string;
}

/** What reading one path at one commit gave. */
export type FileContent =
  | { path: string; status: 'text'; text: string }
  | { path: string; status: 'binary' | 'missing' }
  | { path: string; status: 'too-large'; byteSize: number }
  /** GitHub listed the file but gave no usable content for it; `reason` says what it gave. */
  | { path: string; status: 'unreadable'; reason: string };

/**
 * What reading one directory at one commit gave: the files of it a caller selected (by path; text,
 * or why there is none), or `missing` when the path is no directory at that commit.
 */
export type DirectoryContent =
  | {
      path: string;
      status: 'tree';
      files: FileContent[];
      /** Symbolic links among the selected entries, with the target as the link holds it (nothing is read through them here). */
      links?: { path: string; target: string }[];
    }
  | { path: string; status: 'missing' };

/** One path at one ref (a commit SHA). */
export interface RevisionRead {
  ref: string;
  path: string;
}

/** A pull request found for a commit, for events that carry only a commit. */
export interface PullRequestRef {
  number: number;
  headSha: string;
  baseSha: string;
}

/** The body of a check run write; `name` and `head_sha` are added by the gateway on create. */
export interface CheckRunWrite {
  status: 'in_progress' | 'completed';
  conclusion?: CheckConclusion;
  started_at?: string;
  completed_at?: string;
  output: CheckOutput;
}

export interface GitHubGateway {
  /** Changed files, removed files left out, renames under their new name. */
  listChangedFiles(target: Pick<CheckTarget, 'owner' | 'repo'>, source: FileListSource): Promise<ChangedFiles>;
  /**
   * Reads `paths` at `ref` (a commit SHA, or `HEAD` for the default branch) in as few requests as
   * GitHub allows. Returns one entry per path, in the order given.
   */
  readFiles(target: Pick<CheckTarget, 'owner' | 'repo'>, ref: string, paths: readonly string[]): Promise<FileContent[]>;
  /**
   * Reads each path at its own ref (a pull request's head and base versions) in as few requests as
   * GitHub allows: one GraphQL query carries several refs. One entry per read, in the order given.
   */
  readRevisions(target: Pick<CheckTarget, 'owner' | 'repo'>, reads: readonly RevisionRead[]): Promise<FileContent[]>;
  /**
   * Reads each directory at its ref (`''` is the repository root): the files directly in it whose paths
   * `select` keeps (subdirectories are not entered). `files` are read as {@link readRevisions} does, in
   * the same requests, so a check that needs both (and head and base) pays for one batch. One entry per
   * directory and per file, in the order given.
   */
  readDirectories(
    target: Pick<CheckTarget, 'owner' | 'repo'>,
    directories: readonly RevisionRead[],
    select: (path: string) => boolean,
    files?: readonly RevisionRead[],
  ): Promise<{ directories: DirectoryContent[]; files: FileContent[] }>;
  /** Open pull requests whose head is `sha` (for check_run/check_suite events that carry none). */
  findPullRequestsForCommit(target: Pick<CheckTarget, 'owner' | 'repo'>, sha: string): Promise<PullRequestRef[]>;
  /** Creates the check run on `target.headSha`; resolves to its id. */
  createCheckRun(target: CheckTarget, name: string, body: CheckRunWrite): Promise<number>;
  updateCheckRun(target: CheckTarget, checkRunId: number, body: Partial<CheckRunWrite> & { output: CheckOutput }): Promise<void>;
}
