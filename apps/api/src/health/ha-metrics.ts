import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DB, type Db, loadPlacementState } from '@xenplane/db';
import { failuresTolerated } from '@xenplane/domain';
import { registry } from './metrics';

/**
 * The fleet's HA figures as Prometheus gauges, read from Postgres when scraped (every process
 * sees the same truth, so any API replica may answer): hosts by state, pools cut off from the
 * control plane, the failures each pool tolerates now, HA restarts by state.
 */
@Injectable()
export class HaMetrics implements OnModuleInit {
  constructor(@Inject(DB) private readonly db: Db) {}

  onModuleInit(): void {
    const db = this.db;
    new Gauge({
      name: 'xenplane_hosts',
      help: 'Hosts by pool and state',
      labelNames: ['pool', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await db.$queryRaw<{ pool: string; state: string; n: bigint }[]>`
          SELECT p.name AS pool, h.state::text AS state, count(*) AS n FROM hosts h JOIN pools p ON p.id = h.pool_id GROUP BY p.name, h.state`;
        for (const r of rows) this.set({ pool: r.pool, state: r.state }, Number(r.n));
      },
    });
    new Gauge({
      name: 'xenplane_pool_partitioned',
      help: '1 while more than half of the pool is silent: the control plane assumes it is cut off and restarts nothing',
      labelNames: ['pool'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const p of await db.pool.findMany({ select: { name: true, partitionedSince: true } })) this.set({ pool: p.name }, p.partitionedSince ? 1 : 0);
      },
    });
    new Gauge({
      name: 'xenplane_pool_ha_failures_tolerated',
      help: 'How many hosts the pool can lose now with every HA-protected VM restarted on the others',
      labelNames: ['pool'],
      registers: [registry],
      async collect() {
        this.reset();
        const [{ placementHosts, pools }, names] = await Promise.all([loadPlacementState(db), db.pool.findMany({ select: { id: true, name: true } })]);
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
        const rows = await db.$queryRaw<{ state: string; n: bigint }[]>`
          SELECT CASE WHEN step = 'waiting_for_capacity' THEN 'waiting' WHEN status = 'queued' OR step IS NULL THEN 'queued' ELSE 'running' END AS state,
            count(*) AS n
          FROM operations WHERE kind = 'ha_restart' AND status IN ('queued', 'running') GROUP BY 1`;
        for (const s of ['queued', 'running', 'waiting']) this.set({ state: s }, Number(rows.find((r) => r.state === s)?.n ?? 0));
      },
    });
  }
}
