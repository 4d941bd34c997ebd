import type { ClientDuplexStream } from '@grpc/grpc-js';
import { type AgentClient, AgentClientPool, type TlsIdentity } from '@xenplane/agent-client';
import type { MigrationChunk } from '@xenplane/proto';

/**
 * This host's client to other hosts' agents (migration), under its own host certificate:
 * the target checks the caller is a host of our CA, the caller checks the target is the host
 * the control plane named.
 */
export class PeerAgents {
  private pool: AgentClientPool;

  constructor(identity: TlsIdentity) {
    this.pool = new AgentClientPool({ ...identity, defaultDeadlineMs: 60_000 });
  }

  /**
   * Calls peers under a renewed certificate from now on. The old channels are left to finish
   * what they carry (a migration stream may run for minutes; the old certificate stays valid
   * until it expires) and closed once idle.
   */
  useIdentity(identity: TlsIdentity): void {
    const old = this.pool;
    this.pool = new AgentClientPool({ ...identity, defaultDeadlineMs: 60_000 });
    old.closeWhenIdle();
  }

  client(hostId: string, address: string): AgentClient {
    return this.pool.get(hostId, address);
  }

  receiveMigration(
    hostId: string,
    address: string,
    signal: AbortSignal,
  ): ClientDuplexStream<MigrationChunk, MigrationChunk> {
    return this.pool.get(hostId, address).receiveMigration({ signal });
  }

  /** Drops a peer's channel (after a failed call: a new one connects at once, without grpc's backoff). */
  forget(hostId: string): void {
    this.pool.evict(hostId);
  }

  close(): void {
    this.pool.close();
  }
}
