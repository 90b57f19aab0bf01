import type { Logger } from 'probot';
import { describe, expect, it } from 'vitest';
import type { ChangedFiles, CheckOutput, CheckRunWrite, CheckTarget, FileContent, GitHubGateway, PullRequestRef } from '../../src/app/github-gateway.js';
import { runCheck } from '../../src/app/run-check.js';
import { ScanPool } from '../../src/app/scan-pool.js';
import { clearAccessAnalyzerCache, type PolicyValidationService } from '../../src/engine/access-analyzer.js';
import { withDefaults } from '../../src/model/options.js';
import { fixture } from './helpers.js';

interface Write {
  kind: 'create' | 'update';
  body: Partial<CheckRunWrite> & { output: CheckOutput };
}

/** A gateway of plain values, as policy-bot fakes its pull request context. */
class FakeGateway implements GitHubGateway {
  writes: Write[] = [];
  reads: string[][] = [];
  constructor(
    private readonly files: Record<string, string>,
    private readonly behaviour: { listNever?: boolean } = {},
  ) {}
  listChangedFiles(): Promise<ChangedFiles> {
    if (this.behaviour.listNever) return new Promise(() => {});
    return Promise.resolve({ files: Object.keys(this.files).map((path) => ({ path, status: 'modified' as const })) });
  }
  async readFiles(_target: unknown, _ref: string, paths: readonly string[]): Promise<FileContent[]> {
    this.reads.push([...paths]);
    return paths.map((path) => ({ path, status: 'text' as const, text: this.files[path]! }));
  }
  async readDirectories(_target: unknown, directories: readonly { path: string }[], select: (path: string) => boolean, files: readonly { ref: string; path: string }[] = []) {
    const inDirectory = (directory: string) => Object.keys(this.files).filter((path) => path.slice(0, Math.max(0, path.lastIndexOf('/'))) === directory && select(path));
    return {
      directories: directories.map(({ path }) => ({ path, status: 'tree' as const, files: inDirectory(path).map((file) => ({ path: file, status: 'text' as const, text: this.files[file]! })) })),
      files: await this.readFiles(_target, files[0]?.ref ?? '', files.map((file) => file.path)),
    };
  }
  /** Grouped by ref, through readFiles (so a subclass that overrides readFiles sees every read). */
  async readRevisions(target: unknown, reads: readonly { ref: string; path: string }[]): Promise<FileContent[]> {
    const out = new Map<{ ref: string; path: string }, FileContent>();
    for (const ref of [...new Set(reads.map((read) => read.ref))]) {
      const mine = reads.filter((read) => read.ref === ref);
      const contents = await this.readFiles(target, ref, mine.map((read) => read.path));
      mine.forEach((read, index) => out.set(read, contents[index]!));
    }
    return reads.map((read) => out.get(read)!);
  }
  async findPullRequestsForCommit(): Promise<PullRequestRef[]> {
    return [];
  }
  async createCheckRun(_target: CheckTarget, _name: string, body: CheckRunWrite): Promise<number> {
    this.writes.push({ kind: 'create', body });
    return 1;
  }
  async updateCheckRun(_target: CheckTarget, _id: number, body: Write['body']): Promise<void> {
    this.writes.push({ kind: 'update', body });
  }
}

function recordingLogger(): { logger: Logger; errors: unknown[][] } {
  const errors: unknown[][] = [];
  const logger = {
    info: () => {},
    warn: () => {},
    debug: () => {},
    error: (...args: unknown[]) => errors.push(args),
    child: () => logger,
  };
  return { logger: logger as unknown as Logger, errors };
}

const target: CheckTarget = { owner: 'o', repo: 'r', headSha: 'abc', htmlUrl: 'https://github.com/o/r', source: { kind: 'pull-request', number: 1 }, pullNumber: 1 };

describe('runCheck', () => {
  it('creates a long run in progress first, then completes it with one update', async () => {
    const gateway = new FakeGateway({ 'a.yaml': fixture('admin-role.yaml') });
    const { logger } = recordingLogger();

    const result = await runCheck(gateway, target, logger, { settings: { slowSteps: true } });

    expect(gateway.writes.map((w) => [w.kind, w.body.status])).toEqual([
      ['create', 'in_progress'],
      ['update', 'completed'],
    ]);
    expect(gateway.writes[1]!.body.conclusion).toBe('failure');
    expect(result).toMatchObject({ conclusion: 'failure', writes: 2, checkRunId: 1 });
  });

  it('creates the run in progress when more files than the threshold are candidates', async () => {
    const files = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`t${i}.yaml`, fixture('scoped-role.yaml')]));
    const gateway = new FakeGateway(files);

    await runCheck(gateway, target, recordingLogger().logger, { settings: { inProgressAboveFiles: 3 } });

    expect(gateway.writes.map((w) => w.body.status)).toEqual(['in_progress', 'completed']);
    expect(gateway.writes[1]!.body.conclusion).toBe('success');
  });

  it('completes the run as failed and logs when the check times out', async () => {
    const gateway = new FakeGateway({}, { listNever: true });
    const { logger, errors } = recordingLogger();

    const result = await runCheck(gateway, target, logger, { settings: { timeoutMs: 20 } });

    expect(result.conclusion).toBe('failure');
    expect(gateway.writes).toHaveLength(1);
    expect(gateway.writes[0]!.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(gateway.writes[0]!.body.output.title).toBe('trustgate could not finish: the check timed out while listing the changed files');
    expect(errors).toHaveLength(1);
  });

  it('completes an in-progress run as failed when a later step throws', async () => {
    const gateway = new FakeGateway({ 'a.yaml': fixture('admin-role.yaml') });
    gateway.readFiles = async () => {
      throw new Error('socket hang up');
    };
    const { logger, errors } = recordingLogger();

    await runCheck(gateway, target, logger, { settings: { slowSteps: true } });

    expect(gateway.writes.map((w) => [w.kind, w.body.status, w.body.conclusion])).toEqual([
      ['create', 'in_progress', undefined],
      ['update', 'completed', 'failure'],
    ]);
    expect(gateway.writes[1]!.body.output.title).toBe('trustgate could not finish: an internal error while reading the changed files');
    expect(gateway.writes[1]!.body.output.summary).toContain('socket hang up');
    expect(errors).toHaveLength(1);
  });

  it('fails and names the file when the configuration cannot be used', async () => {
    const gateway = new FakeGateway({ 'a.yaml': fixture('admin-role.yaml') });

    const result = await runCheck(gateway, target, recordingLogger().logger, {
      hooks: { loadOptions: async () => ({ ok: false, file: '.github/trustgate.yml', message: 'line 3: unknown key "fail_on"' }) },
    });

    expect(result.conclusion).toBe('failure');
    expect(gateway.reads).toEqual([]);
    expect(gateway.writes[0]!.body.output.title).toBe('The trustgate configuration .github/trustgate.yml is invalid');
    expect(gateway.writes[0]!.body.output.summary).toContain('line 3: unknown key "fail_on"');
  });

  it('reports waived findings without letting them block', async () => {
    const gateway = new FakeGateway({ 'a.yaml': fixture('admin-role.yaml') });

    const result = await runCheck(gateway, target, recordingLogger().logger, {
      hooks: { applyWaivers: async ({ findings }) => ({ findings: [], waived: findings.map((finding) => ({ finding, reason: 'break-glass role, ticket SEC-1' })) }) },
    });

    expect(result.conclusion).toBe('success');
    expect(gateway.writes[0]!.body.output.summary).toContain('waived: break-glass role, ticket SEC-1');
    expect(gateway.writes[0]!.body.output.annotations).toBeUndefined();
  });

  describe('with IAM Access Analyzer enabled', () => {
    const enabled = (checkNoNewAccess: boolean) => ({
      loadOptions: async () => ({ ok: true as const, options: withDefaults({ accessAnalyzer: { enabled: true, customChecks: { checkNoNewAccess } } }) }),
    });
    const basePolicy = fixture('scoped-role.yaml');
    const headPolicy = basePolicy.replace('Action: logs:PutLogEvents', 'Action: [logs:PutLogEvents, logs:DeleteLogGroup]');

    /** A gateway that also records the commit each read was made at. */
    class RefRecordingGateway extends FakeGateway {
      refs: string[] = [];
      override async readFiles(target: unknown, ref: string, paths: readonly string[]): Promise<FileContent[]> {
        this.refs.push(ref);
        if (ref === 'base123') return paths.map((path) => ({ path, status: 'text' as const, text: basePolicy }));
        return super.readFiles(target, ref, paths);
      }
    }

    it('creates the run in progress, adds the service findings, and compares with the base commit', async () => {
      clearAccessAnalyzerCache();
      const gateway = new RefRecordingGateway({ 'roles.yaml': headPolicy });
      const requests: string[] = [];
      const service: PolicyValidationService = {
        async validatePolicy(input) {
          requests.push(`validate ${input.policyType}`);
          return input.policyType === 'IDENTITY_POLICY'
            ? [{ findingType: 'SUGGESTION', issueCode: 'EMPTY_OBJECT_IN_CONDITION', findingDetails: 'stand-in detail', locations: [{ path: [{ value: 'Statement' }, { index: 0 }] }] }]
            : [];
        },
        async checkNoNewAccess(input) {
          requests.push('no-new-access');
          expect(JSON.parse(input.newPolicyDocument).Statement[0].Action).toEqual(['logs:PutLogEvents', 'logs:DeleteLogGroup']);
          expect(JSON.parse(input.existingPolicyDocument).Statement[0].Action).toBe('logs:PutLogEvents');
          return { result: 'FAIL', message: 'new access', reasons: [{ description: 'logs:DeleteLogGroup is new', statementIndex: 0 }] };
        },
      };

      const result = await runCheck(gateway, { ...target, baseSha: 'base123' }, recordingLogger().logger, { hooks: { ...enabled(true), policyValidation: () => service } });

      expect(gateway.refs).toEqual(['abc', 'base123']);
      expect(requests.sort()).toEqual(['no-new-access', 'validate IDENTITY_POLICY', 'validate RESOURCE_POLICY']);
      expect(gateway.writes.map((w) => [w.kind, w.body.status])).toEqual([
        ['create', 'in_progress'],
        ['update', 'completed'],
      ]);
      const ids = result.findings.map((f) => f.ruleId);
      expect(ids).toContain('policy-validation/access-analyzer');
      expect(result.findings.some((f) => f.message.includes('CheckNoNewAccess'))).toBe(true);
    });

    it('still reports the offline findings when the service fails', async () => {
      clearAccessAnalyzerCache();
      const gateway = new RefRecordingGateway({ 'a.yaml': fixture('admin-role.yaml') });
      const service: PolicyValidationService = {
        async validatePolicy() {
          throw new Error('connect ECONNREFUSED 127.0.0.1:1');
        },
      };

      const result = await runCheck(gateway, target, recordingLogger().logger, { hooks: { ...enabled(false), policyValidation: () => service } });

      expect(gateway.refs).toEqual(['abc']);
      expect(result.conclusion).toBe('failure');
      expect(result.findings.map((f) => f.ruleId)).toContain('least-privilege/full-admin');
      const unavailable = result.findings.filter((f) => f.ruleId === 'policy-validation/access-analyzer-unavailable');
      expect(unavailable).toHaveLength(1);
      expect(unavailable[0]!.message).toContain('ECONNREFUSED');
    });
  });
});

describe('runCheck with the server\'s scan threads (scan-pool.ts)', () => {
  it('a file whose scan runs out of the thread\'s memory blocks with its finding, is left out of the access diff (not parsed again in this thread), and the other file is checked', async () => {
    const lines = ['AWSTemplateFormatVersion: "2010-09-09"', 'Resources:'];
    for (let index = 0; index < 10_000; index++) lines.push(`  Topic${index}:`, '    Type: AWS::SNS::Topic', '    Properties:', `      TopicName: topic-${index}`, '      DisplayName: a topic with a display name long enough');
    // About 1.4 MB: under the access diff's 2 MiB bound, over what a 24 MB heap can scan.
    const gateway = new FakeGateway({ 'stacks/big.yaml': lines.join('\n') + '\n', 'stacks/admin.yaml': fixture('admin-role.yaml') });
    const pool = new ScanPool({ threads: 1, memoryMb: 24, timeoutMs: 120_000 });
    try {
      // The base (the same text, as this gateway answers every ref) runs out too: said so, not called a syntax error.
      const result = await runCheck(gateway, { ...target, baseSha: 'base123' }, recordingLogger().logger, { hooks: { scan: pool.scan } });
      expect(result.conclusion).toBe('failure');
      expect(result.findings.filter((finding) => finding.file === 'stacks/big.yaml').map((finding) => [finding.ruleId, finding.severity, finding.line])).toEqual([['file-too-large', 'high', 1]]);
      expect(result.findings.some((finding) => finding.file === 'stacks/admin.yaml' && finding.ruleId === 'least-privilege/full-admin')).toBe(true);
      const summary = gateway.writes.at(-1)!.body.output.summary;
      expect(summary).toContain('Not computed for `stacks/big.yaml`: it was not checked');
      expect(summary).toContain('the base version of `stacks/big.yaml` (at base123) could not be checked (too large)');
      expect(summary).not.toContain('does not parse');
    } finally {
      await pool.close();
    }
  }, 120_000);
});
