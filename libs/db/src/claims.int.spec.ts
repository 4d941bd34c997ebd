import { createTestDatabase, createTestHost, seedTestCatalog, type TestDatabase } from '@xenplane/testing';
import { claimHost, claimHostInGroup, releaseAllocations } from './claims';

describe('claims (real Postgres)', () => {
  let t: TestDatabase;
  let poolId: string;
  let projectId: string;
  let flavorId: string;
  let imageId: string;

  beforeAll(async () => {
    t = await createTestDatabase('claims');
    ({ poolId, projectId, flavorId, imageId } = await seedTestCatalog(t.db));
  });
  afterAll(() => t.drop());

  const host = (memoryMb: number, state: 'up' | 'down' = 'up') => createTestHost(t.db, poolId, memoryMb, state);
  const vm = (state: 'scheduling' | 'deleting' = 'scheduling', serverGroupId?: string) =>
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
        state,
        serverGroupId: serverGroupId ?? null,
      },
    });
  const req = (vmId: string, hostId: string) => ({ vmId, hostId, vcpus: 1, memoryMb: 1024, diskGb: 1, epoch: 1 });

  it('never lets racing claims overcommit a host', async () => {
    const h = await host(5 * 1024);
    const vms = await Promise.all(Array.from({ length: 12 }, () => vm()));
    const results = await Promise.all(vms.map((v) => claimHost(t.db, req(v.id, h.id))));
    expect(results.filter((r) => r.result === 'claimed')).toHaveLength(5);
    const after = await t.db.host.findUniqueOrThrow({ where: { id: h.id } });
    expect(after.usedMemoryMb).toBe(5 * 1024);
    expect(after.usedInstances).toBe(5);
    const placed = await t.db.vm.count({ where: { hostId: h.id, state: 'building' } });
    expect(placed).toBe(5);
    expect(await t.db.allocation.count({ where: { hostId: h.id } })).toBe(5);
  });

  it('refuses a host that is not up', async () => {
    const h = await host(8192, 'down');
    const v = await vm();
    expect(await claimHost(t.db, req(v.id, h.id))).toMatchObject({ result: 'host_full' });
  });

  it('undoes the whole claim when the VM is no longer waiting for a host', async () => {
    const h = await host(8192);
    const v = await vm('deleting');
    expect(await claimHost(t.db, req(v.id, h.id))).toMatchObject({ result: 'vm_gone' });
    const after = await t.db.host.findUniqueOrThrow({ where: { id: h.id } });
    expect(after.usedMemoryMb).toBe(0);
    expect(await t.db.allocation.count({ where: { vmId: v.id } })).toBe(0);
  });

  it('claims a VM once, however often it is tried', async () => {
    const [h1, h2] = await Promise.all([host(8192), host(8192)]);
    const v = await vm();
    const results = await Promise.all([claimHost(t.db, req(v.id, h1.id)), claimHost(t.db, req(v.id, h2.id))]);
    expect(results.filter((r) => r.result === 'claimed')).toHaveLength(1);
    expect(await t.db.allocation.count({ where: { vmId: v.id } })).toBe(1);
  });

  it('keeps anti-affinity members apart when they race for one host', async () => {
    const h = await host(16 * 1024);
    const group = await t.db.serverGroup.create({ data: { projectId, name: 'g', policy: 'anti_affinity' } });
    const members = await Promise.all(Array.from({ length: 6 }, () => vm('scheduling', group.id)));
    const results = await Promise.all(
      members.map((m) =>
        claimHostInGroup(t.db, { ...req(m.id, h.id), serverGroup: { id: group.id, policy: 'anti_affinity' } }),
      ),
    );
    expect(results.filter((r) => r.result === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r.result === 'group_conflict')).toHaveLength(5);
  });

  it('moves the placing operation to its next step, and names the host, in the same statement', async () => {
    const h = await host(8192);
    const v = await vm();
    const op = await t.db.operation.create({
      data: { kind: 'create', status: 'running', projectId, vmId: v.id, step: 'placing' },
    });
    const outcome = await claimHost(t.db, {
      ...req(v.id, h.id),
      operation: { id: op.id, step: 'building', progress: 40 },
    });
    expect(outcome).toEqual({ result: 'claimed', host: { id: h.id, name: h.name, address: h.address } });
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: op.id } })).toMatchObject({
      hostId: h.id,
      step: 'building',
      progress: 40,
    });
  });

  it('leaves the operation alone when the claim fails', async () => {
    const h = await host(512);
    const v = await vm();
    const op = await t.db.operation.create({
      data: { kind: 'create', status: 'running', projectId, vmId: v.id, step: 'placing' },
    });
    expect(
      await claimHost(t.db, { ...req(v.id, h.id), operation: { id: op.id, step: 'building', progress: 40 } }),
    ).toEqual({ result: 'host_full' });
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: op.id } })).toMatchObject({
      hostId: null,
      step: 'placing',
      progress: 0,
    });
  });

  it('releases what a VM held', async () => {
    const h = await host(8192);
    const v = await vm();
    await claimHost(t.db, req(v.id, h.id));
    expect(await releaseAllocations(t.db, v.id)).toBe(1);
    const after = await t.db.host.findUniqueOrThrow({ where: { id: h.id } });
    expect([after.usedMemoryMb, after.usedVcpus, after.usedInstances]).toEqual([0, 0, 0]);
    expect(await releaseAllocations(t.db, v.id)).toBe(0);
  });
});
