import { HostRepository, loadPlacementState, PoolRepository } from '@xenplane/db';
import { computePoolStats, type PoolStats } from '@xenplane/domain';
import { createTestDatabase, PATIENT_LIVENESS, type TestDatabase } from '@xenplane/testing';
import { loadSchedulerConfig } from '../config';
import { CapacityCache } from './capacity-cache';

// The cache keeps its pools' figures incrementally; after every way its hosts and pools
// change (full load, reservation, reservation given back, refresh, host re-read) they must be
// what a from-scratch computation over its hosts gives, and over the database's truth.

describe('CapacityCache pool figures (real Postgres)', () => {
  let t: TestDatabase;
  let cache: CapacityCache;
  let poolId: string;
  const hostIds: string[] = [];

  const scratch = (): Map<string, PoolStats> => computePoolStats(cache.hosts.all(), cache.pools);
  const truth = async (): Promise<Map<string, PoolStats>> => {
    const { placementHosts, pools } = await loadPlacementState(t.db);
    return computePoolStats(placementHosts.values(), pools);
  };
  const ha = () => cache.stats().get(poolId)!.ha!;

  beforeAll(async () => {
    t = await createTestDatabase('capcache');
    poolId = (
      await t.db.pool.create({
        data: {
          name: 'ha',
          cpuAllocationRatio: 1,
          haHostFailuresToTolerate: 1,
          requireCpuCompatibility: true,
          ...PATIENT_LIVENESS,
        },
      })
    ).id;
    const projectId = (await t.db.project.create({ data: { name: 'proj' } })).id;
    const flavorId = (await t.db.flavor.create({ data: { name: 'f', vcpus: 2, memoryMb: 8192, diskGb: 10 } })).id;
    const imageId = (await t.db.image.create({ data: { name: 'i', guestType: 'pv', sizeGb: 1 } })).id;
    for (const [i, memoryMb] of [32_768, 65_536, 65_536, 16_384].entries()) {
      const h = await t.db.host.create({
        data: {
          name: `h${i}`,
          poolId,
          address: '127.0.0.1:1',
          state: 'up',
          lastHeartbeatAt: new Date(),
          cpuVendor: 'GenuineIntel',
          totalVcpus: 16,
          totalMemoryMb: memoryMb + 1024,
          reservedMemoryMb: 1024,
          totalDiskGb: 500,
        },
      });
      hostIds.push(h.id);
    }
    // a protected VM on h0: its usage counts in h0's (protected + free) room
    await t.db.vm.create({
      data: {
        projectId,
        name: 'p',
        flavorId,
        imageId,
        guestType: 'pv',
        vcpus: 2,
        memoryMb: 8192,
        diskGb: 10,
        state: 'running',
        hostId: hostIds[0]!,
        haPriority: 'high',
      },
    });
    await t.db.host.update({
      where: { id: hostIds[0]! },
      data: { usedVcpus: 2, usedMemoryMb: 8192, usedDiskGb: 10, usedInstances: 1 },
    });
    cache = new CapacityCache(
      new HostRepository(t.db),
      new PoolRepository(t.db),
      loadSchedulerConfig({
        ...process.env,
        DATABASE_URL: t.url,
        CAPACITY_REFRESH_MS: '10',
        CAPACITY_FULL_RELOAD_MS: '3600000',
      }),
    );
    await cache.fresh(true);
  });
  afterAll(() => t.drop());

  it('loads the figures the database gives, protected usage included', async () => {
    expect(cache.stats()).toEqual(await truth());
    expect(cache.stats().get(poolId)?.baselineVendor).toBe('GenuineIntel');
    // free memory: 24576 + 65536 + 65536 + 16384; h0's room: 8192 protected + 24576 free
    expect(ha().totalFree.memoryMb).toBe(172_032);
    expect(ha().topSum.memoryMb).toBe(65_536);
    expect(ha().next.memoryMb).toBe(65_536);
  });

  it('follows reservations and gives back exactly what they took', () => {
    const before = cache.stats();
    cache.reserve(hostIds[1]!, { vcpus: 4, memoryMb: 40_000, diskGb: 10 }, false);
    cache.reserve(hostIds[2]!, { vcpus: 2, memoryMb: 10_000, diskGb: 10 }, true);
    expect(cache.stats()).toEqual(scratch());
    // h1 shrank out of the top: h2's 65536 (10000 of it protected now) leads
    expect(ha().topSum.memoryMb).toBe(65_536);
    expect(ha().totalFree.memoryMb).toBe(172_032 - 50_000);
    cache.unreserve(hostIds[1]!, { vcpus: 4, memoryMb: 40_000, diskGb: 10 }, false);
    cache.unreserve(hostIds[2]!, { vcpus: 2, memoryMb: 10_000, diskGb: 10 }, true);
    expect(cache.stats()).toEqual(before);
  });

  it('takes in host and pool changes from a refresh, and a host re-read after it is gone', async () => {
    await t.db.host.update({
      where: { id: hostIds[1]! },
      data: { usedMemoryMb: 60_000, usedVcpus: 8, usedInstances: 3 },
    });
    await t.db.host.update({ where: { id: hostIds[3]! }, data: { state: 'maintenance' } });
    await t.db.host.update({ where: { id: hostIds[2]! }, data: { cpuVendor: 'AuthenticAMD' } });
    await t.db.pool.update({ where: { id: poolId }, data: { haHostFailuresToTolerate: 2, ramAllocationRatio: 1.5 } });
    await cache.fresh(true);
    expect(cache.stats()).toEqual(await truth());
    expect(ha().n).toBe(2);
    // h0 (memory 32768 x 1.5 - 8192) + h1 (98304 - 60000) + h2 98304; h3 is in maintenance
    expect(ha().totalFree.memoryMb).toBe(40_960 + 38_304 + 98_304);

    await t.db.host.delete({ where: { id: hostIds[2]! } });
    await cache.reloadHost(hostIds[2]!);
    expect(cache.hosts.get(hostIds[2]!)).toBeUndefined();
    expect(cache.stats()).toEqual(scratch());
    expect(cache.stats()).toEqual(await truth());
    // h2 (the largest) is gone: h0 (8192 protected + 40960 free) and h1 38304 are the top 2, nothing is next
    expect(ha()).toMatchObject({ topSum: { memoryMb: 49_152 + 38_304 }, next: { memoryMb: 0 } });
  });
});
