import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { HostCertificateRepository, HostRepository, OperationRepository, PoolRepository } from '@xenplane/db';
import { failuresTolerated } from '@xenplane/domain';
import { sharedPerScrape } from '@xenplane/observability';
import { registry } from './scheduler-metrics';

/**
 * The fleet's HA figures as Prometheus gauges, the monitor role's (it moves hosts between
 * states): hosts by state, pools cut off from the control plane, the failures each pool
 * tolerates now (the placement engine's failuresTolerated), HA restarts by state. Read from
 * Postgres when scraped, so every monitor replica answers for the whole fleet, not its share:
 * queries aggregate them with max by (pool, state).
 */
@Injectable()
export class FleetMetrics implements OnModuleInit {
  constructor(
    private readonly hosts: HostRepository,
    private readonly pools: PoolRepository,
    private readonly operations: OperationRepository,
    private readonly certificates: HostCertificateRepository,
  ) {}

  onModuleInit(): void {
    const { hosts, pools: poolRows, operations, certificates } = this;
    // each pool's HA figures from one read of the fleet, for both gauges of a scrape
    const poolFigures = sharedPerScrape(async () => {
      const [{ placementHosts, pools }, names] = await Promise.all([hosts.placementState(), poolRows.names()]);
      return names.flatMap(({ id, name }) => {
        const pool = pools.get(id);
        return pool
          ? [
              {
                name,
                tolerated: failuresTolerated(placementHosts.values(), pool),
                target: pool.haHostFailuresToTolerate,
              },
            ]
          : [];
      });
    });
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
        for (const p of await poolFigures()) this.set({ pool: p.name }, p.tolerated);
      },
    });
    new Gauge({
      name: 'xenplane_pool_ha_failures_target',
      help: 'The host failures the pool is meant to tolerate (its haHostFailuresToTolerate; 0: no HA reserve)',
      labelNames: ['pool'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const p of await poolFigures()) this.set({ pool: p.name }, p.target);
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
    new Gauge({
      name: 'xenplane_host_certificate_expiry_seconds',
      help: "Seconds until the pool's soonest host certificate expiry (negative: expired); renewal starts CERT_RENEW_BEFORE_DAYS before",
      labelNames: ['pool'],
      registers: [registry],
      async collect() {
        this.reset();
        const now = Date.now();
        for (const p of await certificates.soonestExpiryByPool())
          this.set({ pool: p.pool }, Math.round((p.expiresAt.getTime() - now) / 1000));
      },
    });
  }
}
