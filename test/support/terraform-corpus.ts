import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The 566 real module and example files of terraform-aws-modules, outside the repository (../shared/corpus). */
export const TERRAFORM_CORPUS = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'terraform-aws-modules');

/** Every `.tf` and `.tfvars` file below `dir`, outside `.terraform/` (Terraform's provider cache). */
export function terraformFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '.terraform' ? [] : terraformFiles(path);
    return /\.tf$|\.tfvars$/.test(name) ? [path] : [];
  });
}
