import { createTestDatabase, createTestHost, seedTestCatalog, type TestDatabase } from '@xenplane/testing';
import { beginOperation } from './operation-begin';
import { beginVmOperation } from './vm-operations';
import type { VmState } from './generated/prisma/client';

const FIRST = { create: { step: 'placing', progress: 25 }, delete: { step: 'destroying', progress: 33 } };

// a disk of a VM created without a pool, not placed yet: no storage pool, nothing shared
const LOCAL_UNPLACED = { storagePoolId: null, sharedDevice: null, offsetMb: null };

describe('beginOperation (real Postgres)', () => {
  let t: TestDatabase;
  let projectId: string;
  let flavorId: string;
  let imageId: string;
  let host: { id: string; name: string; address: string };

  beforeAll(async () => {
    t = await createTestDatabase('operation_begin');
    let poolId: string;
    ({ poolId, projectId, flavorId, imageId } = await seedTestCatalog(t.db));
    host = await createTestHost(t.db, poolId);
  });
  afterAll(() => t.drop());

  const vm = (state: VmState) =>
    t.db.vm.create({
      data: { projectId, name: 'v', state, flavorId, imageId, guestType: 'pv', vcpus: 1, memoryMb: 512, diskGb: 1 },
    });
  const createOp = (vmId: string) => t.db.operation.create({ data: { kind: 'create', projectId, vmId } });
  const events = (ids: string[]) =>
    t.db.event.findMany({
      where: { resourceId: { in: ids } },
      orderBy: { id: 'asc' },
      select: { resourceId: true, type: true, data: true },
    });

  it('starts a create and moves its pending VM to scheduling, returning the VM as it now is, events in order', async () => {
    const v = await vm('pending');
    const op = await createOp(v.id);
    const begun = await beginOperation(t.db, op.id, FIRST);
    expect(begun).toMatchObject({
      started: true,
      fromQueue: true,
      waits: false,
      holders: null,
      op: { status: 'running', step: 'placing', progress: 25 },
    });
    const now = await t.db.vm.findUniqueOrThrow({ where: { id: v.id } });
    expect(now.state).toBe('scheduling');
    expect(begun.vm).toEqual(now);
    // updatedAt is the one field the answer does not re-read (as before steps rode along)
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: op.id } })).toEqual({
      ...begun.op,
      updatedAt: expect.any(Date),
    });
    expect(await events([v.id, op.id])).toEqual([
      {
        resourceId: op.id,
        type: 'operation.status',
        data: { kind: 'create', status: 'running', progress: 0, vmId: v.id, errorCode: null },
      },
      { resourceId: v.id, type: 'vm.state', data: { state: 'scheduling', hostId: null } },
    ]);
  });

  it('a second take-up of a running create moves nothing and records nothing', async () => {
    const v = await vm('pending');
    const op = await createOp(v.id);
    await beginOperation(t.db, op.id, FIRST);
    const again = await beginOperation(t.db, op.id, FIRST);
    // started again (a retry, a resumption), but not from the queue: its wait there was counted once
    expect(again).toMatchObject({
      started: true,
      fromQueue: false,
      op: { status: 'running', step: 'placing' },
      vm: { state: 'scheduling' },
    });
    expect(await events([v.id, op.id])).toHaveLength(2);
  });

  it('starts a create whose VM already left pending without moving it or stepping it', async () => {
    const v = await vm('pending');
    const op = await createOp(v.id);
    await t.db.vm.update({ where: { id: v.id }, data: { state: 'deleting' } });
    const begun = await beginOperation(t.db, op.id, FIRST);
    expect(begun).toMatchObject({ started: true, op: { step: null, progress: 0 }, vm: { state: 'deleting' } });
    expect((await t.db.operation.findUniqueOrThrow({ where: { id: op.id } })).step).toBeNull();
    expect(await events([v.id])).toEqual([]);
  });

  it('starts a delete with its first step and the hosts where its VM holds claims', async () => {
    const v = await vm('running');
    await t.db.allocation.create({
      data: { vmId: v.id, hostId: host.id, vcpus: 1, memoryMb: 512, diskGb: 1, epoch: 1 },
    });
    const del = (await beginVmOperation(t.db, { vm: v, kind: 'delete', via: 'deleting' }))!;
    const begun = await beginOperation(t.db, del.id, FIRST);
    expect(begun).toMatchObject({
      started: true,
      op: { status: 'running', step: 'destroying', progress: 33 },
      vm: { state: 'deleting' },
    });
    expect(begun.holders).toEqual([{ id: host.id, name: host.name, address: '127.0.0.1:1', state: 'up' }]);
    expect((await t.db.operation.findUniqueOrThrow({ where: { id: del.id } })).step).toBe('destroying');
  });

  it('a delete behind an unfinished create waits: not started, no step, no claims read', async () => {
    const v = await vm('pending');
    const create = await createOp(v.id);
    const del = (await beginVmOperation(t.db, { vm: v, kind: 'delete', via: 'deleting' }))!;
    const begun = await beginOperation(t.db, del.id, FIRST);
    expect(begun).toMatchObject({ started: false, waits: true, holders: null, op: { status: 'queued', step: null } });
    expect((await t.db.operation.findUniqueOrThrow({ where: { id: create.id } })).cancelRequested).toBe(true);
  });

  it('does not step a delete whose VM is already deleted', async () => {
    const v = await vm('running');
    const del = (await beginVmOperation(t.db, { vm: v, kind: 'delete', via: 'deleting' }))!;
    await t.db.vm.update({ where: { id: v.id }, data: { state: 'deleted' } });
    const begun = await beginOperation(t.db, del.id, FIRST);
    expect(begun).toMatchObject({ started: true, op: { step: null }, holders: [] });
  });

  it('answers nothing for an unknown operation', async () => {
    expect(await beginOperation(t.db, '00000000-0000-4000-8000-000000000000', FIRST)).toEqual({
      op: null,
      vm: null,
      started: false,
      fromQueue: false,
      waits: false,
      holders: null,
      built: null,
    });
  });

  it('reads a create’s VM’s vifs and disks with it, each vif with its network’s bridge, prefix, gateway and DNS, disks in device order (none for other kinds)', async () => {
    const v = await vm('pending');
    const network = await t.db.network.create({
      data: {
        poolId: (await t.db.pool.findFirstOrThrow()).id,
        name: 'begin-net',
        bridge: 'br-begin',
        cidr: '10.20.0.0/24',
        gateway: '10.20.0.1',
        dns: ['10.20.0.1', '9.9.9.9'],
        rangeStart: '10.20.0.2',
        rangeEnd: '10.20.0.9',
      },
    });
    await t.db.vmAddress.create({
      data: { vmId: v.id, networkId: network.id, device: 0, mac: '00:16:3e:00:be:01', ip: '10.20.0.2' },
    });
    await t.db.disk.createMany({
      data: [
        { vmId: v.id, kind: 'data', device: 'xvdb', sizeGb: 5 },
        { vmId: v.id, kind: 'root', device: 'xvda', sizeGb: 1 },
      ],
    });
    const { built } = await beginOperation(t.db, (await createOp(v.id)).id, FIRST);
    expect(built?.disks).toEqual([
      { kind: 'root', device: 'xvda', sizeGb: 1, imageId: null, ...LOCAL_UNPLACED },
      { kind: 'data', device: 'xvdb', sizeGb: 5, imageId: null, ...LOCAL_UNPLACED },
    ]);
    expect(built?.vifs).toEqual([
      {
        device: 0,
        mac: '00:16:3e:00:be:01',
        ip: '10.20.0.2',
        bridge: 'br-begin',
        networkId: network.id,
        network: 'begin-net',
        prefix: 24,
        gateway: '10.20.0.1',
        dns: ['10.20.0.1', '9.9.9.9'],
      },
    ]);
    const del = await t.db.operation.create({ data: { kind: 'delete', projectId, vmId: v.id } });
    await t.db.operation.updateMany({ where: { vmId: v.id, kind: 'create' }, data: { status: 'succeeded' } });
    expect((await beginOperation(t.db, del.id, FIRST)).built).toBeNull();
  });
});
