import { join } from 'node:path';
import { getLogger } from '@xenplane/observability';
import type { AgentConfig } from '../config';
import { ensureEnrolled, type HostIdentity } from '../enrollment/enrollment';
import type { AgentHost } from '../host/agent-host';
import { stablePort } from '../host/ports';

const log = getLogger('fleet');

type HostFactory = (
  identity: HostIdentity,
  name: string,
  stateDir: string,
  port: number,
  peerAddress: string,
) => Promise<AgentHost>;

/**
 * The driver's code, loaded on demand: a process runs one driver only, and the agent in a
 * 512 MB dom0 should not carry the simulator's code (nor a simulated fleet the xl driver's).
 */
function hostFactory(c: AgentConfig): HostFactory {
  if (c.AGENT_DRIVER === 'xl')
    return async (identity, _name, stateDir, port, peer) =>
      (await import('../drivers/xl/xl-host')).createXlHost(c, identity, stateDir, port, peer);
  return async (identity, name, stateDir, port, peer) =>
    (await import('./sim-host')).createSimHost(c, identity, name, stateDir, port, peer);
}

/**
 * The hosts this process serves: one real host (xl), or in fleet mode many simulated hosts,
 * each with its own port, state directory, key and certificate, as if they were machines.
 */
export async function startHosts(c: AgentConfig): Promise<AgentHost[]> {
  const tokens = (c.AGENT_ENROLLMENT_TOKENS ?? c.AGENT_ENROLLMENT_TOKEN ?? '').split(',').filter(Boolean);
  const createHost = hostFactory(c);
  const hosts: AgentHost[] = [];
  const fleet = c.AGENT_FLEET_SIZE > 1;
  for (let i = 0; i < c.AGENT_FLEET_SIZE; i++) {
    const name = fleet ? `${c.AGENT_NAME}-${i + 1}` : c.AGENT_NAME;
    const stateDir = fleet ? join(c.AGENT_STATE_DIR, name) : c.AGENT_STATE_DIR;
    const port = await stablePort(stateDir, fleet ? 0 : c.AGENT_PORT, c.AGENT_LISTEN_HOST);
    const advertised =
      c.AGENT_ADVERTISE_ADDRESS && !fleet
        ? c.AGENT_ADVERTISE_ADDRESS
        : `${c.AGENT_ADVERTISE_HOST ?? c.AGENT_LISTEN_HOST}:${port}`;
    const identity = await ensureEnrolled({
      stateDir,
      name,
      address: advertised,
      ...(c.AGENT_CONTROL_PLANE_URL ? { controlPlaneUrl: c.AGENT_CONTROL_PLANE_URL } : {}),
      ...(tokens[i] ? { token: tokens[i] } : {}),
    });
    const peerAddress = c.AGENT_PEER_ADVERTISE_ADDRESS && !fleet ? c.AGENT_PEER_ADVERTISE_ADDRESS : advertised;
    const host = await createHost(identity, name, stateDir, port, peerAddress);
    await host.start();
    hosts.push(host);
  }
  log.info({ hosts: hosts.length, driver: c.AGENT_DRIVER }, 'all hosts serving');
  return hosts;
}
