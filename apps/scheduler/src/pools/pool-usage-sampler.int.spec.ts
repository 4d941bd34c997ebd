import { PoolUsageRepository } from '@xenplane/db';
import { offeredCapacity } from '@xenplane/domain';
import {
  createTestDatabase,
  createTestHost,
  PATIENT_LIVENESS,
  seedTestCatalog,
  type TestCatalog,
  type TestDatabase,
} from '@xenplane/testing';
import type { SchedulerConfig } from '../config';
import { PoolUsageSampler } from './pool-usage-sampler';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 1, 12);

describe('PoolUsageSampler and the pools usage history (real Postgres)', () => {
  let t: TestDatabase;
  let c: TestCatalog;
  let usage: PoolUsageRepository;
  let sampler: PoolUsageSampler;
  let emptyPoolId: string;

  beforeAll(async () => {
    t = await createTestDatabase('pool_usage');
    c = await seedTestCatalog(t.db);
    usage = new PoolUsageRepository(t.db);
    sampler = new PoolUsageSampler(usage, {
      POOL_USAGE_SAMPLE_INTERVAL_MS: MIN,
      POOL_USAGE_RETENTION_DAYS: 7,
    } as SchedulerConfig);
    emptyPoolId = (await t.db.pool.create({ data: { name: 'empty', ...PATIENT_LIVENESS } })).id;
  });
  afterAll(() => t.drop());

  const rows = (poolId: string) => t.db.poolUsageSample.findMany({ where: { poolId }, orderBy: { at: 'asc' } });

  it("files each pool's capacity (up and live hosts only) and usage (every host's claims) under the slot", async () => {
    // pool ratios 1 (seedTestCatalog): an up host offers 8,192 MB, 64 vCPUs, 1,000 GB
    const up = await createTestHost(t.db, c.poolId, 8192);
    const stale = await createTestHost(t.db, c.poolId, 4096);
    const down = await createTestHost(t.db, c.poolId, 4096, 'down');
    const maintenance = await createTestHost(t.db, c.poolId, 2048);
    await t.db.host.update({
      where: { id: up.id },
      data: { usedVcpus: 4, usedMemoryMb: 4096, usedDiskGb: 40, usedInstances: 2 },
    });
    // an up host not heard from within the pool's suspect timeout offers nothing
    await t.db.host.update({
      where: { id: stale.id },
      data: {
        lastHeartbeatAt: new Date(Date.now() - 2 * PATIENT_LIVENESS.suspectAfterMs),
        usedVcpus: 1,
        usedMemoryMb: 512,
        usedDiskGb: 5,
        usedInstances: 1,
      },
    });
    // a host being drained still holds its VMs: they count as usage, not as capacity
    await t.db.host.update({
      where: { id: maintenance.id },
      data: { state: 'maintenance', usedVcpus: 2, usedMemoryMb: 1024, usedDiskGb: 10, usedInstances: 1 },
    });
    expect(down.state).toBe('down');

    expect(await sampler.sample(T0 + 15_000)).toEqual({ pools: 2, deleted: 0 });

    const [s] = await rows(c.poolId);
    const offered = offeredCapacity(
      { vcpus: 64, memoryMb: 8192 + 1024, diskGb: 1000 },
      { vcpus: 0, memoryMb: 1024, diskGb: 0 },
      { cpuAllocationRatio: 1, ramAllocationRatio: 1, diskAllocationRatio: 1 },
    );
    expect(s).toMatchObject({
      at: new Date(T0),
      capacityVcpus: offered.vcpus,
      capacityMemoryMb: BigInt(offered.memoryMb),
      capacityDiskGb: BigInt(offered.diskGb),
      usedVcpus: 7,
      usedMemoryMb: 5632n,
      usedDiskGb: 55n,
      usedInstances: 4,
    });
    // a pool with no host files zeros: its plot has points, not a gap
    expect(await rows(emptyPoolId)).toEqual([
      expect.objectContaining({ at: new Date(T0), capacityVcpus: 0, usedMemoryMb: 0n, usedInstances: 0 }),
    ]);
  });

  it('keeps one sample per pool per interval: a second tick of the same minute overwrites it', async () => {
    const host = await t.db.host.findFirstOrThrow({ where: { poolId: c.poolId, usedInstances: 2 } });
    await t.db.host.update({ where: { id: host.id }, data: { usedInstances: 3, usedVcpus: 5 } });
    await sampler.sample(T0 + 59_999);
    const same = await rows(c.poolId);
    expect(same).toHaveLength(1);
    expect(same[0]).toMatchObject({ at: new Date(T0), usedInstances: 5, usedVcpus: 8 });

    await sampler.sample(T0 + MIN);
    expect((await rows(c.poolId)).map((r) => r.at.getTime())).toEqual([T0, T0 + MIN]);
  });

  it('forgets samples past the retention at each tick, and only those', async () => {
    // a tick 7 days and 1 minute after T0: the slot T0 is past retention, T0 + 1 min is not
    const r = await sampler.sample(T0 + 7 * DAY + MIN);
    expect(r.deleted).toBe(2); // T0 of both pools
    expect((await rows(c.poolId)).map((x) => x.at.getTime())).toEqual([T0 + MIN, T0 + 7 * DAY + MIN]);
    expect((await rows(emptyPoolId)).map((x) => x.at.getTime())).toEqual([T0 + MIN, T0 + 7 * DAY + MIN]);
  });

  it("reads a pool's window [since, until), oldest first, as numbers", async () => {
    const w = await usage.window(c.poolId, new Date(T0), new Date(T0 + 7 * DAY + MIN));
    expect(w).toEqual([
      {
        at: T0 + MIN,
        capacity: { vcpus: 64, memoryMb: 8192, diskGb: 1000 },
        used: { vcpus: 8, memoryMb: 5632, diskGb: 55, instances: 5 },
      },
    ]);
    expect(await usage.window(emptyPoolId, new Date(T0 + 2 * MIN), new Date(T0 + 7 * DAY + 2 * MIN))).toHaveLength(1);
  });

  it('drops a pool’s samples with the pool', async () => {
    await t.db.pool.delete({ where: { id: emptyPoolId } });
    expect(await rows(emptyPoolId)).toEqual([]);
  });
});
