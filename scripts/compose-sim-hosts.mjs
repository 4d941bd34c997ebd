#!/usr/bin/env node
// docker-compose's simulated hosts: mint one enrollment token per host (first start only),
// then run the agent fleet in the foreground.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const api = process.env.XENPLANE_API_URL;
const admin = process.env.XENPLANE_ADMIN_TOKEN;
const count = Number(process.env.AGENT_FLEET_SIZE ?? 1);
const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
const env = { ...process.env };

if (!existsSync(`${process.env.AGENT_STATE_DIR}/${process.env.AGENT_NAME}-1`)) {
  const pools = await (await fetch(`${api}/v1/pools`, { headers })).json();
  const pool = pools.find((p) => p.name === 'default');
  const tokens = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${api}/v1/hosts/enrollment-tokens`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ poolId: pool.id }),
    });
    tokens.push((await res.json()).token);
  }
  env.AGENT_ENROLLMENT_TOKENS = tokens.join(',');
}
env.AGENT_CONTROL_PLANE_URL = api;
delete env.XENPLANE_ADMIN_TOKEN;
const child = spawn(process.execPath, ['dist/apps/host-agent/src/main.js'], { env, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 1));
