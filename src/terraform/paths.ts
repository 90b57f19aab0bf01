import { posix } from 'node:path';

/** `./x` or `../x` from `dir`, normalised; `undefined` for other sources or paths outside the repository. */
export function resolveLocalSource(dir: string, source: string): string | undefined {
  if (!source.startsWith('./') && !source.startsWith('../')) return undefined;
  const joined = posix.normalize(posix.join(dir === '' ? '.' : dir, source));
  if (joined === '..' || joined.startsWith('../') || posix.isAbsolute(joined)) return undefined;
  return joined === '.' ? '' : joined.replace(/\/$/, '');
}

/** `*.tf`, `*.tf.json`, `terraform.tfvars(.json)` and `*.auto.tfvars(.json)`. */
export function isTerraformPath(path: string): boolean {
  const lower = path.toLowerCase();
  if (/(^|\/)\.terraform\//.test(lower)) return false;
  return lower.endsWith('.tf') || lower.endsWith('.tf.json') || isTfvarsPath(lower);
}

/** A variable-values file Terraform loads automatically for the directory. */
export function isTfvarsPath(path: string): boolean {
  const name = posix.basename(path.toLowerCase());
  return name === 'terraform.tfvars' || name === 'terraform.tfvars.json' || name.endsWith('.auto.tfvars') || name.endsWith('.auto.tfvars.json');
}
