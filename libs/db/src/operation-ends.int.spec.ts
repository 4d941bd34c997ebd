import { createTestDatabase, seedTestCatalog, type TestDatabase } from '@xenplane/testing';
import { finishBuiltVms, finishDeletedVms } from './operation-ends';
import type { VmState } from './generated/prisma/client';

describe('finishBuiltVms / finishDeletedVms (real Postgres)', () => {
  let t: TestDatabase;
  let flavorId: string;
  let imageId: string;
  let poolId: string;

  beforeAll(async () => {
    t = await createTestDatabase('operation_ends');
    ({ flavorId, imageId, poolId } = await seedTestCatalog(t.db));
  });
  afterAll(() => t.drop());

  const project = (name: string) =>
    t.db.project.create({ data: { name, usedInstances: 10, usedVcpus: 20, usedMemoryMb: 10_000, usedDiskGb: 100 } });
  const host = (name: string) =>
    t.db.host.create({
      data: {
        name,
        address: `${name}:1`,
        poolId,
        state: 'up',
        totalVcpus: 64,
        totalMemoryMb: 65536,
        totalDiskGb: 1000,
        usedInstances: 10,
        usedVcpus: 20,
        usedMemoryMb: 10_000,
        usedDiskGb: 100,
      },
    });
  const vm = (projectId: string, state: VmState, hostId: string | null, vcpus = 1) =>
    t.db.vm.create({
      data: {
        projectId,
        name: 'v',
        state,
        hostId,
        flavorId,
        imageId,
        guestType: 'pv',
        vcpus,
        memoryMb: 512 * vcpus,
        diskGb: vcpus,
      },
    });
  const op = (kind: 'create' | 'delete', projectId: string, vmId: string) =>
    t.db.operation.create({
      data: { kind, projectId, vmId, status: 'running', step: kind === 'create' ? 'building' : 'destroying' },
    });
  const allocate = (v: { id: string; vcpus: number; memoryMb: number; diskGb: number }, hostId: string) =>
    t.db.allocation.create({
      data: { vmId: v.id, hostId, vcpus: v.vcpus, memoryMb: v.memoryMb, diskGb: v.diskGb, epoch: 1 },
    });
  const events = (ids: string[]) =>
    t.db.event.findMany({
      where: { resourceId: { in: ids } },
      orderBy: { id: 'asc' },
      select: { resourceId: true, type: true, data: true },
    });

  it('ends each create of the batch on its own terms and answers which VMs moved', async () => {
    const p = await project('builds');
    const h = await host('hb');
    const [a, gone, b, restarted] = [
      await vm(p.id, 'building', h.id),
      await vm(p.id, 'deleting', h.id),
      await vm(p.id, 'building', h.id),
      await vm(p.id, 'recovering', h.id),
    ];
    const [oa, ogone, ob] = [
      await op('create', p.id, a.id),
      await op('create', p.id, gone.id),
      await op('create', p.id, b.id),
    ];
    const orestart = await t.db.operation.create({
      data: { kind: 'ha_restart', projectId: p.id, vmId: restarted.id, status: 'running', step: 'building' },
    });
    const c = await vm(p.id, 'building', h.id);
    const oc = await op('create', p.id, c.id);
    const moved = await finishBuiltVms(t.db, [
      { vm: a, op: oa, domId: 7, powerState: 'running', from: 'building' },
      { vm: gone, op: ogone, domId: 8, powerState: 'running', from: 'building' },
      { vm: b, op: ob, domId: 9, powerState: 'paused', from: 'building' },
      // a restart's VM is `recovering`, not `building`: each item moves from its own state only
      { vm: restarted, op: orestart, domId: 10, powerState: 'running', from: 'recovering' },
      { vm: c, op: oc, domId: 11, powerState: 'running', from: 'recovering' },
    ]);
    expect(moved).toEqual([true, false, true, true, false]);
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: restarted.id } })).toMatchObject({
      state: 'running',
      domId: 10,
    });
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: orestart.id } })).toMatchObject({
      status: 'succeeded',
    });
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ state: 'building', domId: null });
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({
      state: 'running',
      domId: 7,
      powerState: 'running',
    });
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: b.id } })).toMatchObject({
      state: 'running',
      domId: 9,
      powerState: 'paused',
    });
    expect(await t.db.vm.findUniqueOrThrow({ where: { id: gone.id } })).toMatchObject({
      state: 'deleting',
      domId: null,
    });
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: oa.id } })).toMatchObject({
      status: 'succeeded',
      step: 'done',
      progress: 100,
      attempts: 1,
    });
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: ogone.id } })).toMatchObject({
      status: 'running',
      step: 'building',
    });
    const succeeded = (opId: string, vmId: string) => ({
      resourceId: opId,
      type: 'operation.status',
      data: { kind: 'create', status: 'succeeded', progress: 100, vmId, errorCode: null },
    });
    expect(await events([a.id, oa.id, gone.id, ogone.id, b.id, ob.id, restarted.id])).toEqual([
      { resourceId: a.id, type: 'vm.state', data: { state: 'running', hostId: h.id } },
      succeeded(oa.id, a.id),
      { resourceId: b.id, type: 'vm.state', data: { state: 'running', hostId: h.id } },
      succeeded(ob.id, b.id),
      { resourceId: restarted.id, type: 'vm.state', data: { state: 'running', hostId: h.id } },
    ]);
  });

  it('ends a VM once when two runs of its operation land in one batch: one answer moved, one event each, quota back once', async () => {
    const p = await project('twice');
    const h = await host('ht');
    const built = await vm(p.id, 'building', h.id);
    const ob = await op('create', p.id, built.id);
    const item = { vm: built, op: ob, domId: 3, powerState: 'running' as const, from: 'building' as const };
    expect(await finishBuiltVms(t.db, [item, { ...item }])).toEqual([true, false]);
    expect((await events([built.id, ob.id])).map((e) => e.type)).toEqual(['vm.state', 'operation.status']);

    const doomed = await vm(p.id, 'deleting', h.id, 2);
    await allocate(doomed, h.id);
    const od = await op('delete', p.id, doomed.id);
    await finishDeletedVms(t.db, [
      { vm: doomed, op: od },
      { vm: doomed, op: od },
    ]);
    expect(await t.db.project.findUniqueOrThrow({ where: { id: p.id } })).toMatchObject({
      usedInstances: 9,
      usedVcpus: 18,
      usedMemoryMb: 8_976,
      usedDiskGb: 98,
    });
    expect(await t.db.host.findUniqueOrThrow({ where: { id: h.id } })).toMatchObject({
      usedInstances: 9,
      usedVcpus: 18,
      usedMemoryMb: 8_976,
      usedDiskGb: 98,
    });
    expect((await events([doomed.id, od.id])).map((e) => e.type)).toEqual(['vm.state', 'operation.status']);
  });

  it('ends each delete of the batch: claims freed on every host, quota given back per project, exactly once', async () => {
    const [p1, p2] = [await project('d1'), await project('d2')];
    const [h1, h2] = [await host('hd1'), await host('hd2')];
    const a = await vm(p1.id, 'deleting', h1.id, 1);
    const b = await vm(p1.id, 'deleting', h2.id, 2);
    const c = await vm(p2.id, 'deleting', h1.id, 4);
    const changed = await vm(p2.id, 'deleting', h2.id, 8);
    for (const [v, h] of [
      [a, h1],
      [b, h2],
      [c, h1],
      [changed, h2],
    ] as const)
      await allocate(v, h.id);
    const ops = [
      await op('delete', p1.id, a.id),
      await op('delete', p1.id, b.id),
      await op('delete', p2.id, c.id),
      await op('delete', p2.id, changed.id),
    ];
    // one VM left the state its delete saw: it keeps its claim and its quota
    await t.db.vm.update({ where: { id: changed.id }, data: { state: 'error' } });
    const items = [a, b, c, changed].map((v, i) => ({ vm: v, op: ops[i]! }));

    await finishDeletedVms(t.db, items);
    await finishDeletedVms(t.db, items); // again: nothing more is given back

    for (const v of [a, b, c])
      expect(await t.db.vm.findUniqueOrThrow({ where: { id: v.id } })).toMatchObject({
        state: 'deleted',
        hostId: null,
        domId: null,
      });
    expect((await t.db.vm.findUniqueOrThrow({ where: { id: changed.id } })).state).toBe('error');
    expect(
      await t.db.allocation.findMany({
        where: { vmId: { in: [a.id, b.id, c.id, changed.id] } },
        select: { vmId: true },
      }),
    ).toEqual([{ vmId: changed.id }]);
    expect(await t.db.host.findUniqueOrThrow({ where: { id: h1.id } })).toMatchObject({
      usedInstances: 8,
      usedVcpus: 15,
      usedMemoryMb: 10_000 - 5 * 512,
      usedDiskGb: 95,
    });
    expect(await t.db.host.findUniqueOrThrow({ where: { id: h2.id } })).toMatchObject({
      usedInstances: 9,
      usedVcpus: 18,
      usedMemoryMb: 10_000 - 2 * 512,
      usedDiskGb: 98,
    });
    expect(await t.db.project.findUniqueOrThrow({ where: { id: p1.id } })).toMatchObject({
      usedInstances: 8,
      usedVcpus: 17,
      usedMemoryMb: 10_000 - 3 * 512,
      usedDiskGb: 97,
    });
    expect(await t.db.project.findUniqueOrThrow({ where: { id: p2.id } })).toMatchObject({
      usedInstances: 9,
      usedVcpus: 16,
      usedMemoryMb: 10_000 - 4 * 512,
      usedDiskGb: 96,
    });
    // every delete's operation ends, as one alone did, once
    for (const o of ops)
      expect(await t.db.operation.findUniqueOrThrow({ where: { id: o.id } })).toMatchObject({
        status: 'succeeded',
        attempts: 1,
      });
    expect((await events([a.id, ops[0]!.id])).map((e) => e.type)).toEqual(['vm.state', 'operation.status']);
    expect(await events([changed.id])).toEqual([]);
  });

  it('racing delete batches over the same hosts in opposite orders neither deadlock nor lose usage', async () => {
    const p = await project('race');
    await t.db.project.update({ where: { id: p.id }, data: { usedInstances: 20, usedVcpus: 40 } });
    const hosts = [await host('hr1'), await host('hr2'), await host('hr3')];
    const vms = [];
    for (let i = 0; i < 12; i++) {
      const v = await vm(p.id, 'deleting', hosts[i % 3]!.id);
      await allocate(v, hosts[i % 3]!.id);
      vms.push({ vm: v, op: await op('delete', p.id, v.id) });
    }
    await Promise.all([finishDeletedVms(t.db, vms.slice(0, 6)), finishDeletedVms(t.db, vms.slice(6).reverse())]);
    for (const h of hosts) expect((await t.db.host.findUniqueOrThrow({ where: { id: h.id } })).usedInstances).toBe(6);
    expect((await t.db.project.findUniqueOrThrow({ where: { id: p.id } })).usedInstances).toBe(8);
  });
});
