import { createTestDatabase, seedTestCatalog, type TestDatabase, waitFor } from '@xenplane/testing';
import { cancelEvacuation, createEvacuation, evacuationMoves, lockHost, openEvacuation } from './host-maintenance';
import { beginVmOperation } from './vm-operations';

describe('host maintenance rows (real Postgres)', () => {
  let t: TestDatabase;
  let poolId: string;
  let projectId: string;
  let flavorId: string;
  let imageId: string;

  beforeAll(async () => {
    t = await createTestDatabase('host_maintenance');
    ({ poolId, projectId, flavorId, imageId } = await seedTestCatalog(t.db));
  });
  afterAll(() => t.drop());

  let n = 0;
  const host = () =>
    t.db.host.create({ data: { name: `h${++n}`, poolId, address: `10.0.0.${n}:7443`, state: 'maintenance' } });
  const vmOn = (hostId: string) =>
    t.db.vm.create({
      data: {
        projectId,
        name: `v${++n}`,
        state: 'running',
        hostId,
        flavorId,
        imageId,
        guestType: 'pv',
        vcpus: 1,
        memoryMb: 512,
        diskGb: 1,
      },
    });
  const evacuate = (hostId: string) =>
    t.db.$transaction((tx) => createEvacuation(tx, { hostId, requestedBy: null, correlationId: 'c-1' }));

  it('creates a queued evacuation of no project with its event, found as the open one', async () => {
    const h = await host();
    const op = await evacuate(h.id);
    expect(op).toMatchObject({ kind: 'evacuate', status: 'queued', hostId: h.id, projectId: null, vmId: null });
    expect((await openEvacuation(t.db, h.id))?.id).toBe(op.id);
    const events = await t.db.event.findMany({ where: { resourceId: op.id } });
    expect(events.map((e) => e.data)).toEqual([
      { kind: 'evacuate', status: 'queued', progress: 0, vmId: null, errorCode: null },
    ]);
  });

  it('cancels only an open evacuation: one the scheduler ended stays as it ended', async () => {
    const h = await host();
    const op = await evacuate(h.id);
    const cancelled = await t.db.$transaction((tx) => cancelEvacuation(tx, op, 'the host was enabled'));
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      errorCode: 'cancelled',
      errorMessage: 'the host was enabled',
    });
    expect(await openEvacuation(t.db, h.id)).toBeNull();
    const done = await evacuate(h.id);
    await t.db.operation.update({ where: { id: done.id }, data: { status: 'succeeded' } });
    expect(await t.db.$transaction((tx) => cancelEvacuation(tx, done, 'late'))).toBeNull();
    expect((await t.db.operation.findUniqueOrThrow({ where: { id: done.id } })).status).toBe('succeeded');
    expect(await t.db.event.count({ where: { resourceId: done.id } })).toBe(1);
  });

  it("finds the migrations an evacuation started, and no one else's", async () => {
    const h = await host();
    const op = await evacuate(h.id);
    const [a, b] = [await vmOn(h.id), await vmOn(h.id)];
    const ours = await beginVmOperation(t.db, {
      vm: a,
      kind: 'migrate',
      via: 'migrating',
      params: { evacuationId: op.id },
    });
    await beginVmOperation(t.db, { vm: b, kind: 'migrate', via: 'migrating' });
    expect(await evacuationMoves(t.db, op)).toEqual([
      { id: ours!.id, vmId: a.id, status: 'queued', errorCode: null, errorMessage: null },
    ]);
  });

  it('lockHost makes two callers on one host take turns, and says when there is no host', async () => {
    const h = await host();
    const order: string[] = [];
    // a session of this database waiting for a lock: the second caller asked and was made to wait
    const someoneWaits = () =>
      waitFor(
        "a caller waiting for the host's row lock",
        async () => {
          const [row] = await t.db.$queryRaw<
            { n: number }[]
          >`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
          return row!.n > 0 ? true : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 20 },
      );
    await Promise.all(
      ['first', 'second'].map((who, i) =>
        t.db.$transaction(
          async (tx) => {
            // the second asks only once the first holds the lock
            if (i === 1)
              await waitFor(
                'the first caller holding the lock',
                async () => (order.includes('first in') ? true : undefined),
                { timeoutMs: 20_000, intervalMs: 10 },
              );
            await lockHost(tx, h.id);
            order.push(`${who} in`);
            // the first lets go only once the second is waiting for it (or the order would prove nothing)
            if (i === 0) await someoneWaits();
            order.push(`${who} out`);
          },
          { timeout: 60_000 },
        ),
      ),
    );
    expect(order).toEqual(['first in', 'first out', 'second in', 'second out']);
    expect(await t.db.$transaction((tx) => lockHost(tx, '7d4c0a34-8f65-4f3e-9a43-3e4b1e0b7a11'))).toBeNull();
  });
});
