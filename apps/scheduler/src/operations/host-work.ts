import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Host, Operation } from '@xenplane/db';
import { createRedis, HostSlots } from '@xenplane/queue';
import type { AgentClient } from '@xenplane/agent-client';
import { hostSlotLeaseMs, jitteredWaitMs } from '@xenplane/domain';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { Agents } from '../infra/agents';
import { WaitError } from './operation-errors';

/** What calling a host's agent needs to know of the host. */
export type HostRef = Pick<Host, 'id' | 'name' | 'address'>;

/**
 * Work on a host's agent on behalf of an operation, within the host's limit of concurrent
 * operations (shared by every scheduler process through Redis).
 */
@Injectable()
export class HostWork implements OnApplicationShutdown {
  private readonly redis;
  private readonly slots: HostSlots;
  private readonly leaseMs: number;

  constructor(
    @Inject(SCHEDULER_CONFIG) config: SchedulerConfig,
    private readonly agents: Agents,
  ) {
    this.redis = createRedis(config, 'worker');
    // a slot outlives the longest agent call, so a live holder never loses it mid-call
    this.leaseMs = hostSlotLeaseMs(config.AGENT_CALL_TIMEOUT_MS, config.SHUTDOWN_TIMEOUT_S);
    this.slots = new HostSlots(
      this.redis,
      config.XENPLANE_QUEUE_PREFIX,
      config.HOST_OPERATION_CONCURRENCY,
      this.leaseMs,
    );
  }

  async on<T>(host: HostRef, op: Pick<Operation, 'id'>, fn: (agent: AgentClient) => Promise<T>): Promise<T> {
    if (!(await this.slots.acquire(host.id, op.id))) {
      throw new WaitError(jitteredWaitMs(100, 200, Math.random()), `host ${host.name} is at its operation limit`);
    }
    // a call that outlasts the lease (a migration of a large guest) renews its slot meanwhile
    const renewal = setInterval(() => void this.slots.acquire(host.id, op.id).catch(() => undefined), this.leaseMs / 2);
    try {
      return await this.agents.call(host, fn);
    } finally {
      clearInterval(renewal);
      await this.slots.release(host.id, op.id);
    }
  }

  /** Clean-up that must not queue behind the host's limit (compensation). */
  async now<T>(host: HostRef, fn: (agent: AgentClient) => Promise<T>): Promise<T> {
    return this.agents.call(host, fn);
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
