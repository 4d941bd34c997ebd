import { createTestDatabase, createTestHost, seedTestCatalog, type TestDatabase } from '@xenplane/testing';
import { claimHost } from './claims';
import { abortMigration, claimMigrationTarget, finishMigration, migrationTargetClaim } from './migration';

describe('migration claims (real Postgres)', () => {
  let t: TestDatabase;
  let poolId: string;
  let projectId: string;
  let flavorId: string;
  let imageId: string;

  beforeAll(async () => {
    t = await createTestDatabase('migration');
    ({ poolId, projectId, flavorId, imageId } = await seedTestCatalog(t.db));
  });
  afterAll(() => t.drop());

  const host = (memoryMb = 8192, state: 'up' | 'down' = 'up') => createTestHost(t.db, poolId, memoryMb, state);
  const usage = async (id: string) => {
    const h = await t.db.host.findUniqueOrThrow({ where: { id } });
    return [h.usedVcpus, h.usedMemoryMb, h.usedDiskGb, h.usedInstances];
  };
  /** The events written after `since` (the fixture's own claim wrote some before). */
  const eventsAfter = async (since: bigint, ids: string[]) =>
    t.db.event.findMany({ where: { id: { gt: since }, resourceId: { in: ids } }, orderBy: { id: 'asc' } });
  const lastEventId = async () => (await t.db.event.aggregate({ _max: { id: true } }))._max.id ?? 0n;
  const ONE = [1, 1024, 1, 1];
  const NONE = [0, 0, 0, 0];

  /** A VM running on `source` (claimed there at epoch 1), now `migrating` under a running operation. */
  async function migratingVm(sourceId: string, serverGroupId?: string) {
    const v = await t.db.vm.create({
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
        serverGroupId: serverGroupId ?? null,
      },
    });
    expect(
      await claimHost(t.db, { vmId: v.id, hostId: sourceId, vcpus: 1, memoryMb: 1024, diskGb: 1, epoch: 1 }),
    ).toMatchObject({ result: 'claimed' });
    const vm = await t.db.vm.update({ where: { id: v.id }, data: { state: 'migrating', domId: 5 } });
    const op = await t.db.operation.create({
      data: { kind: 'migrate', status: 'running', projectId, vmId: v.id, hostId: sourceId },
    });
    return { vm, op };
  }
  const claim = (vm: { id: string }, opId: string, sourceHostId: string, hostId: string) =>
    claimMigrationTarget(t.db, {
      vmId: vm.id,
      sourceHostId,
      hostId,
      vcpus: 1,
      memoryMb: 1024,
      diskGb: 1,
      epoch: 2,
      opId,
      step: 'claimed',
      progress: 40,
    });

  it('claims the target with the source still held, and records the step and target with it', async () => {
    const [src, dst] = await Promise.all([host(), host()]);
    const { vm, op } = await migratingVm(src.id);
    expect(await claim(vm, op.id, src.id, dst.id)).toBe('claimed');
    expect([await usage(src.id), await usage(dst.id)]).toEqual([ONE, ONE]);
    expect(await migrationTargetClaim(t.db, vm)).toMatchObject({ hostId: dst.id, epoch: 2 });
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: op.id } })).toMatchObject({
      step: 'claimed',
      progress: 40,
      params: { target: { hostId: dst.id, epoch: 2 } },
    });
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({
      state: 'migrating',
      hostId: src.id,
      epoch: 1,
    });
    // the same claim again changes nothing
    expect(await claim(vm, op.id, src.id, dst.id)).toBe('host_full');
    expect(await usage(dst.id)).toEqual(ONE);
  });

  it('refuses a full or down target, the source itself, and a VM that is not migrating, writing nothing', async () => {
    const [src, full, down] = await Promise.all([host(), host(512), host(8192, 'down')]);
    const { vm, op } = await migratingVm(src.id);
    expect(await claim(vm, op.id, src.id, full.id)).toBe('host_full');
    expect(await claim(vm, op.id, src.id, down.id)).toBe('host_full');
    expect(await claim(vm, op.id, src.id, src.id)).toBe('host_full');
    await t.db.vm.update({ where: { id: vm.id }, data: { state: 'running' } });
    const other = await host();
    expect(await claim(vm, op.id, src.id, other.id)).toBe('vm_gone');
    expect([await usage(src.id), await usage(full.id), await usage(down.id), await usage(other.id)]).toEqual([
      ONE,
      NONE,
      NONE,
      NONE,
    ]);
    expect(await t.db.allocation.count({ where: { vmId: vm.id } })).toBe(1);
    expect((await t.db.operation.findUniqueOrThrow({ where: { id: op.id } })).step).toBeNull();
  });

  it('keeps anti-affinity members apart when two migrate to one host at once', async () => {
    const [a, b, dst] = await Promise.all([host(), host(), host(16 * 1024)]);
    const group = await t.db.serverGroup.create({ data: { projectId, name: 'g-anti', policy: 'anti_affinity' } });
    const [m1, m2] = await Promise.all([migratingVm(a.id, group.id), migratingVm(b.id, group.id)]);
    const serverGroup = { id: group.id, policy: 'anti_affinity' as const };
    const results = await Promise.all(
      [
        [m1, a],
        [m2, b],
      ].map(([m, s]) =>
        claimMigrationTarget(t.db, {
          vmId: (m as typeof m1).vm.id,
          sourceHostId: (s as typeof a).id,
          hostId: dst.id,
          vcpus: 1,
          memoryMb: 1024,
          diskGb: 1,
          epoch: 2,
          opId: (m as typeof m1).op.id,
          step: 'claimed',
          progress: 40,
          serverGroup,
        }),
      ),
    );
    expect([...results].sort()).toEqual(['claimed', 'group_conflict']);
    expect(await usage(dst.id)).toEqual(ONE);
  });

  it('finishes: the VM runs on the target with the new epoch, the source is released, the operation succeeded, events in order', async () => {
    const [src, dst] = await Promise.all([host(), host()]);
    const { vm, op } = await migratingVm(src.id);
    await claim(vm, op.id, src.id, dst.id);
    const end = { vm, op, sourceHostId: src.id, targetHostId: dst.id, epoch: 2, domId: 9 };
    const since = await lastEventId();
    expect(await finishMigration(t.db, { ...end, epoch: 3 })).toBe(false); // not the claim's epoch: nothing
    expect(await finishMigration(t.db, end)).toBe(true);
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({
      state: 'running',
      hostId: dst.id,
      domId: 9,
      epoch: 2,
      powerState: 'running',
    });
    expect([await usage(src.id), await usage(dst.id)]).toEqual([NONE, ONE]);
    expect(await t.db.allocation.findMany({ where: { vmId: vm.id }, select: { hostId: true } })).toEqual([
      { hostId: dst.id },
    ]);
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: op.id } })).toMatchObject({
      status: 'succeeded',
      progress: 100,
      step: 'done',
    });
    const events = await eventsAfter(since, [vm.id, op.id]);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['vm.state', { state: 'running', hostId: dst.id }],
      ['operation.status', expect.objectContaining({ status: 'succeeded', kind: 'migrate' })],
    ]);
    // once only
    expect(await finishMigration(t.db, end)).toBe(false);
    expect([await usage(src.id), await usage(dst.id)]).toEqual([NONE, ONE]);
  });

  it('aborts: the VM back running on the source, the target released, the operation failed with the reason', async () => {
    const [src, dst] = await Promise.all([host(), host()]);
    const { vm, op } = await migratingVm(src.id);
    await claim(vm, op.id, src.id, dst.id);
    const abort = {
      vm,
      op,
      sourceHostId: src.id,
      outcome: 'running' as const,
      error: { code: 'agent_error', message: 'the target refused', details: { a: 1 } },
    };
    const since = await lastEventId();
    expect(await abortMigration(t.db, abort)).toBe(true);
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({
      state: 'running',
      hostId: src.id,
      domId: 5,
      epoch: 1,
      errorCode: 'agent_error',
    });
    expect([await usage(src.id), await usage(dst.id)]).toEqual([ONE, NONE]);
    expect(await t.db.allocation.count({ where: { vmId: vm.id } })).toBe(1);
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: op.id } })).toMatchObject({
      status: 'failed',
      errorCode: 'agent_error',
      errorMessage: 'the target refused',
      errorDetails: { a: 1 },
    });
    const events = await eventsAfter(since, [vm.id, op.id]);
    expect(
      events.map((e) => (e.data as { state?: string; status?: string }).state ?? (e.data as { status: string }).status),
    ).toEqual(['running', 'failed']);
    expect(await abortMigration(t.db, abort)).toBe(false);
  });

  it('aborts a migration whose domain vanished: the VM stopped on its source, nothing held elsewhere', async () => {
    const [src, dst] = await Promise.all([host(), host()]);
    const { vm, op } = await migratingVm(src.id);
    await claim(vm, op.id, src.id, dst.id);
    await abortMigration(t.db, {
      vm,
      op,
      sourceHostId: src.id,
      outcome: 'stopped',
      error: { code: 'agent_error', message: 'gone' },
    });
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({
      state: 'stopped',
      hostId: src.id,
      domId: null,
      powerState: 'shutdown',
      errorCode: 'domain_vanished',
    });
    expect([await usage(src.id), await usage(dst.id)]).toEqual([ONE, NONE]);
  });
});
