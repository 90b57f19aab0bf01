import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../../src/cli/main.js';

/** What a newcomer reads first says that Terraform is checked, since it is (issue 17). */
const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('first-hour text names Terraform beside CloudFormation', () => {
  it('trustgate scan --help', () => {
    const summary = USAGE.split('\nOptions:')[0]!;
    expect(summary).toMatch(/CloudFormation\/SAM templates, Terraform \(\.tf, \.tf\.json, tfvars\) and IAM policy JSON/);
    expect(summary).toMatch(/one module/);
  });

  it('the README introduction, the GitHub App manifest and the app page', () => {
    expect(read('README.md').split('\n## ')[0]).toMatch(/Terraform/);
    expect(read('app.yml')).toMatch(/^description: .*Terraform/m);
    expect(read('docs/github-app.md').split('\n## ')[0]).toMatch(/Terraform/);
  });

  it('no page still says Terraform is not read', () => {
    for (const path of ['README.md', 'docs/github-app.md', 'docs/configuration.md', 'docs/rule-packs.md', 'docs/terraform.md']) {
      expect(read(path), path).not.toMatch(/(soon|not yet|does not) (read |support |check )?Terraform|Terraform (is|are) not (supported|read|checked)|\(and soon Terraform\)/i);
    }
  });
});
