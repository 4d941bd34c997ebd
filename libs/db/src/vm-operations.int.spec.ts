import { createTestDatabase, seedTestCatalog, type TestDatabase } from '@xenplane/testing';
import { beginVmOperation, startVmOperation } from './vm-operations';

describe('beginVmOperation (real Postgres)', () => {
  let t: TestDatabase;
  let projectId: string;
  let flavorId: string;
  let imageId: string;

  beforeAll(async () => {
    t = await createTestDatabase('vm_operations');
    ({ projectId, flavorId, imageId } = await seedTestCatalog(t.db));
  });
  afterAll(() => t.drop());

  const vm = () =>
    t.db.vm.create({
      data: {
        projectId,
        name: 'v',
        state: 'running',
        flavorId,
        imageId,
        guestType: 'pv',
        vcpus: 1,
        memoryMb: 512,
        diskGb: 1,
      },
    });
  const events = (ids: string[]) =>
    t.db.event.findMany({
      where: { resourceId: { in: ids } },
      orderBy: { id: 'asc' },
      select: { resourceType: true, type: true, data: true },
    });

  it('moves the VM, queues the operation with where to go back to, and records both events in order', async () => {
    const v = await vm();
    const op = await beginVmOperation(t.db, {
      vm: v,
      kind: 'stop',
      via: 'stopping',
      params: { force: true },
      correlationId: 'c-1',
    });
    expect(op).toMatchObject({
      kind: 'stop',
      status: 'queued',
      progress: 0,
      vmId: v.id,
      projectId,
      params: { force: true, fromState: 'running' },
      correlationId: 'c-1',
    });
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: op!.id } })).toEqual(op);
    expect((await t.db.vm.findUniqueOrThrow({ where: { id: v.id } })).state).toBe('stopping');
    expect(await events([v.id, op!.id])).toEqual([
      { resourceType: 'vm', type: 'vm.state', data: { state: 'stopping', hostId: null } },
      {
        resourceType: 'operation',
        type: 'operation.status',
        data: { kind: 'stop', status: 'queued', progress: 0, vmId: v.id, errorCode: null },
      },
    ]);
  });

  it('writes nothing when the VM is no longer in the state the caller saw', async () => {
    const v = await vm();
    await t.db.vm.update({ where: { id: v.id }, data: { state: 'stopped' } });
    expect(await beginVmOperation(t.db, { vm: v, kind: 'stop', via: 'stopping' })).toBeNull();
    expect(await t.db.operation.count({ where: { vmId: v.id } })).toBe(0);
    expect(await events([v.id])).toEqual([]);
    expect((await t.db.vm.findUniqueOrThrow({ where: { id: v.id } })).state).toBe('stopped');
  });

  it('lets a delete overtake the work in flight on the VM, and only one of two racing starts win', async () => {
    const v = await vm();
    const stop = await beginVmOperation(t.db, { vm: v, kind: 'stop', via: 'stopping' });
    const stopping = { ...v, state: 'stopping' as const };
    const [a, b] = await Promise.all([
      beginVmOperation(t.db, { vm: stopping, kind: 'delete', via: 'deleting' }),
      beginVmOperation(t.db, { vm: stopping, kind: 'delete', via: 'deleting' }),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const del = (a ?? b)!;
    expect((await t.db.operation.findUniqueOrThrow({ where: { id: stop!.id } })).cancelRequested).toBe(true);
    expect((await t.db.operation.findUniqueOrThrow({ where: { id: del.id } })).cancelRequested).toBe(false);
    expect(await t.db.operation.count({ where: { vmId: v.id } })).toBe(2);
  });

  it('startVmOperation reads the VM in the same statement: fromState, project and host from the row', async () => {
    const v = await vm();
    const started = await startVmOperation(t.db, {
      vmId: v.id,
      projectId,
      from: ['running', 'stopped'],
      kind: 'delete',
      via: 'deleting',
      params: { why: 'x' },
    });
    expect(started).toMatchObject({
      state: 'running',
      op: { kind: 'delete', status: 'queued', projectId, vmId: v.id, params: { why: 'x', fromState: 'running' } },
    });
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: started.op!.id } })).toEqual(started.op);
    expect((await t.db.vm.findUniqueOrThrow({ where: { id: v.id } })).state).toBe('deleting');
  });

  it('startVmOperation answers the state it saw when it may not start, and nothing for a VM of another project', async () => {
    const v = await vm();
    expect(await startVmOperation(t.db, { vmId: v.id, from: ['stopped'], kind: 'start', via: 'starting' })).toEqual({
      op: null,
      state: 'running',
    });
    const other = (await t.db.project.create({ data: { name: 'other' } })).id;
    expect(
      await startVmOperation(t.db, { vmId: v.id, projectId: other, from: ['running'], kind: 'stop', via: 'stopping' }),
    ).toEqual({ op: null, state: null });
    expect(await t.db.operation.count({ where: { vmId: v.id } })).toBe(0);
    expect(await events([v.id])).toEqual([]);
  });
});
