import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRulesIndex } from '../../scripts/generate-rules-index.js';

describe('docs/rules/README.md', () => {
  it('lists every rule as the index has it (regenerate with npx tsx scripts/generate-rules-index.ts)', () => {
    const committed = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'rules', 'README.md'), 'utf8');
    expect(committed).toBe(renderRulesIndex());
  });
});
