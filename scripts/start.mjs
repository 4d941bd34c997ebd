#!/usr/bin/env node
// npm start: the whole cloud — by default the API on http://127.0.0.1:8080, the scheduler and
// three simulated Xen hosts in one pool; the settings README.md lists change it (see
// devCloudSettings in libs/testing/src/cloud/devcloud.ts). Ctrl-C stops everything it started.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ensureInstalled, nodeMajor, root, run } from './lib.mjs';
import { ensurePostgres, ensureRedis } from './services.mjs';

if (nodeMajor() < 20) {
  console.error(`Xenplane needs Node.js 20 or newer (this is ${process.version})`);
  process.exit(1);
}

ensureInstalled();
const stops = [];
let cloud;
let settings;
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  console.log('\n› stopping the cloud');
  await cloud?.stop().catch((err) => console.error(err.message));
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  process.exit(code);
}
// the cloud's processes run in their own process groups: a closed terminal (SIGHUP) must stop them too
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(0));

try {
  // built first: the settings are read by the built devCloudSettings
  console.log('› building');
  run(process.execPath, [join(root, 'scripts/build.mjs')]);
  const { devCloudSettings, runDevCloud } = createRequire(import.meta.url)(
    join(root, 'dist/libs/testing/src/index.js'),
  );
  settings = devCloudSettings(process.env, join(root, '.xenplane'));
  stops.push(await ensurePostgres(settings.databaseUrl, settings.stateDir));
  stops.push(await ensureRedis(settings.redisUrl));
  console.log(`› starting the API, the scheduler and ${settings.hosts} simulated Xen hosts`);
  cloud = await runDevCloud(settings);
  const url = cloud.apiUrl;
  // each process serves its Prometheus metrics on its own port (docs/METRICS.md)
  const metrics = [...cloud.metricsPorts].map(([name, port]) => `${name} http://127.0.0.1:${port}/metrics`);
  console.log(`
Xenplane is running.
  API          ${url}   (OpenAPI: ${url}/docs)
  admin token  ${cloud.adminToken}
  metrics      ${metrics.length ? metrics.join('\n               ') : 'off (METRICS_PORT=0)'}
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
