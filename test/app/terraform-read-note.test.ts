import { describe, expect, it } from 'vitest';
import { terraformReadNote, type TerraformReads } from '../../src/app/terraform-reads.js';

/** The summary note about unread local modules carries directory names from the pull request. */
function reads(notFollowed: TerraformReads['notFollowed']): TerraformReads {
  return { files: [], directories: [], notFollowed, calls: [], notRead: [], queries: 1 };
}

describe('terraformReadNote', () => {
  it('says nothing when every local module was read', () => {
    expect(terraformReadNote(undefined)).toBeUndefined();
    expect(terraformReadNote(reads([]))).toBeUndefined();
  });

  it('names each unread module as inert text: no comment marker, mention, link or line break gets through', () => {
    const note = terraformReadNote(reads([{ directory: 'modules/x<!-- trustgate-record -->\n# @org/security [a](https://evil.example)', reason: 'more than 3 levels of local modules below a changed directory' }]))!;
    expect(note).not.toContain('<!--');
    expect(note).not.toMatch(/@org/);
    expect(note).not.toContain('](https://');
    expect(note.split('\n')).toHaveLength(2);
    expect(note).toContain('more than 3 levels of local modules below a changed directory');
  });

  it('lists at most ten and counts the rest', () => {
    const note = terraformReadNote(reads(Array.from({ length: 12 }, (_, index) => ({ directory: `modules/m${index}`, reason: 'the check already reads 40 Terraform directories' }))))!;
    expect(note.split('\n').filter((line) => line.startsWith('- `modules/'))).toHaveLength(10);
    expect(note).toContain('- and 2 more');
  });
});
