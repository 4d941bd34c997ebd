import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SDK_VERSION } from './version';

const root = join(__dirname, '../../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('the SDK’s generated types', () => {
  it('are what openapi-typescript makes of the committed docs/openapi.json, in its canonical layout', () => {
    // openapi-typescript's dependencies are ES modules jest's CommonJS runtime cannot load: the
    // check renders in memory in a Node process of its own (the same code scripts/openapi.mjs writes with)
    const r = spawnSync(process.execPath, [join(root, 'scripts/sdk-types.mjs'), '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr || `scripts/sdk-types.mjs --check: exit ${r.status}`);
  });

  it('a field with a default is optional in a request body (CreateVmDto.count)', () => {
    expect(read('libs/sdk/src/generated/openapi.ts')).toMatch(/CreateVmDto: \{[^}]*?\n\s+count\?: number;/s);
  });

  it('says the version of its package.json', () => {
    expect(SDK_VERSION).toBe(JSON.parse(read('libs/sdk/package.json')).version);
  });
});
