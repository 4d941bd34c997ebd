#!/usr/bin/env node
// Builds everything the processes run: generated Prisma client and gRPC types, then one swc
// pass over apps/, libs/ and bench/ into dist/ (path aliases rewritten, decorator metadata kept),
// then the web console (apps/console: React, bundled by Vite) into dist/apps/console/web, which
// the API serves at `/`.
// usage: node scripts/build.mjs [--out <dir>]   (default dist/; tests honour XENPLANE_DIST_DIR)
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bin, ensureInstalled, root, run } from './lib.mjs';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out ? resolve(values.out) : join(root, 'dist');

ensureInstalled();
generate();
rmSync(out, { recursive: true, force: true });
run(bin('swc'), [
  'apps',
  'libs',
  'bench',
  '-d',
  out,
  '--copy-files',
  '--quiet',
  '--ignore',
  '**/*.spec.ts',
  // a browser app, bundled by Vite below, not run by Node
  '--ignore',
  'apps/console/**',
]);
run(bin('vite'), [
  'build',
  '--config',
  'apps/console/vite.config.mts',
  '--outDir',
  join(out, 'apps/console/web'),
  '--emptyOutDir',
  '--logLevel',
  'warn',
]);

function generate() {
  // Prisma's CLI fetches a schema engine at start even for `generate`, which needs none;
  // pointing it at a stand-in keeps it offline (see docs/DEVELOPMENT.md).
  run(bin('prisma'), ['generate'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });
  run(bin('buf'), ['generate'], { cwd: join(root, 'libs/proto') });
}
