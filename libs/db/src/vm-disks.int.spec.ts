import { randomUUID } from 'node:crypto';
import { planVmDisks, vmDiskGb } from '@xenplane/domain';
import {
  createTestDatabase,
  createTestHost,
  seedTestCatalog,
  type TestCatalog,
  type TestDatabase,
} from '@xenplane/testing';
import { claimHost } from './claims';
import { VmRepository } from './repositories/vm.repository';
import { type BatchOutcome, createVmBatch, type NewVm, type VmBatch } from './vm-creation';

describe("a VM's disks, written with it (real Postgres)", () => {
  let t: TestDatabase;
  let c: TestCatalog;
  let localId: string;

  beforeAll(async () => {
    t = await createTestDatabase('vm_disks');
    c = await seedTestCatalog(t.db);
    localId = (await t.db.storagePool.findFirstOrThrow({ where: { poolId: c.poolId, isDefault: true } })).id;
  });
  afterAll(() => t.drop());

  const project = (diskGb: number) => t.db.project.create({ data: { name: `p-${randomUUID()}`, quotaDiskGb: diskGb } });

  /** `count` VMs of a 10 GB flavor with data disks `dataGb` each, as the API makes the batch. */
  const batch = (projectId: string, count: number, dataGb: number[], poolId: string | null): VmBatch => {
    const diskGb = vmDiskGb(10, dataGb);
    const vms: NewVm[] = Array.from({ length: count }, (_, i) => ({
      id: randomUUID(),
      name: `v-${i}`,
      flavorId: c.flavorId,
      imageId: c.imageId,
      guestType: 'pv',
      vcpus: 1,
      memoryMb: 128,
      diskGb,
      poolId,
      serverGroupId: null,
      haPriority: 'none',
      metadata: {},
      userData: null,
      sshKeys: [],
      expiresAt: null,
    }));
    const planned = planVmDisks({ guestType: 'pv', rootGb: 10, rootImageId: c.imageId, dataGb });
    return {
      projectId,
      usage: { instances: count, vcpus: count, memoryMb: 128 * count, diskGb: diskGb * count },
      vms,
      ops: vms.map((v) => ({ id: randomUUID(), vmId: v.id, params: {}, correlationId: null, requestedBy: null })),
      vifs: [],
      disks: vms.flatMap((v) => planned.map((d) => ({ ...d, vmId: v.id }))),
      now: new Date(),
    };
  };
  const created = (o: BatchOutcome) => {
    if (!o.created) throw new Error(`refused: ${o.refused}`);
    return o;
  };

  it('writes each VM’s root and data disks in its pool’s default storage pool, and counts them in the quota', async () => {
    const p = await project(1000);
    const b = batch(p.id, 2, [5, 20], c.poolId);
    created(await createVmBatch(t.db, b));
    for (const vm of b.vms) {
      const rows = await t.db.disk.findMany({ where: { vmId: vm.id }, orderBy: { device: 'asc' } });
      expect(rows.map((d) => [d.kind, d.device, d.sizeGb, d.imageId, d.storagePoolId])).toEqual([
        ['root', 'xvda', 10, c.imageId, localId],
        ['data', 'xvdb', 5, null, localId],
        ['data', 'xvdc', 20, null, localId],
      ]);
      expect((await t.db.vm.findUniqueOrThrow({ where: { id: vm.id } })).diskGb).toBe(35);
    }
    expect((await t.db.project.findUniqueOrThrow({ where: { id: p.id } })).usedDiskGb).toBe(70);
  });

  it('writes nothing, disks included, when the data disks take the batch over the disk quota', async () => {
    const p = await project(69);
    const b = batch(p.id, 2, [5, 20], c.poolId);
    expect(await createVmBatch(t.db, b)).toEqual({ created: false, refused: 'quota' });
    const ids = b.vms.map((v) => v.id);
    expect(await t.db.vm.count({ where: { id: { in: ids } } })).toBe(0);
    expect(await t.db.disk.count({ where: { vmId: { in: ids } } })).toBe(0);
    expect(await t.db.project.findUniqueOrThrow({ where: { id: p.id } })).toMatchObject({
      usedInstances: 0,
      usedDiskGb: 0,
    });
  });

  it('puts the disks of a VM created without a pool in the default storage pool of the pool its claim places it in', async () => {
    const p = await project(1000);
    const b = batch(p.id, 1, [7], null);
    created(await createVmBatch(t.db, b));
    const vm = b.vms[0]!;
    expect((await t.db.disk.findMany({ where: { vmId: vm.id } })).map((d) => d.storagePoolId)).toEqual([null, null]);
    await t.db.vm.update({ where: { id: vm.id }, data: { state: 'scheduling' } });
    const h = await createTestHost(t.db, c.poolId);
    const claim = { vmId: vm.id, hostId: h.id, vcpus: 1, memoryMb: 128, diskGb: vm.diskGb, epoch: 1 };
    expect(await claimHost(t.db, claim)).toMatchObject({ result: 'claimed' });
    expect((await t.db.disk.findMany({ where: { vmId: vm.id } })).map((d) => d.storagePoolId)).toEqual([
      localId,
      localId,
    ]);
    expect((await t.db.host.findUniqueOrThrow({ where: { id: h.id } })).usedDiskGb).toBe(17);
  });

  it('reads a VM’s disks back in device order, and they go when its row does', async () => {
    const local = { storagePoolId: localId, sharedDevice: null, offsetMb: null };
    const p = await project(1000);
    const b = batch(p.id, 1, [1, 2], c.poolId);
    created(await createVmBatch(t.db, b));
    const vm = b.vms[0]!;
    expect(await new VmRepository(t.db).disks(vm.id)).toEqual([
      { kind: 'root', device: 'xvda', sizeGb: 10, imageId: c.imageId, ...local },
      { kind: 'data', device: 'xvdb', sizeGb: 1, imageId: null, ...local },
      { kind: 'data', device: 'xvdc', sizeGb: 2, imageId: null, ...local },
    ]);
    await t.db.operation.deleteMany({ where: { vmId: vm.id } });
    await t.db.vm.delete({ where: { id: vm.id } });
    expect(await t.db.disk.count({ where: { vmId: vm.id } })).toBe(0);
  });

  describe('extents on a shared storage pool (allocateSharedExtents)', () => {
    const GiB_MB = 1024;
    it('gives VMs allocating at once extents that never overlap, all of a VM or none, and frees a deleted VM’s', async () => {
      const san = await t.db.storagePool.create({
        data: {
          poolId: c.poolId,
          name: `san-${randomUUID()}`,
          kind: 'shared',
          devicePath: '/dev/xp-shared',
          capacityGb: 50,
        },
      });
      const p = await project(10_000);
      // 4 VMs of 10 + 5 GB: 15 GiB and 2 headers each; 50 GiB holds 3 of them
      const b = batch(p.id, 4, [5], c.poolId);
      created(await createVmBatch(t.db, b));
      await t.db.disk.updateMany({ where: { vmId: { in: b.vms.map((v) => v.id) } }, data: { storagePoolId: san.id } });
      const repo = new VmRepository(t.db);

      const outcomes = await Promise.all(b.vms.map((v) => repo.allocateSharedExtents(v.id)));
      const refused = outcomes.filter((o) => o !== null);
      expect(refused).toEqual([{ storagePoolId: san.id, storagePool: san.name, wantedGb: 15 }]);
      const rows = await t.db.disk.findMany({ where: { storagePoolId: san.id } });
      const placed = rows.filter((d) => d.offsetMb !== null);
      expect(placed).toHaveLength(6);
      // the refused VM got none of its disks
      const refusedVm = b.vms[outcomes.findIndex((o) => o !== null)]!.id;
      expect(rows.filter((d) => d.vmId === refusedVm).map((d) => d.offsetMb)).toEqual([null, null]);
      const spans = placed
        .map((d) => [Number(d.offsetMb), Number(d.offsetMb) + 1 + d.sizeGb * GiB_MB] as const)
        .sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
      expect(spans[spans.length - 1]![1]).toBeLessThanOrEqual(50 * GiB_MB);
      // idempotent: a VM with extents keeps them
      const first = b.vms.find((v) => v.id !== refusedVm)!.id;
      const before = await repo.disks(first);
      expect(await repo.allocateSharedExtents(first)).toBeNull();
      expect(await repo.disks(first)).toEqual(before);
      expect(before.every((d) => d.sharedDevice === '/dev/xp-shared' && d.offsetMb !== null)).toBe(true);

      // a deleted VM's extents are free: the refused VM fits now
      await t.db.vm.update({ where: { id: first }, data: { state: 'deleted' } });
      expect(await repo.allocateSharedExtents(refusedVm)).toBeNull();
      expect((await repo.disks(refusedVm)).map((d) => d.offsetMb)).toEqual(before.map((d) => d.offsetMb));
    });
  });
});
