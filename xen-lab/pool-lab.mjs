// xen-lab "pool mode": two Xen hosts at once, each its own QEMU running agent mode
// (agent-lab.mjs), wired as a pool of real hardware would be:
//   - a management link per host (QEMU user networking, as the one-host lab): the control plane
//     on this machine dials 127.0.0.1:<hostPort>, the agent dials 10.0.2.2:<apiPort>;
//   - a pool link between the two dom0s (192.168.77.11 and .12/24): QEMU socket networking over
//     UDP on this machine's loopback, each QEMU sending to the other's port. UDP, not a TCP
//     listen/connect pair: a host whose QEMU is killed and started again rejoins the link by
//     itself. The agents advertise their pool address to their peers (AGENT_PEER_ADVERTISE_ADDRESS):
//     witnesses' pings and probes go over it;
//   - a debug link per host (user networking, no route anywhere): the tests' view into dom0
//     (`xl list`, files), which no test cuts;
//   - a QMP socket per QEMU: tests cut and heal the links (`set_link n0|pool off|on`);
//   - a state disk per host (a small ext4 image mounted at /var/lib/xenplane-agent): a host
//     killed and booted again keeps its agent's identity, as a real host keeps its disk;
//   - one shared disk (a raw image file opened by both QEMUs, unlocked, share-rw: a LUN both
//     hosts see), /dev/xp-shared in each dom0: 4 GiB, sparse (three extents of a 1 GiB disk and
//     its 1 MiB header, docs/STORAGE.md).
// The hosts are started one process each (agent-serve.mjs with { pool: {...} } in its options):
// one can be killed (power loss) and booted again while the other runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

export const POOL_NET = '192.168.77';
export const SHARED_DISK_MB = 4096;

/** The pool address of host `index` (0 or 1). */
export const poolAddress = (index) => `${POOL_NET}.${11 + index}`;

/**
 * Where a pool's disks and sockets live: created on first use; the shared disk made once (sparse),
 * grown to SHARED_DISK_MB when a pool dir of an older lab has a smaller one (never shrunk).
 */
export function poolFiles(dir) {
  mkdirSync(dir, { recursive: true });
  const sharedDisk = join(dir, 'shared.img');
  if (!existsSync(sharedDisk) || statSync(sharedDisk).size < SHARED_DISK_MB * 1024 * 1024)
    execFileSync('truncate', ['-s', `${SHARED_DISK_MB}M`, sharedDisk]);
  return {
    sharedDisk,
    stateDisk: (index) => join(dir, `host-${index}-state.img`),
    qmpSocket: (index) => join(dir, `host-${index}.qmp`),
  };
}

/**
 * startAgentLab's options for host `index` of a two-host pool: its pool link (UDP ports: one per
 * host, udpPorts[index] its own), its state disk, the shared disk, its QMP socket, and the agent's
 * peer address.
 */
export function poolHostOptions({ dir, index, udpPorts, agentPort = 7443, shared = true }) {
  if (index !== 0 && index !== 1) throw new Error('pool-lab: two hosts, index 0 or 1');
  const files = poolFiles(dir);
  return {
    poolLink: {
      localPort: udpPorts[index],
      remotePort: udpPorts[1 - index],
      address: poolAddress(index),
      mac: `52:54:00:77:00:${11 + index}`,
    },
    stateDisk: files.stateDisk(index),
    sharedDisk: shared ? files.sharedDisk : undefined,
    qmpSocket: files.qmpSocket(index),
    agentEnv: {
      AGENT_PEER_ADVERTISE_ADDRESS: `${poolAddress(index)}:${agentPort}`,
      // the LUN it maps for the pool's shared storage (docs/STORAGE.md); none without the shared disk
      ...(shared ? { AGENT_SHARED_DEVICES: '/dev/xp-shared' } : {}),
    },
  };
}

/**
 * One QMP command on a QEMU's socket: { return } or { error }. Tests cut a host's links with
 * qmp(socket, 'set_link', { name: 'n0', up: false }) (n0: management, pool: the pool link).
 */
export function qmp(socket, execute, args, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    let buf = '';
    let sent = false;
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`qmp ${execute}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    conn.on('data', (chunk) => {
      buf += chunk.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (msg.QMP) conn.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`);
        else if (!sent && 'return' in msg) {
          sent = true;
          conn.write(`${JSON.stringify({ execute, ...(args ? { arguments: args } : {}) })}\n`);
        } else if (sent && ('return' in msg || 'error' in msg)) {
          clearTimeout(timer);
          conn.end();
          resolve(msg);
        }
      }
    });
  });
}
