import { pathToFileURL } from 'node:url';
import { packageRoot } from '../aws-data/package-root.js';

/**
 * Where findings link their documentation: the pages under docs/ that ship in the package. The CLI links
 * the packaged files themselves; the app serves the same pages (src/app/docs-pages.ts) and links them at
 * its public URL. The base is the process's `TRUSTGATE_DOCS_BASE` (set by the app's server at start from
 * TRUSTGATE_PUBLIC_URL, and seen by its scan threads, which share the environment): a URL ending in '/',
 * or empty for no links at all; unset, the packaged files.
 */
export const DOCS_BASE_VARIABLE = 'TRUSTGATE_DOCS_BASE';

/** The packaged docs as file URLs: what the CLI links. */
export function packagedDocsBase(): string {
  return pathToFileURL(`${packageRoot()}/`).href;
}

/** The link of a page of the package (`docs/rules/<rule>.md`), or undefined when links are off. */
export function docsUrl(page: string): string | undefined {
  const base = process.env[DOCS_BASE_VARIABLE] ?? packagedDocsBase();
  if (base === '') return undefined;
  return new URL(page, base.endsWith('/') ? base : `${base}/`).href;
}
