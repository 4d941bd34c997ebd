import { randomUUID } from 'node:crypto';
import { createTestDatabase, createTestHost, seedTestCatalog, type TestDatabase } from '@xenplane/testing';
import { OperationRepository } from './repositories/operation.repository';
import { SnapshotRepository } from './repositories/snapshot.repository';
import { startSnapshotOperation, type StartSnapshotOperation } from './snapshot-operations';
import { createClone } from './vm-clone';
import { startVmOperation } from './vm-operations';

describe('snapshot operations and clones (real Postgres)', () => {
  let t: TestDatabase;
  let poolId: string;
  let projectId: string;
  let flavorId: string;
  let imageId: string;
  let hostId: string;
  let networkId: string;

  beforeAll(async () => {
    t = await createTestDatabase('snapshot_operations');
    ({ poolId, projectId, flavorId, imageId } = await seedTestCatalog(t.db));
    hostId = (await createTestHost(t.db, poolId, 4096)).id;
    networkId = (
      await t.db.network.create({
        data: {
          poolId,
          name: 'n',
          bridge: 'xenbr0',
          cidr: '10.9.0.0/24',
          gateway: '10.9.0.1',
          rangeStart: '10.9.0.10',
          rangeEnd: '10.9.0.20',
        },
      })
    ).id;
  });
  afterAll(() => t.drop());

  /** A VM on the host in `state`, with an address and a root disk, its claim counted on the host. */
  async function vmOnHost(state: 'running' | 'stopped', memoryMb = 512) {
    const vm = await t.db.vm.create({
      data: {
        projectId,
        name: 'src',
        state,
        hostId,
        poolId,
        flavorId,
        imageId,
        guestType: 'pv',
        vcpus: 1,
        memoryMb,
        diskGb: 1,
        epoch: 1,
      },
    });
    await t.db.vmAddress.create({
      data: {
        vmId: vm.id,
        networkId,
        device: 0,
        mac: `00:16:3e:00:00:${(++macs).toString(16).padStart(2, '0')}`,
        ip: `10.9.0.${100 + macs}`,
      },
    });
    const storagePool = await t.db.storagePool.findFirstOrThrow({ where: { poolId } });
    await t.db.disk.create({
      data: { vmId: vm.id, storagePoolId: storagePool.id, kind: 'root', device: 'xvda', sizeGb: 1, imageId },
    });
    await t.db.host.update({
      where: { id: hostId },
      data: { usedMemoryMb: { increment: memoryMb }, usedInstances: { increment: 1 } },
    });
    return vm;
  }
  let macs = 0;

  const snapshot = (vmId: string, over: Partial<StartSnapshotOperation> = {}) =>
    startSnapshotOperation(t.db, {
      vmId,
      projectId,
      kind: 'snapshot',
      snapshotId: randomUUID(),
      name: 's1',
      vmStates: ['running', 'stopped'],
      snapshotStates: [],
      via: 'creating',
      requestedBy: null,
      correlationId: null,
      ...over,
    });

  it('inserts the snapshot and queues its operation; a second one waits for the first to end', async () => {
    const vm = await vmOnHost('running');
    const first = await snapshot(vm.id);
    expect(first.op).toMatchObject({ kind: 'snapshot', status: 'queued', vmId: vm.id, hostId });
    expect(first.op!.params).toMatchObject({ fromState: 'running' });
    expect(await t.db.snapshot.findMany({ where: { vmId: vm.id } })).toEqual([
      expect.objectContaining({ name: 's1', state: 'creating' }),
    ]);
    const second = await snapshot(vm.id, { name: 's2' });
    expect(second).toMatchObject({ op: null, vmState: 'running', openOperation: 'snapshot' });
    // and a VM action waits too: the stop would shut a domain whose disks are being copied
    const stop = await startVmOperation(t.db, {
      vmId: vm.id,
      from: ['running'],
      kind: 'stop',
      via: 'stopping',
      needsHost: true,
    });
    expect(stop).toMatchObject({ op: null, state: 'running', storageBusy: 'snapshot' });
    expect((await t.db.vm.findUniqueOrThrow({ where: { id: vm.id } })).state).toBe('running');
    expect(await t.db.snapshot.count({ where: { vmId: vm.id } })).toBe(1);
    // once it ended, a name already taken is seen as taken, a new one goes
    await t.db.operation.update({ where: { id: first.op!.id }, data: { status: 'succeeded' } });
    expect(await snapshot(vm.id)).toMatchObject({ op: null, snapshotState: 'creating', openOperation: null });
    expect((await snapshot(vm.id, { name: 's2' })).op).not.toBeNull();
  });

  it('reverts only a stopped VM, from an available snapshot, and refuses another project', async () => {
    const vm = await vmOnHost('running');
    const snapshotId = randomUUID();
    const made = await snapshot(vm.id, { snapshotId });
    await t.db.operation.update({ where: { id: made.op!.id }, data: { status: 'succeeded' } });
    await t.db.snapshot.updateMany({ where: { vmId: vm.id }, data: { state: 'available' } });
    const revert = (id: string, project = projectId) =>
      snapshot(id, {
        kind: 'snapshot_revert',
        snapshotId,
        projectId: project,
        vmStates: ['stopped'],
        snapshotStates: ['available'],
        via: 'reverting',
      });
    expect(await revert(vm.id)).toMatchObject({ op: null, vmState: 'running', snapshotState: 'available' });
    await t.db.vm.update({ where: { id: vm.id }, data: { state: 'stopped' } });
    expect(await revert(vm.id, randomUUID())).toMatchObject({ op: null, vmState: null });
    const started = await revert(vm.id);
    expect(started.op).toMatchObject({ kind: 'snapshot_revert' });
    expect((await t.db.snapshot.findFirstOrThrow({ where: { vmId: vm.id } })).state).toBe('reverting');
  });

  it('clones a stopped VM on its host: quota, claim, new address, disks and operation together', async () => {
    const source = await vmOnHost('stopped');
    const usedBefore = (await t.db.host.findUniqueOrThrow({ where: { id: hostId } })).usedMemoryMb;
    const cloneId = randomUUID();
    const made = await createClone(t.db, {
      sourceId: source.id,
      projectId,
      cloneId,
      opId: randomUUID(),
      requestedBy: null,
      correlationId: null,
    });
    if (!made.created) throw new Error(`refused: ${made.refused}`);
    expect(made.vm).toMatchObject({
      id: cloneId,
      name: 'src-clone-1',
      state: 'building',
      hostId,
      clonedFromId: source.id,
      epoch: 1,
    });
    expect(made.op).toMatchObject({ kind: 'clone', vmId: cloneId, hostId, params: { sourceVmId: source.id } });
    const [sourceAddress] = await t.db.vmAddress.findMany({ where: { vmId: source.id } });
    expect(made.addresses).toEqual([
      expect.objectContaining({ vmId: cloneId, device: 0, networkId, mac: expect.stringMatching(/^00:16:3e:/) }),
    ]);
    expect(made.addresses[0]!.mac).not.toBe(sourceAddress!.mac);
    expect(made.addresses[0]!.ip).not.toBe(sourceAddress!.ip);
    expect(
      await t.db.disk.findMany({ where: { vmId: cloneId }, select: { device: true, kind: true, imageId: true } }),
    ).toEqual([{ device: 'xvda', kind: 'root', imageId }]);
    expect(
      await t.db.allocation.findMany({ where: { vmId: cloneId }, select: { hostId: true, memoryMb: true } }),
    ).toEqual([{ hostId, memoryMb: 512 }]);
    expect((await t.db.host.findUniqueOrThrow({ where: { id: hostId } })).usedMemoryMb).toBe(usedBefore + 512);
    // while the clone is made, the source may not start (its disks are being read)
    const start = await startVmOperation(t.db, {
      vmId: source.id,
      from: ['stopped'],
      kind: 'start',
      via: 'starting',
      needsHost: true,
    });
    expect(start).toMatchObject({ op: null, storageBusy: 'clone' });
  });

  it('refuses a clone of a running VM, and one its host has no room for, writing nothing', async () => {
    const running = await vmOnHost('running');
    const vmsBefore = await t.db.vm.count();
    const ask = (sourceId: string) =>
      createClone(t.db, {
        sourceId,
        projectId,
        cloneId: randomUUID(),
        opId: randomUUID(),
        requestedBy: null,
        correlationId: null,
      });
    expect(await ask(running.id)).toEqual({
      created: false,
      refused: 'state',
      state: 'running',
      reason: 'cannot clone a VM that is running (it must be stopped)',
    });
    const big = await vmOnHost('stopped', 1024);
    const host = await t.db.host.findUniqueOrThrow({ where: { id: hostId } });
    await t.db.host.update({
      where: { id: hostId },
      data: { usedMemoryMb: host.totalMemoryMb - host.reservedMemoryMb - 100 },
    });
    const projectBefore = await t.db.project.findUniqueOrThrow({ where: { id: projectId } });
    expect(await ask(big.id)).toEqual({ created: false, refused: 'no_room', hostName: host.name });
    expect(await t.db.vm.count()).toBe(vmsBefore + 1);
    expect((await t.db.project.findUniqueOrThrow({ where: { id: projectId } })).usedMemoryMb).toBe(
      projectBefore.usedMemoryMb,
    );
    expect(await t.db.vmAddress.count({ where: { vm: { clonedFromId: big.id } } })).toBe(0);

    // room on the host but not in the quota: the claim taken first is undone with the rest
    await t.db.host.update({ where: { id: hostId }, data: { usedMemoryMb: 0 } });
    await t.db.project.update({ where: { id: projectId }, data: { quotaInstances: projectBefore.usedInstances } });
    expect(await ask(big.id)).toMatchObject({
      created: false,
      refused: 'quota',
      usage: { instances: 1, memoryMb: 1024 },
    });
    expect((await t.db.host.findUniqueOrThrow({ where: { id: hostId } })).usedMemoryMb).toBe(0);
    expect(await t.db.vm.count()).toBe(vmsBefore + 1);
  });

  it('a failed snapshot ends in error with its operation, which says why', async () => {
    const vm = await vmOnHost('running');
    const snapshotId = randomUUID();
    const made = await snapshot(vm.id, { snapshotId, name: 'doomed' });
    const running = await t.db.operation.update({ where: { id: made.op!.id }, data: { status: 'running' } });
    const snapshots = new SnapshotRepository(t.db);
    const failure = { status: 'failed' as const, code: 'agent_error', message: 'no space left on device' };
    expect(await snapshots.end(running, snapshotId, { state: 'error' }, failure)).toBe(true);
    // a second end (a job run again) changes nothing
    expect(await snapshots.end(running, snapshotId, 'removed', { status: 'succeeded' })).toBe(false);
    expect((await t.db.snapshot.findUniqueOrThrow({ where: { id: snapshotId } })).state).toBe('error');
    expect(await new OperationRepository(t.db).lastFailureOf(vm.id, snapshotId)).toEqual({
      code: 'agent_error',
      message: 'no space left on device',
    });
    expect(await new OperationRepository(t.db).lastFailureOf(vm.id, randomUUID())).toBeNull();
  });
});
