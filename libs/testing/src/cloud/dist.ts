import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository this code runs from (source under jest, or dist/). */
export function repoRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository above ${from}`);
  }
}

/** Where built processes live: XENPLANE_DIST_DIR, else <repo>/dist (scripts/build.mjs). */
export function distDir(): string {
  const dir = process.env['XENPLANE_DIST_DIR'] ?? join(repoRoot(), 'dist');
  if (!existsSync(join(dir, 'apps'))) throw new Error(`no build in ${dir}: run node scripts/build.mjs`);
  return dir;
}

export const entryPoint = (app: 'api' | 'scheduler' | 'host-agent') => join(distDir(), 'apps', app, 'src', 'main.js');
