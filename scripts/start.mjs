#!/usr/bin/env node
// npm start: the whole cloud on its default settings — the API on http://127.0.0.1:8080, the
// scheduler and three simulated Xen hosts in one pool. Ctrl-C stops everything it started.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ensureInstalled, nodeMajor, root, run } from './lib.mjs';
import { ensurePostgres, ensureRedis } from './services.mjs';

if (nodeMajor() < 20) {
  console.error(`Xenplane needs Node.js 20 or newer (this is ${process.version})`);
  process.exit(1);
}

const settings = {
  stateDir: join(root, '.xenplane'),
  databaseUrl: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/xenplane',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  apiPort: Number(process.env.API_PORT ?? 8080),
  hosts: Number(process.env.XENPLANE_SIM_HOSTS ?? 3),
};

ensureInstalled();
const stops = [];
let cloud;
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  console.log('\n› stopping the cloud');
  await cloud?.stop().catch((err) => console.error(err.message));
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  stops.push(await ensurePostgres(settings.databaseUrl, settings.stateDir));
  stops.push(await ensureRedis(settings.redisUrl));
  console.log('› building');
  run(process.execPath, [join(root, 'scripts/build.mjs')]);
  console.log('› starting the API, the scheduler and 3 simulated Xen hosts');
  const { runDevCloud } = createRequire(import.meta.url)(join(root, 'dist/libs/testing/src/index.js'));
  cloud = await runDevCloud(settings);
  const url = cloud.apiUrl;
  console.log(`
Xenplane is running.
  API          ${url}   (OpenAPI: ${url}/docs)
  admin token  ${cloud.adminToken}
  logs         ${join(settings.stateDir, 'logs')}

Create a VM:
  curl -s -X POST ${url}/v1/vms -H "Authorization: Bearer ${cloud.adminToken}" \\
       -H 'Content-Type: application/json' -d '{"name":"hello","flavor":"m1.small","image":"tiny-pv"}'

Ctrl-C stops everything.`);
} catch (err) {
  console.error(`✗ ${err.message}`);
  if (cloud) console.error(cloud.logs());
  await shutdown(1);
}
