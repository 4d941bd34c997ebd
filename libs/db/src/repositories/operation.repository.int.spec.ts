import {
  createTestDatabase,
  createTestHost,
  seedTestCatalog,
  type TestCatalog,
  type TestDatabase,
} from '@xenplane/testing';
import { claimHost } from '../claims';
import type { Operation, Vm } from '../generated/prisma/client';
import { OperationRepository } from './operation.repository';

// The units of work the scheduler's handlers used to write as $transaction blocks: the same
// statements, all or nothing, with their events.

describe('OperationRepository units of work (real Postgres)', () => {
  let t: TestDatabase;
  let c: TestCatalog;
  let ops: OperationRepository;

  beforeAll(async () => {
    t = await createTestDatabase('operation_repo');
    c = await seedTestCatalog(t.db);
    ops = new OperationRepository(t.db);
  });
  afterAll(() => t.drop());

  let n = 0;
  const vm = (state: Vm['state']) =>
    t.db.vm.create({
      data: {
        projectId: c.projectId,
        name: `v${++n}`,
        state,
        flavorId: c.flavorId,
        imageId: c.imageId,
        guestType: 'pv',
        vcpus: 1,
        memoryMb: 1024,
        diskGb: 1,
      },
    });
  const op = (v: Vm, kind: Operation['kind'], status: Operation['status'] = 'running', params = {}) =>
    t.db.operation.create({ data: { projectId: v.projectId, vmId: v.id, kind, status, params } });
  /** A VM in `building` on a fresh host, holding a real claim there (host usage grown). */
  const building = async () => {
    const host = await createTestHost(t.db, c.poolId);
    const v = await vm('scheduling');
    expect(
      (await claimHost(t.db, { vmId: v.id, hostId: host.id, vcpus: 1, memoryMb: 1024, diskGb: 1, epoch: 1 })).result,
    ).toBe('claimed');
    return { host, vm: await t.db.vm.findUniqueOrThrow({ where: { id: v.id } }) };
  };
  const events = (resourceId: string) => t.db.event.findMany({ where: { resourceId }, orderBy: { id: 'asc' } });
  const usedMemory = async (hostId: string) =>
    (await t.db.host.findUniqueOrThrow({ where: { id: hostId } })).usedMemoryMb;

  it('ends an operation once: a second end changes nothing and records no second event', async () => {
    const o = await op(await vm('running'), 'start');
    expect(await ops.end(o, { status: 'succeeded' })).toBe(true);
    expect(await ops.end(o, { status: 'failed', code: 'x', message: 'late' })).toBe(false);
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: o.id } })).toMatchObject({
      status: 'succeeded',
      step: 'done',
      progress: 100,
      attempts: 1,
    });
    expect((await events(o.id)).map((e) => (e.data as { status: string }).status)).toEqual(['succeeded']);
  });

  it("fails a create with its VM in error and its claim released first, in one transaction (a create's compensation)", async () => {
    const { host, vm: v } = await building();
    const o = await op(v, 'create');
    expect(await usedMemory(host.id)).toBe(1024);
    await ops.endWithVm(
      o,
      {
        vm: v,
        from: ['pending', 'scheduling', 'building'],
        to: 'error',
        data: { hostId: null, domId: null, errorCode: 'agent_error', errorMessage: 'no' },
        release: 'first',
      },
      { status: 'failed', code: 'agent_error', message: 'no' },
    );
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: v.id } })).toMatchObject({
      state: 'error',
      hostId: null,
      errorCode: 'agent_error',
    });
    expect(await t.db.allocation.count({ where: { vmId: v.id } })).toBe(0);
    expect(await usedMemory(host.id)).toBe(0);
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: o.id } })).toMatchObject({
      status: 'failed',
      errorCode: 'agent_error',
    });
    expect((await events(v.id)).at(-1)?.data).toMatchObject({ state: 'error' });
  });

  it("releases 'if-moved' only when the VM moved, and lets the outcome depend on it", async () => {
    const { host, vm: v } = await building();
    const o = await op(v, 'ha_restart');
    // the VM is `building`, not `recovering`: it does not move, keeps its claim, and the outcome says so
    const ended = await ops.endWithVm(o, { vm: v, from: 'recovering', to: 'error', release: 'if-moved' }, (moved) =>
      moved
        ? { status: 'succeeded' }
        : { status: 'cancelled', code: 'vm_deleted', message: 'the VM changed state meanwhile' },
    );
    expect(ended).toBe(true);
    expect((await t.db.vm.findUniqueOrThrow({ where: { id: v.id } })).state).toBe('building');
    expect(await usedMemory(host.id)).toBe(1024);
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: o.id } })).toMatchObject({
      status: 'cancelled',
      errorCode: 'vm_deleted',
    });
  });

  it('rolls the whole unit back when a statement in it fails: the VM stays where it was', async () => {
    const v = await vm('stopping');
    const o = await op(v, 'stop');
    // an operation id that is no uuid makes the end's statement fail after the VM's move
    const broken = { ...o, id: 'not-a-uuid' };
    await expect(
      ops.endWithVm(broken, { vm: v, from: 'stopping', to: 'stopped' }, { status: 'succeeded' }),
    ).rejects.toThrow();
    expect((await t.db.vm.findUniqueOrThrow({ where: { id: v.id } })).state).toBe('stopping');
    expect(await events(v.id)).toEqual([]);
  });

  it('gives a build back to scheduling: claim released, no host, the hosts tried noted', async () => {
    const { host, vm: v } = await building();
    const o = await op(v, 'create', 'running', { poolId: c.poolId });
    const tried = [
      {
        hostId: host.id,
        hostName: host.name,
        failure: 'refused' as const,
        message: 'no',
        at: new Date().toISOString(),
      },
    ];
    await ops.returnToScheduling({ ...o, hostId: host.id }, v, tried, 'host did not build it');
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: v.id } })).toMatchObject({
      state: 'scheduling',
      hostId: null,
      errorMessage: 'host did not build it',
    });
    expect(await usedMemory(host.id)).toBe(0);
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: o.id } })).toMatchObject({
      hostId: null,
      params: { poolId: c.poolId, tried },
    });
  });

  it("cancels a queued create: the VM deleted, the project's quota given back; a running one is not cancelled", async () => {
    const v = await vm('pending');
    await t.db.project.update({
      where: { id: c.projectId },
      data: { usedInstances: 1, usedVcpus: 1, usedMemoryMb: 1024, usedDiskGb: 1 },
    });
    const o = await op(v, 'create', 'queued');
    const cancelled = await ops.cancelQueued(o, () => 'deleted');
    expect(cancelled).toMatchObject({ status: 'cancelled', errorCode: 'cancelled' });
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: v.id } })).toMatchObject({ state: 'deleted' });
    expect((await t.db.vm.findUniqueOrThrow({ where: { id: v.id } })).deletedAt).not.toBeNull();
    expect(await t.db.project.findUniqueOrThrow({ where: { id: c.projectId } })).toMatchObject({
      usedInstances: 0,
      usedMemoryMb: 0,
    });

    const w = await vm('starting');
    const running = await op(w, 'start', 'running');
    expect(await ops.cancelQueued(running, () => 'stopped')).toBeNull();
    expect((await t.db.vm.findUniqueOrThrow({ where: { id: w.id } })).state).toBe('starting');
    expect(await events(running.id)).toEqual([]);
  });
});
