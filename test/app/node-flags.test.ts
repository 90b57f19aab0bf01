import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_NODE_FLAGS } from '../../src/app/node-flags.js';

const root = join(import.meta.dirname, '..', '..');

describe('the app server is started with the same Node flags everywhere', () => {
  it('npm start passes every flag to node', () => {
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start']!;
    expect(start).toContain(`node ${APP_NODE_FLAGS.join(' ')} dist/src/app/server.js`);
  });

  it("the Docker image's CMD passes every flag to node", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...APP_NODE_FLAGS, 'dist/src/app/server.js']);
  });

  it('the benchmark starts its app process with them too', () => {
    expect(readFileSync(join(root, 'bench', 'run.ts'), 'utf8')).toContain('spawn(process.execPath, [...APP_NODE_FLAGS,');
  });
});
