#!/usr/bin/env node
// Runs the lab in agent mode (agent-lab.mjs) until this process gets SIGTERM/SIGINT or its stdin
// closes (the parent died), for tests written in TypeScript/CommonJS that cannot import the
// lab's ES modules. Options come as JSON in $XEN_LAB_AGENT_OPTS:
//   { hostPort, debugPort, agentPort?, name?, memoryMb?, dom0MemMb?, agentEnv: {...},
//     pool?: { dir, index, udpPorts, shared? } }   (a host of a two-host pool: pool-lab.mjs)
// Prints "SERVE qemu-pid <pid>", "SERVE log <file>", "SERVE ready" (dom0's xl endpoint answers)
// and every LAB line of the serial console with its time; QEMU is killed on every way out.
import { startAgentLab } from './agent-lab.mjs';
import { say } from './lab.mjs';
import { poolHostOptions } from './pool-lab.mjs';

const opts = JSON.parse(process.env.XEN_LAB_AGENT_OPTS ?? '{}');
const pool = opts.pool ? poolHostOptions({ agentPort: opts.agentPort, ...opts.pool }) : {};
const lab = await startAgentLab({
  ...opts,
  ...pool,
  agentEnv: { ...pool.agentEnv, ...opts.agentEnv },
  log: say,
  onLine: (t, l) => say(`[${t.toFixed(1).padStart(6)}s] ${l.slice(0, 400)}`),
});
say(`SERVE qemu-pid ${lab.pid}`);
say(`SERVE log ${lab.logFile}`);
const quit = async (code) => {
  await lab.stop();
  process.exit(code);
};
process.stdin.on('end', () => void quit(0));
process.stdin.on('error', () => void quit(0));
process.stdin.resume();
lab.exited.then((e) => {
  say(`SERVE qemu-exited ${JSON.stringify(e)}`);
  process.exit(1);
});
try {
  await lab.waitForLine(/LAB xl-server up/, opts.bootTimeoutMs ?? 240_000);
  say('SERVE ready');
} catch (err) {
  say(`SERVE failed ${err.message}`);
  await quit(1);
}
