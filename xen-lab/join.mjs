#!/usr/bin/env node
// npm run xen-lab: a real Xen host for the cloud `npm start` runs. Boots Xen 4.17 + dom0 under
// QEMU with the host agent in dom0 (xl driver), enrolled into the `default` pool with a one-time
// token from the API; the agent listens on a forwarded loopback port. Ctrl-C stops QEMU.
// usage: npm run xen-lab [-- --api http://127.0.0.1:8080 --token <admin token>]
//        (defaults: the API npm start runs, the token in .xenplane/admin-token)
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAgentLab } from './agent-lab.mjs';
import { requirementsMessage, say } from './lab.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const opt = (flag, dflt) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : dflt);
const api = new URL(opt('--api', 'http://127.0.0.1:8080'));
const tokenFile = join(root, '.xenplane', 'admin-token');
const admin = opt('--token', existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);

const missing = requirementsMessage();
if (missing) {
  console.error(missing);
  process.exit(2);
}
if (!admin) {
  console.error('xen-lab: no admin token: run npm start first (it writes .xenplane/admin-token), or pass --token');
  process.exit(2);
}

const call = async (method, path, body) => {
  const res = await fetch(new URL(path, api), {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.detail ?? JSON.stringify(json)}`);
  return json;
};
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });

const pool = (await call('GET', '/v1/pools')).find((p) => p.name === 'default');
if (!pool) throw new Error('no default pool');
const { token } = await call('POST', '/v1/hosts/enrollment-tokens', { poolId: pool.id });
const name = `xen-lab-${Date.now().toString(36)}`;
const hostPort = await freePort();
const lab = await startAgentLab({
  name,
  hostPort,
  debugPort: await freePort(),
  agentEnv: {
    AGENT_CONTROL_PLANE_URL: `http://10.0.2.2:${api.port || 80}`,
    AGENT_ENROLLMENT_TOKEN: token,
    AGENT_NAME: name,
    LOG_LEVEL: 'info',
  },
  log: say,
});
const stop = async () => {
  say('stopping QEMU');
  await lab.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
say(`QEMU ${lab.pid}; serial console: ${lab.logFile}`);
say(`the agent of host ${name} listens on 127.0.0.1:${hostPort} (dom0's port forwarded); it enrolls into pool default`);
for (let i = 0; i < 120; i++) {
  await new Promise((r) => setTimeout(r, 2_000));
  const host = (await call('GET', '/v1/hosts')).find((h) => h.name === name);
  if (host?.state === 'up') {
    say(`host ${name} is up: ${host.capacity.vcpus} vCPUs, ${host.capacity.memoryMb} MB offered. Ctrl-C stops it.`);
    break;
  }
}
await lab.exited;
