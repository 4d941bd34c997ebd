import { createTestDatabase, createTestHost, seedTestCatalog, type TestDatabase } from '@xenplane/testing';
import { claimHost } from './claims';
import { readHosts, recordHeartbeats } from './hosts';

/** Liveness is a fact with an age, judged by the database's clock against each pool's settings. */
describe('host liveness (real Postgres)', () => {
  let t: TestDatabase;
  let poolId: string;
  let projectId: string;
  let flavorId: string;
  let imageId: string;

  beforeAll(async () => {
    t = await createTestDatabase('hosts');
    ({ poolId, projectId, flavorId, imageId } = await seedTestCatalog(t.db));
  });
  afterAll(() => t.drop());

  const beatAgo = (hostId: string, ms: number) =>
    t.db
      .$executeRaw`UPDATE hosts SET last_heartbeat_at = now() - ${ms} * interval '1 millisecond' WHERE id = ${hostId}::uuid`;
  const vm = () =>
    t.db.vm.create({
      data: {
        projectId,
        name: 'v',
        flavorId,
        imageId,
        guestType: 'pv',
        vcpus: 1,
        memoryMb: 1024,
        diskGb: 1,
        state: 'scheduling',
      },
    });

  it("reads each host's heartbeat age and whether it is younger than its pool's suspect timeout", async () => {
    const strict = await t.db.pool.create({ data: { name: 'strict', suspectAfterMs: 6_000, deadAfterMs: 12_000 } });
    const [fresh, stale, never] = [
      await createTestHost(t.db, strict.id),
      await createTestHost(t.db, strict.id),
      await createTestHost(t.db, strict.id),
    ];
    await beatAgo(fresh.id, 1_000);
    await beatAgo(stale.id, 7_000);
    await t.db.host.update({ where: { id: never.id }, data: { lastHeartbeatAt: null } });
    const rows = new Map((await readHosts(t.db, { ids: [fresh.id, stale.id, never.id] })).map((h) => [h.id, h]));
    expect(rows.get(fresh.id)).toMatchObject({ live: true, state: 'up' });
    expect(rows.get(fresh.id)!.heartbeatAgeMs).toBeGreaterThanOrEqual(1_000);
    expect(rows.get(fresh.id)!.heartbeatAgeMs).toBeLessThan(6_000);
    expect(rows.get(stale.id)).toMatchObject({ live: false, state: 'up' });
    expect(rows.get(stale.id)!.heartbeatAgeMs).toBeGreaterThanOrEqual(7_000);
    expect(rows.get(never.id)).toMatchObject({ live: false, heartbeatAgeMs: null });
    // the same row read through Prisma: readHosts adds the liveness, and changes nothing else
    const { heartbeatAgeMs: _age, live: _live, ...host } = rows.get(fresh.id)!;
    expect(host).toEqual(await t.db.host.findUniqueOrThrow({ where: { id: fresh.id } }));
  });

  it('refuses to claim a host whose row says up but whose heartbeat is older than the suspect timeout', async () => {
    const strict = await t.db.pool.create({ data: { name: 'claims', suspectAfterMs: 6_000, deadAfterMs: 12_000 } });
    const h = await createTestHost(t.db, strict.id);
    await beatAgo(h.id, 6_500);
    const v = await vm();
    expect(await claimHost(t.db, { vmId: v.id, hostId: h.id, vcpus: 1, memoryMb: 1024, diskGb: 1, epoch: 1 })).toEqual({
      result: 'host_full',
    });
    // nothing written: no usage, no allocation, the VM still waiting
    expect(await t.db.host.findUniqueOrThrow({ where: { id: h.id } })).toMatchObject({
      usedMemoryMb: 0,
      usedInstances: 0,
    });
    expect(await t.db.allocation.count({ where: { vmId: v.id } })).toBe(0);
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: v.id } })).toMatchObject({
      state: 'scheduling',
      hostId: null,
    });
    await recordHeartbeats(t.db, [h.id]);
    expect(
      await claimHost(t.db, { vmId: v.id, hostId: h.id, vcpus: 1, memoryMb: 1024, diskGb: 1, epoch: 1 }),
    ).toMatchObject({ result: 'claimed' });
  });

  it("stamps heartbeats with the database's time, bumping the generation only of a host that was silent", async () => {
    const [a, b] = [await createTestHost(t.db, poolId), await createTestHost(t.db, poolId)];
    const strict = await t.db.pool.create({ data: { name: 'revive', suspectAfterMs: 6_000, deadAfterMs: 12_000 } });
    await t.db.host.update({ where: { id: b.id }, data: { poolId: strict.id } });
    await beatAgo(b.id, 60_000);
    const before = new Map((await readHosts(t.db, { ids: [a.id, b.id] })).map((h) => [h.id, h]));
    await recordHeartbeats(t.db, [a.id, b.id]);
    const after = new Map((await readHosts(t.db, { ids: [a.id, b.id] })).map((h) => [h.id, h]));
    // a was live already: a heartbeat is not news to placement
    expect(after.get(a.id)!.generation).toBe(before.get(a.id)!.generation);
    // b was silent for a minute: it is placeable again, and schedulers' caches must hear of it
    expect(after.get(b.id)!.generation).toBeGreaterThan(before.get(b.id)!.generation);
    expect(after.get(b.id)).toMatchObject({ live: true });
    expect(after.get(b.id)!.heartbeatAgeMs).toBeLessThan(1_000);
  });
});
