import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type AgentClient, AgentClientPool, classifyAgentError, agentErrorMessage } from '@xenplane/agent-client';
import { loadOrCreateCa } from '@xenplane/pki';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { PermanentError, TransientError } from '../operations/operation-errors';

/**
 * gRPC clients to the host agents, under the control plane's own identity from its CA: an
 * agent only answers us, and we only talk to agents the CA enrolled, each checked against
 * the host id we expect.
 */
@Injectable()
export class Agents implements OnApplicationShutdown {
  private pool?: Promise<AgentClientPool>;

  constructor(@Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig) {}

  async for(host: { id: string; address: string }): Promise<AgentClient> {
    return (await this.clients()).get(host.id, host.address);
  }

  /** Calls an agent, turning its failures into what the operation machinery understands. */
  async call<T>(host: { id: string; address: string }, fn: (client: AgentClient) => Promise<T>): Promise<T> {
    const client = await this.for(host);
    try {
      return await fn(client);
    } catch (err) {
      throw toOperationError(err);
    }
  }

  /** Drops a host's channel (a host that is down): a channel retrying in vain still holds its buffers. */
  async forget(hostId: string): Promise<void> {
    if (this.pool) (await this.pool).evict(hostId);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.pool) (await this.pool).close();
  }

  private clients(): Promise<AgentClientPool> {
    this.pool ??= (async () => {
      const ca = await loadOrCreateCa(this.config.XENPLANE_PKI_DIR);
      const identity = await ca.issueControlPlaneIdentity('scheduler');
      return new AgentClientPool({
        caCertPem: ca.caCertPem,
        certPem: identity.certPem,
        keyPem: identity.keyPem,
        defaultDeadlineMs: this.config.AGENT_CALL_TIMEOUT_MS,
        idleMs: this.config.AGENT_CHANNEL_IDLE_MS,
      });
    })();
    return this.pool;
  }
}

export class AgentNotFound extends Error {}

function toOperationError(err: unknown): Error {
  const message = agentErrorMessage(err);
  switch (classifyAgentError(err)) {
    case 'transient':
      return new TransientError(message);
    case 'not_found':
      return new AgentNotFound(message);
    case 'permanent':
      return new PermanentError('agent_error', message);
  }
}
