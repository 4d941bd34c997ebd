import { status as Status } from '@grpc/grpc-js';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  type AgentClient,
  AgentClientPool,
  classifyAgentError,
  agentErrorMessage,
  type TlsIdentity,
} from '@xenplane/agent-client';
import { type CertificateAuthority, loadOrCreateCa, type MigrationClaims, signMigrationTicket } from '@xenplane/pki';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { agentCallObserver } from '../metrics/scheduler-metrics';
import { PermanentError, TransientError } from '../operations/operation-errors';

// covers the agent's queue for its per-host slot and the stream's start, not the whole copy
const MIGRATION_TICKET_MS = 10 * 60_000;

/**
 * gRPC clients to the host agents, under the control plane's own identity from its CA: an
 * agent only answers us, and we only talk to agents the CA enrolled, each checked against
 * the host id we expect.
 */
@Injectable()
export class Agents implements OnApplicationShutdown {
  private pool?: Promise<AgentClientPool>;
  private identity?: Promise<TlsIdentity>;
  private ca?: Promise<CertificateAuthority>;

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

  /**
   * The control plane's signed permission for one migration: the source agent hands it to the
   * target, which accepts no incoming domain without it. Valid long enough to open the stream.
   */
  async migrationTicket(claims: Omit<MigrationClaims, 'expiresAt'>): Promise<string> {
    return signMigrationTicket(await this.ownIdentity(), { ...claims, expiresAt: Date.now() + MIGRATION_TICKET_MS });
  }

  /** Drops a host's channel (a host that is down): a channel retrying in vain still holds its buffers. */
  async forget(hostId: string): Promise<void> {
    if (this.pool) (await this.pool).evict(hostId);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.pool) (await this.pool).close();
  }

  /** The control plane's CA (XENPLANE_PKI_DIR): it signs hosts' renewed certificates. */
  authority(): Promise<CertificateAuthority> {
    this.ca ??= loadOrCreateCa(this.config.XENPLANE_PKI_DIR);
    return this.ca;
  }

  private ownIdentity(): Promise<TlsIdentity> {
    this.identity ??= (async () => {
      const ca = await this.authority();
      return { caCertPem: ca.caCertPem, ...(await ca.issueControlPlaneIdentity('scheduler')) };
    })();
    return this.identity;
  }

  private clients(): Promise<AgentClientPool> {
    this.pool ??= (async () => {
      return new AgentClientPool({
        ...(await this.ownIdentity()),
        defaultDeadlineMs: this.config.AGENT_CALL_TIMEOUT_MS,
        idleMs: this.config.AGENT_CHANNEL_IDLE_MS,
        observe: agentCallObserver,
      });
    })();
    return this.pool;
  }
}

export class AgentNotFound extends Error {}

function toOperationError(err: unknown): Error {
  const message = agentErrorMessage(err);
  switch (classifyAgentError(err)) {
    case 'transient': {
      const code = (err as { code?: number }).code;
      return new TransientError(
        message,
        'host_unavailable',
        code === Status.UNAVAILABLE ? 'unreachable' : code === Status.DEADLINE_EXCEEDED ? 'timeout' : 'other',
      );
    }
    case 'not_found':
      return new AgentNotFound(message);
    case 'permanent':
      return new PermanentError('agent_error', message);
  }
}
