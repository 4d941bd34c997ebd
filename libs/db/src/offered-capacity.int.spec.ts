import { type AllocationRatios, offeredCapacity, type Resources } from '@xenplane/domain';
import { createTestDatabase, type TestDatabase } from '@xenplane/testing';
import { offeredCapacitySql } from './offered-capacity';

interface Case {
  total: Resources;
  reserved: Resources;
  ratios: AllocationRatios;
}

const r = (vcpus: number, memoryMb: number, diskGb: number): Resources => ({ vcpus, memoryMb, diskGb });
const ratios = (cpu: number, ram: number, disk: number): AllocationRatios => ({
  cpuAllocationRatio: cpu,
  ramAllocationRatio: ram,
  diskAllocationRatio: disk,
});

// the pools' defaults, fractions that binary floating point cannot hold exactly (1.1, 0.7, 0.3),
// fractions that round down, a host with nothing, and dom0 keeping more than there is
const CASES: Case[] = [
  { total: r(64, 65536, 1000), reserved: r(4, 1024, 0), ratios: ratios(4, 1, 1) },
  { total: r(10, 10, 10), reserved: r(0, 0, 0), ratios: ratios(1.1, 0.7, 0.3) },
  { total: r(3, 3, 7), reserved: r(0, 0, 0), ratios: ratios(0.1, 0.3, 0.1) },
  { total: r(3, 1001, 1000), reserved: r(0, 0, 0), ratios: ratios(1.5, 2.675, 16) },
  { total: r(48, 262144, 4000), reserved: r(12, 4096, 100), ratios: ratios(64, 4, 16) },
  { total: r(8, 8192, 100), reserved: r(2, 1536, 0), ratios: ratios(0.1, 0.1, 0.1) },
  { total: r(0, 0, 0), reserved: r(0, 0, 0), ratios: ratios(4, 1, 1) },
  { total: r(2, 1024, 0), reserved: r(4, 2048, 10), ratios: ratios(4, 1, 1) },
  { total: r(7, 999, 333), reserved: r(1, 333, 111), ratios: ratios(1.3, 1.7, 2.9) },
];

describe('offeredCapacitySql (real Postgres) and libs/domain offeredCapacity', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase('offered_capacity');
  });
  afterAll(() => t.drop());

  it('agree on every case', async () => {
    const hostIds: string[] = [];
    for (const [i, c] of CASES.entries()) {
      const pool = await t.db.pool.create({ data: { name: `p${i}`, ...c.ratios } });
      const host = await t.db.host.create({
        data: {
          name: `h${i}`,
          poolId: pool.id,
          address: `h${i}:1`,
          totalVcpus: c.total.vcpus,
          totalMemoryMb: c.total.memoryMb,
          totalDiskGb: c.total.diskGb,
          reservedVcpus: c.reserved.vcpus,
          reservedMemoryMb: c.reserved.memoryMb,
          reservedDiskGb: c.reserved.diskGb,
        },
      });
      hostIds.push(host.id);
    }
    const offered = offeredCapacitySql('host', 'pool');
    const rows = await t.db.$queryRaw<{ id: string; vcpus: number; memoryMb: number; diskGb: number }[]>`
      SELECT host.id::text AS id, ${offered.vcpus}::float8 AS vcpus, ${offered.memoryMb}::float8 AS "memoryMb", ${offered.diskGb}::float8 AS "diskGb"
      FROM hosts host JOIN pools pool ON pool.id = host.pool_id
      WHERE host.id = ANY(${hostIds}::uuid[])`;
    const inSql = hostIds
      .map((id) => rows.find((row) => row.id === id))
      .map((row) => row && { vcpus: row.vcpus, memoryMb: row.memoryMb, diskGb: row.diskGb });
    expect(inSql).toEqual(CASES.map((c) => offeredCapacity(c.total, c.reserved, c.ratios)));
  });
});
