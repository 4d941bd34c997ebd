import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type AgentClient, AgentClientPool } from '@xenplane/agent-client';
import { API_CONFIG, type ApiConfig } from '../config';
import { ControlPlaneCa } from './pki.module';

/**
 * gRPC clients to the host agents, for the few reads the API makes of a host itself (a VM's
 * console). Like the scheduler's: a client certificate of the control plane's CA (agents answer
 * only the control plane), each channel checked against the host id it means to reach, and a
 * short deadline on every call, so a host that does not answer costs a request that much at most.
 */
@Injectable()
export class HostAgents implements OnApplicationShutdown {
  private pool?: Promise<AgentClientPool>;

  constructor(
    private readonly ca: ControlPlaneCa,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async for(host: { id: string; address: string }): Promise<AgentClient> {
    return (await this.clients()).get(host.id, host.address);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.pool) (await this.pool).close();
  }

  private clients(): Promise<AgentClientPool> {
    this.pool ??= (async () => {
      const ca = await this.ca.get();
      const identity = await ca.issueControlPlaneIdentity('api');
      return new AgentClientPool({
        caCertPem: ca.caCertPem,
        ...identity,
        defaultDeadlineMs: this.config.CONSOLE_TIMEOUT_MS,
        // the API reads a console now and then: idle channels go soon
        idleMs: 60_000,
      });
    })();
    // a CA that could not be read is tried again on the next call, not remembered as failed
    this.pool.catch(() => (this.pool = undefined));
    return this.pool;
  }
}
