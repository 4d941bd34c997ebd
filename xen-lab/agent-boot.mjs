#!/usr/bin/env node
// Smoke test of agent mode without a control plane: boots the lab with the agent, answers its
// enrollment call with a tiny HTTP server here (and refuses it, so the agent keeps retrying),
// runs `xl info` through the lab's debug endpoint, and kills QEMU.
// usage: node xen-lab/agent-boot.mjs [--keep <seconds>]
import { createServer } from 'node:http';
import { startAgentLab } from './agent-lab.mjs';
import { say } from './lab.mjs';

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
const enrollments = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    enrollments.push({ url: req.url, body });
    say(`host http: ${req.method} ${req.url} ${body.slice(0, 120)}...`);
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ detail: 'smoke test' }));
  });
});
const apiPort = await freePort();
await new Promise((r) => server.listen(apiPort, '127.0.0.1', r));
const [hostPort, debugPort] = [await freePort(), await freePort()];
const t0 = Date.now();
const lab = await startAgentLab({
  name: 'agent-boot',
  hostPort,
  debugPort,
  agentEnv: { AGENT_CONTROL_PLANE_URL: `http://10.0.2.2:${apiPort}`, AGENT_ENROLLMENT_TOKEN: 'smoke' },
  log: say,
  onLine: (t, l) => say(`[${t.toFixed(1).padStart(6)}s] ${l.slice(0, 300)}`),
});
try {
  await lab.waitForLine(/LAB xl-server up/, 240_000);
  const info = await lab.xl('info');
  say(
    `xl info via debug endpoint rc=${info.code}:\n${info.stdout
      .split('\n')
      .filter((l) => /total_memory|free_memory|nr_cpus|xen_version/.test(l))
      .join('\n')}`,
  );
  const deadline = Date.now() + 120_000;
  while (!enrollments.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  say(
    enrollments.length
      ? `enrollment reached the host after ${((Date.now() - t0) / 1000).toFixed(1)}s`
      : 'NO enrollment reached the host',
  );
} finally {
  await lab.stop();
  server.close();
  say(`serial log: ${lab.logFile}`);
}
