import { type AgentCallObserver, type AgentClient, createAgentClient } from './agent-client';
import type { TlsIdentity } from './credentials';

export interface AgentClientPoolOptions extends TlsIdentity {
  defaultDeadlineMs: number;
  /**
   * Close a channel with no call for this long. A connected channel holds ~110 KB (TLS and
   * HTTP/2 state in Node); a scheduler that commanded 10,000 hosts once must not keep them all.
   */
  idleMs?: number;
  /** told of each unary call's end (the caller's metrics) */
  observe?: AgentCallObserver;
}

/** One gRPC channel per host, reused across calls; a host that moved address gets a new one. */
export class AgentClientPool {
  private readonly clients = new Map<string, { address: string; client: AgentClient }>();
  private readonly sweeper?: NodeJS.Timeout;

  constructor(private readonly options: AgentClientPoolOptions) {
    const idleMs = options.idleMs;
    if (idleMs) this.sweeper = setInterval(() => this.closeIdle(), Math.ceil(idleMs / 2)).unref();
  }

  get(hostId: string, address: string): AgentClient {
    const known = this.clients.get(hostId);
    if (known && known.address === address) return known.client;
    known?.client.close();
    const client = createAgentClient(
      address,
      hostId,
      this.options,
      this.options.defaultDeadlineMs,
      this.options.observe,
    );
    this.clients.set(hostId, { address, client });
    return client;
  }

  evict(hostId: string): void {
    this.clients.get(hostId)?.client.close();
    this.clients.delete(hostId);
  }

  /** Closes the channels idle for idleMs (none has a call in flight); how many it closed. */
  closeIdle(now = Date.now()): number {
    const idleMs = this.options.idleMs;
    if (!idleMs) return 0;
    let closed = 0;
    for (const [hostId, { client }] of this.clients) {
      const since = client.idleSince();
      if (since !== undefined && now - since >= idleMs) {
        this.evict(hostId);
        closed++;
      }
    }
    return closed;
  }

  /**
   * Retires the pool (its identity was replaced): no new channel is made, and each channel is
   * closed as soon as no call is in flight on it (checked every `checkMs`).
   */
  closeWhenIdle(checkMs = 5_000): void {
    clearInterval(this.sweeper);
    const sweep = () => {
      for (const [hostId, { client }] of this.clients) if (client.idleSince() !== undefined) this.evict(hostId);
      if (this.clients.size === 0) clearInterval(timer);
    };
    const timer = setInterval(sweep, checkMs).unref();
    sweep();
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const { client } of this.clients.values()) client.close();
    this.clients.clear();
  }
}
