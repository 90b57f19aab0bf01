import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { resolveConfig, toEngineOptions } from '../../src/config/resolve.js';
import { scanFiles } from '../../src/engine/scan.js';

const fixture = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'rules', 'least-privilege', 'unresolved-grant', 'fail-unresolved.yaml'), 'utf8');

function unresolvedLines(configText: string): number[] {
  const parsed = parseConfigText(configText, '.github/trustgate.yml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const options = toEngineOptions(resolveConfig([parsed.layer]));
  return scanFiles([{ path: 'template.yaml', text: fixture }], options)
    .findings.filter((f) => f.ruleId === 'least-privilege/unresolved-grant')
    .map((f) => f.line);
}

describe('reportUnresolved (configuration)', () => {
  it('reports unresolved grants by default', () => {
    expect(unresolvedLines('failOn: high\n')).toEqual([24, 25, 26, 39, 42, 49]);
  });

  it('false silences the class for the repository', () => {
    expect(unresolvedLines('reportUnresolved: false\n')).toEqual([]);
    expect(unresolvedLines('reportUnresolved: true\n')).toHaveLength(6);
  });

  it('is validated as a boolean', () => {
    const parsed = parseConfigText('reportUnresolved: sometimes\n', '.github/trustgate.yml');
    expect(parsed.ok).toBe(false);
  });
});
