import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const src = __dirname;
const pkg = JSON.parse(readFileSync(join(src, '../package.json'), 'utf8'));

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'testing') yield* sources(path);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')) yield path;
  }
}

describe('@xenplane/sdk as a package outside callers install', () => {
  it('has openapi-fetch as its one dependency', () => {
    expect(pkg.name).toBe('@xenplane/sdk');
    expect(Object.keys(pkg.dependencies)).toEqual(['openapi-fetch']);
  });

  it('imports nothing but its own files and openapi-fetch (no @xenplane/domain, no Nest, no Node built-ins)', () => {
    const foreign: string[] = [];
    for (const file of sources(src)) {
      const text = readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'/g))
        if (!spec!.startsWith('./') && !spec!.startsWith('../') && spec !== 'openapi-fetch')
          foreign.push(`${relative(src, file)}: ${spec}`);
    }
    expect(foreign).toEqual([]);
  });
});
