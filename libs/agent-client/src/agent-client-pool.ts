import { type AgentClient, createAgentClient } from './agent-client';
import type { TlsIdentity } from './credentials';

export interface AgentClientPoolOptions extends TlsIdentity {
  defaultDeadlineMs: number;
}

/** One gRPC channel per host, reused across calls; a host that moved address gets a new one. */
export class AgentClientPool {
  private readonly clients = new Map<string, { address: string; client: AgentClient }>();

  constructor(private readonly options: AgentClientPoolOptions) {}

  get(hostId: string, address: string): AgentClient {
    const known = this.clients.get(hostId);
    if (known && known.address === address) return known.client;
    known?.client.close();
    const client = createAgentClient(address, hostId, this.options, this.options.defaultDeadlineMs);
    this.clients.set(hostId, { address, client });
    return client;
  }

  evict(hostId: string): void {
    this.clients.get(hostId)?.client.close();
    this.clients.delete(hostId);
  }

  close(): void {
    for (const { client } of this.clients.values()) client.close();
    this.clients.clear();
  }
}
