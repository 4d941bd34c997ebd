import { join } from 'node:path';
import type { AgentConfig } from '../../config';
import type { HostIdentity } from '../../enrollment/enrollment';
import { AgentHost } from '../../host/agent-host';
import { ProcessXlCommand } from './command';
import { XlDriver } from './xl-driver';
import { XlMigration } from './xl-migration';

// The migration transport xl runs, shipped beside the agent (dist/apps/host-agent/src/).
const TRANSPORT_SCRIPT = join(__dirname, '..', '..', 'migration-transport.js');

/** A real Xen host: the xl driver behind the agent's TLS server. */
export async function createXlHost(
  c: AgentConfig,
  identity: HostIdentity,
  stateDir: string,
  port: number,
  peerAddress: string,
): Promise<AgentHost> {
  const command = new ProcessXlCommand(c.XL_BINARY);
  const driver = new XlDriver({
    command,
    workDir: c.XL_WORK_DIR,
    logDir: c.XL_LOG_DIR,
    sharedDevices: c.AGENT_SHARED_DEVICES,
  });
  return new AgentHost({
    identity,
    stateDir,
    peerAddress,
    driver,
    listenHost: c.AGENT_LISTEN_HOST,
    port,
    testControls: false,
    selfFence: c.AGENT_SELF_FENCE,
    migration: (peers, tickets) =>
      new XlMigration({
        driver,
        command,
        peers,
        tickets,
        socketDir: join(c.XL_WORK_DIR, 'migrations'),
        transport: { node: process.execPath, script: TRANSPORT_SCRIPT },
      }),
  });
}
