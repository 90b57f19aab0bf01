import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { settingsFromEnv } from '../../src/app/serve.js';

/**
 * docker-compose.replicas.yml, the example of several replicas on one Redis (docs/github-app.md). Docker
 * is not run here; the file is parsed and held against what the app really reads, so it cannot drift:
 * every variable it sets is read by trustgate's sources or Probot's, the values are ones the server's
 * settings accept, both replicas share one Redis, and each healthcheck asks an endpoint the server has.
 */
const root = join(import.meta.dirname, '..', '..');
const COMPOSE = 'docker-compose.replicas.yml';

interface Service {
  build?: { context: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  configs?: { source: string; target: string }[];
  secrets?: string[];
}

const compose = parse(readFileSync(join(root, COMPOSE), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  configs: Record<string, { content: string }>;
  secrets: Record<string, { file: string }>;
};

function filesUnder(dir: string, suffixes: string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, suffixes);
    return suffixes.some((suffix) => name.endsWith(suffix)) ? [path] : [];
  });
}

/** Environment variables named in `env['X']`, `env.X` or `process.env.X` reads of these files. */
function variablesRead(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\benv(?:\[['"]([A-Z][A-Z0-9_]*)['"]\]|\.([A-Z][A-Z0-9_]*))/g)) names.add(match[1] ?? match[2]!);
  }
  return names;
}

const readByTrustgate = variablesRead(filesUnder(join(root, 'src'), ['.ts']));
const readByProbot = variablesRead([...filesUnder(join(root, 'node_modules', 'probot', 'lib'), ['.js']), ...filesUnder(join(root, 'node_modules', '@probot', 'get-private-key'), ['.js'])]);

/** The replicas: services built from this repository's Dockerfile. */
const replicas = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

/** `${NAME:?message}` / `${NAME:-default}` as a shell would give them, with each required variable set to `set-<name>`. */
function substituted(value: string): string {
  return value.replace(/\$\{([A-Z_]+)(?::([?-])([^}]*))?\}/g, (_whole, name: string, kind: string | undefined, rest: string) => (kind === '-' ? rest : `set-${name.toLowerCase()}`));
}

/** The image's port (the Dockerfile's ENV PORT). */
const imagePort = /^\s*PORT=(\d+)/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];

describe(`${COMPOSE}: two replicas on one Redis`, () => {
  it('has two replicas built from this repository\'s Dockerfile, with the same environment', () => {
    expect(replicas.length).toBeGreaterThanOrEqual(2);
    for (const [, service] of replicas) {
      expect(statSync(join(root, service.build!.context, 'Dockerfile')).isFile()).toBe(true);
      expect(service.environment).toEqual(replicas[0]![1].environment);
    }
  });

  it('sets only variables trustgate or Probot reads, and never REDIS_URL', () => {
    for (const [name, service] of replicas) {
      const unknown = Object.keys(service.environment ?? {}).filter((variable) => !readByTrustgate.has(variable) && !readByProbot.has(variable));
      expect(unknown, `${name} sets variables nothing reads`).toEqual([]);
      // REDIS_URL switches Probot's own throttling to Bottleneck clustering (docs/github-app.md).
      expect(Object.keys(service.environment ?? {})).not.toContain('REDIS_URL');
    }
    // The scan is real: it finds the settings the server is known to read.
    expect(readByTrustgate).toContain('TRUSTGATE_REDIS_URL');
    expect(readByProbot).toContain('PRIVATE_KEY_PATH');
  });

  it('gives values the server\'s settings accept: the shared Redis is the compose file\'s Redis service', () => {
    const env = Object.fromEntries(Object.entries(replicas[0]![1].environment!).map(([name, value]) => [name, substituted(String(value))]));
    const settings = settingsFromEnv(env);
    const url = new URL(settings.redisUrl!);
    expect(url.protocol).toBe('redis:');
    const redis = compose.services[url.hostname];
    expect(redis?.image).toMatch(/^redis:/);
    expect(redis?.command).toEqual(expect.arrayContaining(['--maxmemory-policy', 'noeviction']));
    expect(redis?.healthcheck?.test.join(' ')).toContain('ping');
    // The drain bound ends before Docker's SIGKILL.
    for (const [, service] of replicas) {
      const grace = /^(\d+)s$/.exec(service.stop_grace_period ?? '10s');
      expect(settings.drainMs).toBeLessThan(Number(grace![1]) * 1000);
      expect(service.depends_on).toEqual({ [url.hostname]: { condition: 'service_healthy' } });
    }
    // Waiver records signed on one replica verify on the other: one key, set for all.
    expect(env['TRUSTGATE_RECORD_KEY']).toBeDefined();
  });

  it('each replica\'s healthcheck and the proxy ask readiness, an endpoint the server answers, on the image\'s port', () => {
    const operations = readFileSync(join(root, 'src', 'app', 'operations.ts'), 'utf8');
    expect(operations).toContain("path === '/health/ready'");
    expect(imagePort).toBeDefined();
    for (const [, service] of replicas) expect(service.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${imagePort}/health/ready`);
    const proxy = Object.values(compose.services).find((service) => service.configs !== undefined)!;
    const caddyfile = compose.configs[proxy.configs![0]!.source]!.content;
    for (const [name] of replicas) expect(caddyfile).toContain(`${name}:${imagePort}`);
    expect(caddyfile).toMatch(/health_uri \/health\/ready/);
  });

  it('keeps the private key out of the image and is linked from docs/github-app.md', () => {
    const key = compose.secrets[replicas[0]![1].secrets![0]!]!.file;
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8');
    expect(key.endsWith('.pem')).toBe(true);
    expect(ignored).toContain('**/*.pem');
    expect(readFileSync(join(root, 'docs', 'github-app.md'), 'utf8')).toContain(`(../${relative(root, join(root, COMPOSE))})`);
  });
});
