#!/usr/bin/env node
// Renders every hand-written SQL statement of libs/db with sample parameters into
// libs/db/queries/<module>.sql, so a reviewer reads any statement whole in one file (and sees
// in a diff how a change to the code changed the SQL). A unit test fails when the committed
// files differ from what the code renders.
// usage: node scripts/render-sql.mjs   (after scripts/build.mjs has generated the Prisma client)
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { bin, root, run } from './lib.mjs';

if (!existsSync(join(root, 'libs/db/src/generated/prisma/client.ts'))) {
  console.error('✗ no generated Prisma client: run node scripts/build.mjs first');
  process.exit(1);
}
const out = join(root, 'tmp/render-sql');
rmSync(out, { recursive: true, force: true });
run(bin('swc'), ['libs', '-d', out, '--quiet', '--ignore', '**/*.spec.ts']);
const { writeQueries } = createRequire(import.meta.url)(join(out, 'libs/db/src/sql-render/write.js'));
const written = await writeQueries(join(root, 'libs/db/queries'));
rmSync(out, { recursive: true, force: true });
console.log(`rendered ${written.length} files into libs/db/queries`);
