import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { HostRepository, OperationRepository, PoolRepository } from '@xenplane/db';
import { failuresTolerated } from '@xenplane/domain';
import { registry } from './metrics';

/**
 * The fleet's HA figures as Prometheus gauges, read from Postgres when scraped (every process
 * sees the same truth, so any API replica may answer): hosts by state, pools cut off from the
 * control plane, the failures each pool tolerates now, HA restarts by state.
 */
@Injectable()
export class HaMetrics implements OnModuleInit {
  constructor(
    private readonly hosts: HostRepository,
    private readonly pools: PoolRepository,
    private readonly operations: OperationRepository,
  ) {}

  onModuleInit(): void {
    const { hosts, pools: poolRows, operations } = this;
    new Gauge({
      name: 'xenplane_hosts',
      help: 'Hosts by pool and state',
      labelNames: ['pool', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await hosts.countsByPoolAndState()) this.set({ pool: r.pool, state: r.state }, r.n);
      },
    });
    new Gauge({
      name: 'xenplane_pool_partitioned',
      help: '1 while more than half of the pool is silent: the control plane assumes it is cut off and restarts nothing',
      labelNames: ['pool'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const p of await poolRows.partitions()) this.set({ pool: p.name }, p.partitionedSince ? 1 : 0);
      },
    });
    new Gauge({
      name: 'xenplane_pool_ha_failures_tolerated',
      help: 'How many hosts the pool can lose now with every HA-protected VM restarted on the others',
      labelNames: ['pool'],
      registers: [registry],
      async collect() {
        this.reset();
        const [{ placementHosts, pools }, names] = await Promise.all([hosts.placementState(), poolRows.names()]);
        for (const { id, name } of names) {
          const pool = pools.get(id);
          if (pool) this.set({ pool: name }, failuresTolerated(placementHosts.values(), pool));
        }
      },
    });
    new Gauge({
      name: 'xenplane_ha_restarts',
      help: 'HA restarts not finished, by state: queued (waiting their turn), running, waiting (no capacity)',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await operations.haRestartsByState();
        for (const s of ['queued', 'running', 'waiting'])
          this.set({ state: s }, rows.find((r) => r.state === s)?.n ?? 0);
      },
    });
  }
}
