import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { main, USAGE } from '../../src/cli/main.js';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('CLI messages', () => {
  it('an unknown flag names the nearest option and points at --help, without the whole usage', async () => {
    const { code, stderr } = await cli(['scan', '--frmat', 'json']);
    expect(code).toBe(2);
    expect(stderr).toBe('trustgate: unknown option --frmat (did you mean --format?)\nRun `trustgate --help` for the options.\n');
  });

  it('lists --version in the usage', () => {
    expect(USAGE).toMatch(/--version/);
  });

  it('validates --org-id like the configuration key', async () => {
    const { code, stderr } = await cli(['scan', '--org-id', 'org-123', mkdtempSync(`${tmpdir()}/tg-`)]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--org-id takes an AWS Organizations id/);
  });

  it('says clearly that nothing was checked in an empty folder', async () => {
    const { stdout } = await cli(['scan', mkdtempSync(`${tmpdir()}/tg-`)]);
    expect(stdout).toMatch(/Nothing was checked/);
    expect(stdout).not.toMatch(/0 infrastructure file/);
  });
});
