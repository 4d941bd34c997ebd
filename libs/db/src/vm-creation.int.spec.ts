import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@xenplane/testing';
import { createVmBatch, type NewVm } from './vm-creation';

describe('createVmBatch (real Postgres)', () => {
  let t: TestDatabase;
  let flavorId: string;
  let imageId: string;

  beforeAll(async () => {
    t = await createTestDatabase('vm_creation');
    flavorId = (await t.db.flavor.create({ data: { name: 'f', vcpus: 2, memoryMb: 512, diskGb: 3 } })).id;
    imageId = (await t.db.image.create({ data: { name: 'i', guestType: 'pvh', sizeGb: 1 } })).id;
  });
  afterAll(() => t.drop());

  const project = (instances: number) =>
    t.db.project.create({ data: { name: `p-${randomUUID()}`, quotaInstances: instances } });
  const batch = (projectId: string, count: number) => {
    const now = new Date();
    const vms: NewVm[] = Array.from({ length: count }, (_, i) => ({
      id: randomUUID(),
      name: `v-${i}`,
      flavorId,
      imageId,
      guestType: 'pvh',
      vcpus: 2,
      memoryMb: 512,
      diskGb: 3,
      poolId: null,
      serverGroupId: null,
      haPriority: i === 0 ? 'high' : 'none',
      metadata: { team: 'ci', "it's": 'quoted "x"' },
      userData: i === 0 ? '#!/bin/sh' : null,
      sshKeys: i === 0 ? ['ssh-ed25519 AAAA "quoted", {braced}', 'ssh-rsa BBBB'] : [],
      expiresAt: i === 0 ? new Date(now.getTime() + 60_000) : null,
    }));
    const ops = vms.map((v) => ({
      id: randomUUID(),
      vmId: v.id,
      params: { poolId: null },
      correlationId: 'corr',
      requestedBy: null,
    }));
    return {
      projectId,
      usage: { instances: count, vcpus: 2 * count, memoryMb: 512 * count, diskGb: 3 * count },
      vms,
      ops,
      vifs: [],
      disks: [],
      now,
    };
  };

  it('writes the VMs, their operations, the quota and the events, and returns the rows exactly as stored', async () => {
    const p = await project(10);
    const b = batch(p.id, 3);
    const created = await createVmBatch(t.db, b);
    if (!created.created) throw new Error(`refused: ${created.refused}`);
    const ids = b.vms.map((v) => v.id);
    expect(created.vms).toEqual(await t.db.vm.findMany({ where: { id: { in: ids } }, orderBy: { name: 'asc' } }));
    const opsStored = await t.db.operation.findMany({ where: { vmId: { in: ids } } });
    expect(created.addresses).toEqual([]);
    expect(created.ops).toEqual(ids.map((id) => opsStored.find((o) => o.vmId === id)));
    expect(await t.db.project.findUniqueOrThrow({ where: { id: p.id } })).toMatchObject({
      usedInstances: 3,
      usedVcpus: 6,
      usedMemoryMb: 1536,
      usedDiskGb: 9,
    });
    const events = await t.db.event.findMany({ where: { projectId: p.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.resourceId, e.type])).toEqual([
      ...ids.map((id) => [id, 'vm.state']),
      ...b.ops.map((o) => [o.id, 'operation.status']),
    ]);
    expect(events[3]!.data).toEqual({ kind: 'create', status: 'queued', progress: 0, vmId: ids[0], errorCode: null });
  });

  it('writes nothing at all when the batch does not fit the quota', async () => {
    const p = await project(2);
    const b = batch(p.id, 3);
    expect(await createVmBatch(t.db, b)).toEqual({ created: false, refused: 'quota' });
    expect(await t.db.vm.count({ where: { projectId: p.id } })).toBe(0);
    expect(await t.db.operation.count({ where: { projectId: p.id } })).toBe(0);
    expect(await t.db.event.count({ where: { projectId: p.id } })).toBe(0);
    expect((await t.db.project.findUniqueOrThrow({ where: { id: p.id } })).usedInstances).toBe(0);
  });

  it('refuses a batch whose usage would pass the integer range as over quota, not as an error', async () => {
    const p = await t.db.project.create({
      data: { name: `p-${randomUUID()}`, quotaMemoryMb: 1_000_000_000, usedMemoryMb: 900_000_000 },
    });
    // 100 VMs of 16 TiB: 1,677,721,600 MB, which added to the usage leaves a Postgres integer
    const b = batch(p.id, 1);
    const huge = { ...b, usage: { instances: 100, vcpus: 100, memoryMb: 100 * 16 * 1024 * 1024, diskGb: 100 } };
    expect(await createVmBatch(t.db, huge)).toEqual({ created: false, refused: 'quota' });
    expect(await t.db.vm.count({ where: { projectId: p.id } })).toBe(0);
    expect(await t.db.project.findUniqueOrThrow({ where: { id: p.id } })).toMatchObject({
      usedInstances: 0,
      usedMemoryMb: 900_000_000,
    });
  });

  it('lets two batches racing for the last of a quota not both win', async () => {
    const p = await project(4);
    const results = await Promise.all([createVmBatch(t.db, batch(p.id, 3)), createVmBatch(t.db, batch(p.id, 3))]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await t.db.vm.count({ where: { projectId: p.id } })).toBe(3);
  });
});
