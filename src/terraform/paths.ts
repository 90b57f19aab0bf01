import { posix } from 'node:path';

/** `./x` or `../x` from `dir`, normalised; `undefined` for other sources or paths outside the repository. */
export function resolveLocalSource(dir: string, source: string): string | undefined {
  if (!source.startsWith('./') && !source.startsWith('../')) return undefined;
  const joined = posix.normalize(posix.join(dir === '' ? '.' : dir, source));
  if (joined === '..' || joined.startsWith('../') || posix.isAbsolute(joined)) return undefined;
  return joined === '.' ? '' : joined.replace(/\/$/, '');
}
