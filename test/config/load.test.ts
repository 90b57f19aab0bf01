import { describe, expect, it } from 'vitest';
import { formatConfigProblems, parseConfigText, resolveConfig, toEngineOptions, isPathSelected, DEFAULT_CONFIG } from '../../src/config/index.js';
import type { ConfigLayer } from '../../src/config/index.js';

const FILE = 'acme/app:.github/trustgate.yml';

function layer(text: string, file = FILE): ConfigLayer {
  const parsed = parseConfigText(text, file);
  if (!parsed.ok) throw new Error(formatConfigProblems(parsed.problems));
  return parsed.layer;
}

function problems(text: string) {
  const parsed = parseConfigText(text, FILE);
  if (parsed.ok) throw new Error('expected the configuration to be rejected');
  return parsed.problems.map((p) => ({ line: p.line, column: p.column, path: p.path, message: p.message }));
}

describe('parseConfigText', () => {
  it('reads every key of a full configuration', () => {
    const config = resolveConfig([
      layer(`
include: ["infra/**"]
exclude: ["infra/test/**"]
failOn: medium
gate: all
reportOnly: true
trustedAccounts: ["111122223333", 444455556666]
organizationId: o-a1b2c3d4e5
allowedOidcSubjects: ["repo:acme/*"]
scpPaths: ["org/scps/*.json"]
rules:
  least-privilege/full-admin: { severity: high }
  imdsv2/launch-template-imds: off
accessAnalyzer:
  enabled: true
  region: eu-west-1
  resolveImports: true
  customChecks:
    checkNoNewAccess: true
    sensitiveActions: ["iam:CreateAccessKey"]
inlineSuppressions: { maxSeverity: low }
waivers:
  permission: admin
  teams: [security, acme/platform]
  allowAuthor: true
  maxDays: 30
customRules:
  - id: custom/no-wildcard
    anything: goes
`),
    ]);
    expect(config).toEqual({
      allowExtendsFrom: [],
      include: ['infra/**'],
      exclude: ['infra/test/**'],
      failOn: 'medium',
      gate: 'all',
      reportOnly: true,
      reportUnresolved: true,
      trustedAccounts: ['111122223333', '444455556666'],
      organizationId: 'o-a1b2c3d4e5',
      allowedOidcSubjects: ['repo:acme/*'],
      scpPaths: ['org/scps/*.json'],
      rules: { 'least-privilege/full-admin': { severity: 'high' }, 'imdsv2/launch-template-imds': { enabled: false } },
      accessAnalyzer: { enabled: true, region: 'eu-west-1', resolveImports: true, customChecks: { checkNoNewAccess: true, sensitiveActions: ['iam:CreateAccessKey'] } },
      inlineSuppressions: { enabled: true, maxSeverity: 'low' },
      waivers: { enabled: true, permission: 'admin', teams: ['security', 'acme/platform'], allowAuthor: true, allowCommitters: false, maxDays: 30 },
      customRules: [{ id: 'custom/no-wildcard', anything: 'goes' }],
    });
  });

  it('treats an empty file or one with only comments as setting nothing', () => {
    expect(resolveConfig([layer('')])).toEqual(DEFAULT_CONFIG);
    expect(resolveConfig([layer('# nothing yet\n---\n')])).toEqual(DEFAULT_CONFIG);
  });

  it('names the line, column and key of each problem', () => {
    const text = ['failOn: hgih', 'waivers:', '  permission: owner', '  maxDays: 0', 'trustedAccounts:', '  - "12345"', 'reportonly: true'].join('\n');
    expect(problems(text)).toEqual([
      { line: 1, column: 9, path: 'failOn', message: '"hgih" is not one of critical, high, medium, low, info' },
      { line: 3, column: 15, path: 'waivers.permission', message: '"owner" is not one of read, triage, write, maintain, admin' },
      { line: 4, column: 12, path: 'waivers.maxDays', message: 'must be at least 1' },
      { line: 6, column: 5, path: 'trustedAccounts[0]', message: '"12345" is not a 12-digit AWS account id (quote it if it starts with 0)' },
      {
        line: 7,
        column: 1,
        path: 'reportonly',
        message: expect.stringContaining('unknown key "reportonly" (did you mean "reportOnly"?)'),
      },
    ]);
  });

  it('formats problems as file:line:column lines', () => {
    const parsed = parseConfigText('failOn: 3\n', FILE);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(formatConfigProblems(parsed.problems)).toBe(`${FILE}:1:9: expected one of critical, high, medium, low, info, got number 3 (at \`failOn\`)`);
  });

  it('rejects YAML that does not parse, at its line', () => {
    const result = problems('failOn: high\nrules: [unclosed\n');
    expect(result).toHaveLength(1);
    expect(result[0]!.message).toMatch(/^not valid YAML: /);
    expect(result[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it('rejects a file that is not a mapping', () => {
    expect(problems('- failOn\n')).toEqual([{ line: 1, column: 1, path: '', message: expect.stringContaining('must be a mapping') }]);
  });

  it('rejects a rule setting of the wrong shape and an account id that lost its leading zero', () => {
    expect(problems('rules:\n  least-privilege/full-admin: [off]\ntrustedAccounts: [012345678901]\n')).toEqual([
      { line: 2, column: 31, path: 'rules["least-privilege/full-admin"]', message: expect.stringContaining('expected true or false or one of off, on') },
      { line: 3, column: 19, path: 'trustedAccounts[0]', message: expect.stringContaining('quote it if it starts with 0') },
    ]);
  });

  it('rejects duplicate keys instead of silently taking one', () => {
    expect(problems('failOn: high\nfailOn: info\n')).toEqual([{ line: 2, column: 1, path: 'failOn', message: '"failOn" appears twice' }]);
  });

  it('warns about rule ids this version does not know, but accepts custom ones', () => {
    const parsed = parseConfigText('rules:\n  least-privilege/full-admn: off\n  custom/mine: off\n', FILE);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.layer.warnings.map((w) => [w.line, w.path])).toEqual([[2, 'rules["least-privilege/full-admn"]']]);
  });

  it('keeps _extends apart from the settings', () => {
    const parsed = layer('_extends: acme/.github:trustgate/base.yml\nfailOn: low\n');
    expect(parsed.extends).toBe('acme/.github:trustgate/base.yml');
    expect(parsed.values).toEqual({ failOn: 'low' });
    expect(problems('_extends: "not a repo!"\n')[0]!.path).toBe('_extends');
  });
});

describe('resolveConfig', () => {
  it('lets the repository override what it extends, merging mappings key by key and rule settings as units', () => {
    const repo = layer('failOn: critical\nwaivers: { allowAuthor: true }\nrules: { least-privilege/full-admin: off }\ntrustedAccounts: ["111122223333"]\n');
    const org = layer(
      'failOn: medium\nwaivers: { permission: admin, teams: [security] }\nrules: { least-privilege/full-admin: { severity: low } }\ntrustedAccounts: ["999988887777", "666655554444"]\n',
      'acme/.github:.github/trustgate.yml',
    );
    const config = resolveConfig([repo, org]);
    expect(config.failOn).toBe('critical');
    expect(config.waivers).toEqual({ enabled: true, permission: 'admin', teams: ['security'], allowAuthor: true, allowCommitters: false });
    expect(config.rules).toEqual({ 'least-privilege/full-admin': { enabled: false } });
    expect(config.trustedAccounts).toEqual(['111122223333']);
  });

  it('maps to engine options', () => {
    const config = resolveConfig([layer('failOn: low\norganizationId: o-abcdefghij\nrules: { least-privilege/full-admin: medium }\n')]);
    expect(toEngineOptions(config)).toEqual({
      failOn: 'low',
      organizationId: 'o-abcdefghij',
      trustedAccounts: [],
      allowedOidcSubjects: [],
      scpPaths: [],
      rules: { 'least-privilege/full-admin': { severity: 'medium' } },
      accessAnalyzer: { enabled: false },
    });
  });
});

describe('isPathSelected', () => {
  it('checks everything by default', () => {
    expect(isPathSelected(DEFAULT_CONFIG, 'a/b/template.yaml')).toBe(true);
    expect(isPathSelected(DEFAULT_CONFIG, '.aws/template.yaml')).toBe(true);
  });

  it('applies include then exclude globs', () => {
    const config = { include: ['infra/**', 'policies/*.json'], exclude: ['infra/test/**'] };
    expect(isPathSelected(config, 'infra/prod/role.yaml')).toBe(true);
    expect(isPathSelected(config, 'infra/test/role.yaml')).toBe(false);
    expect(isPathSelected(config, 'policies/admin.json')).toBe(true);
    expect(isPathSelected(config, 'policies/nested/admin.json')).toBe(false);
    expect(isPathSelected(config, 'app/template.yaml')).toBe(false);
  });
});
