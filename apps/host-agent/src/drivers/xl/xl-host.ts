import type { AgentConfig } from '../../config';
import type { HostIdentity } from '../../enrollment/enrollment';
import { AgentHost } from '../../host/agent-host';
import { ProcessXlCommand } from './command';
import { XlDriver } from './xl-driver';

/** A real Xen host: the xl driver behind the agent's TLS server. */
export async function createXlHost(c: AgentConfig, identity: HostIdentity, port: number): Promise<AgentHost> {
  const driver = new XlDriver({ command: new ProcessXlCommand(c.XL_BINARY), workDir: c.XL_WORK_DIR, logDir: c.XL_LOG_DIR });
  return new AgentHost({ identity, driver, listenHost: c.AGENT_LISTEN_HOST, port, testControls: false });
}
