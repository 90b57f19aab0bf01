import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, normalize, sep } from 'node:path';
import { Marked } from 'marked';
import { packageRoot } from '../aws-data/package-root.js';
import { DOCS_BASE_VARIABLE } from '../engine/docs-links.js';

/**
 * The documentation the check run links to, served by the app itself: `GET /docs/<page>.md` renders the
 * page of the packaged docs/ folder (the rule pages under docs/rules/ and the guides they link) as HTML,
 * so a link in an annotation opens wherever the app runs (TRUSTGATE_PUBLIC_URL). Only .md files inside
 * docs/ are served, and the configuration's JSON Schema; the pages are the package's own, never text
 * from a pull request.
 */
const PREFIX = '/docs/';
/** The configuration's JSON Schema, for editors (`# yaml-language-server: $schema=<public URL>/schema/trustgate.schema.json`). */
const SCHEMA_PATH = '/schema/trustgate.schema.json';
const renderer = new Marked({ gfm: true, async: false });

export function docsPagesHandler(docsRoot: string = join(packageRoot(), 'docs')) {
  const cache = new Map<string, string>();
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = decodeSafely((request.url ?? '').split(/[?#]/)[0] ?? '');
    if (path === SCHEMA_PATH) {
      const schema = await readFile(join(docsRoot, '..', 'schema', 'trustgate.schema.json'), 'utf8').catch(() => undefined);
      if (schema === undefined) notFound(response);
      else response.writeHead(200, { 'content-type': 'application/schema+json; charset=utf-8', 'cache-control': 'public, max-age=300' }).end(request.method === 'HEAD' ? undefined : schema);
      return true;
    }
    if (path === undefined || !(path === '/docs' || path.startsWith(PREFIX))) return false;
    const page = pageFile(docsRoot, path === '/docs' || path === PREFIX ? 'rules/README.md' : path.slice(PREFIX.length));
    if (page === undefined) {
      notFound(response);
      return true;
    }
    let html = cache.get(page);
    if (html === undefined) {
      const markdown = await readFile(page, 'utf8').catch(() => undefined);
      if (markdown === undefined) {
        notFound(response);
        return true;
      }
      html = htmlPage(titleOf(markdown), renderer.parse(markdown) as string);
      cache.set(page, html);
    }
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      // The pages are ours, but nothing on them needs to run: no scripts, no frames, no outside requests.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
      'x-content-type-options': 'nosniff',
      'cache-control': 'public, max-age=300',
    });
    response.end(request.method === 'HEAD' ? undefined : html);
    return true;
  };
}

/** The file of a page path inside docs/, or undefined for anything else (other files, `..`, absolute paths). */
function pageFile(docsRoot: string, relative: string): string | undefined {
  if (!relative.endsWith('.md') || relative.includes('\0')) return undefined;
  const resolved = normalize(join(docsRoot, relative));
  return resolved.startsWith(docsRoot + sep) ? resolved : undefined;
}

function decodeSafely(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

function titleOf(markdown: string): string {
  const heading = /^#\s+(.+)$/m.exec(markdown);
  return heading?.[1]?.replace(/`/g, '').trim() ?? 'trustgate';
}

function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · trustgate</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#1f2328}code,pre{font:14px ui-monospace,monospace;background:#f6f8fa}pre{padding:1rem;overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.3rem .6rem}</style>
</head><body>
${body}
</body></html>
`;
}

function notFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('No such trustgate documentation page.\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Where the app's findings link their docs, from TRUSTGATE_PUBLIC_URL (the address people reach this
 * server at, e.g. https://trustgate.example.com): its `/docs/` pages. Unset, findings carry no link (a
 * link to a file on the server's disk opens nothing on GitHub), and the warning says what to set. Set
 * before the scan threads start: they read the same environment.
 */
export function publishDocs(env: NodeJS.ProcessEnv = process.env): { warning?: string } {
  const configured = env['TRUSTGATE_PUBLIC_URL']?.trim() ?? '';
  let base: URL | undefined;
  try {
    base = configured === '' ? undefined : new URL(configured.endsWith('/') ? configured : `${configured}/`);
  } catch {
    base = undefined;
  }
  if (base === undefined || (base.protocol !== 'https:' && base.protocol !== 'http:')) {
    env[DOCS_BASE_VARIABLE] = '';
    return {
      warning: configured === ''
        ? 'TRUSTGATE_PUBLIC_URL is not set: check runs link no rule documentation. Set it to the URL people reach this server at; the server serves the pages at /docs/.'
        : `TRUSTGATE_PUBLIC_URL ${JSON.stringify(configured)} is not an http(s) URL: check runs link no rule documentation.`,
    };
  }
  env[DOCS_BASE_VARIABLE] = base.href;
  return {};
}
