#!/usr/bin/env node
// The pool link's raw throughput, by hand: boots the two hosts of a pool lab (pool-lab.mjs, no
// control plane: their agents fail to enroll and retry, which costs little), and times 20 MiB of
// plain TCP (node in dom0, no TLS) host A -> host B over the pool link at MTU 1500, then dom0 A to
// itself, then over the pool link at MTU 65000. Prints the three times; QEMU is killed at the end.
// About 2 min on 2 cores. `node xen-lab/pool-link-tput.mjs`
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startAgentLab } from './agent-lab.mjs';
import { say, WORK_DIR } from './lab.mjs';
import { poolAddress, poolHostOptions } from './pool-lab.mjs';

const freePort = () =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
const MIB = 20;
const recv = `node -e "const n=require('net');for(const p of [5001,5002,5003])n.createServer(s=>{let b=0;s.on('data',d=>b+=d.length);s.on('end',()=>console.log('LAB recv '+p+' '+b))}).listen(p)"`;
const send = (host, port, label) =>
  `node -e "const n=require('net');const t=process.hrtime.bigint();const s=n.connect(${port},'${host}',()=>{const buf=Buffer.alloc(65536);let i=0;const w=()=>{while(i<${MIB * 16}){i++;if(!s.write(buf))return s.once('drain',w)}s.end()};w()});s.on('close',()=>console.log('LAB tput ${label} ${MIB}MiB '+(Number(process.hrtime.bigint()-t)/1e9).toFixed(2)+'s'))"`;
const peer = poolAddress(1);
const scripts = [
  `${recv} & sleep 25; ip link set eth1 mtu 1500; ${send(peer, 5001, 'pool-mtu1500')}; ${send('127.0.0.1', 5003, 'dom0-local')}; ip link set eth1 mtu 65000; sleep 8; ${send(peer, 5002, 'pool-mtu65000')}`,
  `${recv} & ip link set eth1 mtu 1500; sleep 30; ip link set eth1 mtu 65000`,
];
const dir = join(WORK_DIR, 'pool', `tput-${process.pid}`);
const udpPorts = [await freePort(), await freePort()];
const labs = await Promise.all(
  [0, 1].map(async (index) => {
    const pool = poolHostOptions({ dir, index, udpPorts, shared: false });
    return startAgentLab({
      ...pool,
      name: `tput-${index}`,
      hostPort: await freePort(),
      debugPort: await freePort(),
      extraScript: scripts[index],
      agentEnv: { ...pool.agentEnv, AGENT_CONTROL_PLANE_URL: 'http://10.0.2.2:1', AGENT_ENROLLMENT_TOKEN: 'none' },
      onLine: (t, l) => /^LAB (tput|recv|warn)/.test(l) && say(`host ${index} [${t.toFixed(1)}s] ${l}`),
    });
  }),
);
try {
  await labs[0].waitForLine(/LAB tput pool-mtu65000/, 420_000);
} finally {
  await Promise.all(labs.map((l) => l.stop()));
}
