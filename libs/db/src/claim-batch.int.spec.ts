import { createTestDatabase, createTestHost, seedTestCatalog, type TestDatabase } from '@xenplane/testing';
import { claimHosts } from './claim-batch';
import type { ClaimRequest } from './claims';

describe('batched claims (real Postgres)', () => {
  let t: TestDatabase;
  let poolId: string;
  let projectId: string;
  let flavorId: string;
  let imageId: string;

  beforeAll(async () => {
    t = await createTestDatabase('claim_batch');
    ({ poolId, projectId, flavorId, imageId } = await seedTestCatalog(t.db));
  });
  afterAll(() => t.drop());

  const host = (memoryMb: number, state: 'up' | 'down' = 'up') => createTestHost(t.db, poolId, memoryMb, state);
  const vm = (state: 'scheduling' | 'deleting' = 'scheduling') =>
    t.db.vm.create({
      data: { projectId, name: 'v', flavorId, imageId, guestType: 'pv', vcpus: 1, memoryMb: 1024, diskGb: 1, state },
    });
  const req = (vmId: string, hostId: string): ClaimRequest => ({
    vmId,
    hostId,
    vcpus: 1,
    memoryMb: 1024,
    diskGb: 1,
    epoch: 1,
  });
  const usage = async (hostId: string) => {
    const h = await t.db.host.findUniqueOrThrow({ where: { id: hostId } });
    const allocations = await t.db.allocation.findMany({ where: { hostId } });
    return {
      used: h.usedMemoryMb,
      instances: h.usedInstances,
      allocated: allocations.reduce((s, a) => s + a.memoryMb, 0),
      placed: await t.db.vm.count({ where: { hostId } }),
    };
  };

  it('claims every VM of a batch across hosts, with allocations, events and operation steps', async () => {
    const [h1, h2] = await Promise.all([host(4096), host(4096)]);
    const vms = await Promise.all(Array.from({ length: 4 }, () => vm()));
    const ops = await Promise.all(
      vms.map((v) =>
        t.db.operation.create({ data: { kind: 'create', status: 'running', projectId, vmId: v.id, step: 'placing' } }),
      ),
    );
    const outcomes = await claimHosts(
      t.db,
      vms.map((v, i) => ({
        ...req(v.id, i % 2 ? h2.id : h1.id),
        operation: { id: ops[i]!.id, step: 'building', progress: 40 },
      })),
    );
    expect(outcomes.map((o) => o.result)).toEqual(['claimed', 'claimed', 'claimed', 'claimed']);
    expect(outcomes[1]).toEqual({ result: 'claimed', host: { id: h2.id, name: h2.name, address: h2.address } });
    expect(await usage(h1.id)).toEqual({ used: 2048, instances: 2, allocated: 2048, placed: 2 });
    expect(await usage(h2.id)).toEqual({ used: 2048, instances: 2, allocated: 2048, placed: 2 });
    for (const op of ops)
      expect(await t.db.operation.findUniqueOrThrow({ where: { id: op.id } })).toMatchObject({
        step: 'building',
        progress: 40,
      });
    const events = await t.db.event.findMany({
      where: { resourceId: { in: vms.map((v) => v.id) } },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => e.resourceId)).toEqual(vms.map((v) => v.id));
    expect(events.map((e) => (e.data as { state: string }).state)).toEqual([
      'building',
      'building',
      'building',
      'building',
    ]);
  });

  it("admits a host's claims together or not at all, and leaves the others claimed", async () => {
    const [small, big] = await Promise.all([host(2048), host(8192)]);
    const vms = await Promise.all(Array.from({ length: 5 }, () => vm()));
    const outcomes = await claimHosts(t.db, [
      req(vms[0]!.id, small.id),
      req(vms[1]!.id, big.id),
      req(vms[2]!.id, small.id),
      req(vms[3]!.id, small.id),
      req(vms[4]!.id, big.id),
    ]);
    expect(outcomes.map((o) => o.result)).toEqual(['host_full', 'claimed', 'host_full', 'host_full', 'claimed']);
    expect(await usage(small.id)).toEqual({ used: 0, instances: 0, allocated: 0, placed: 0 });
    expect(await usage(big.id)).toEqual({ used: 2048, instances: 2, allocated: 2048, placed: 2 });
    expect(
      await t.db.vm.count({
        where: { id: { in: [vms[0]!.id, vms[2]!.id, vms[3]!.id] }, state: 'scheduling', hostId: null },
      }),
    ).toBe(3);
  });

  it('refuses a host that is not up', async () => {
    const [down, up] = await Promise.all([host(8192, 'down'), host(8192)]);
    const [a, b] = await Promise.all([vm(), vm()]);
    expect((await claimHosts(t.db, [req(a.id, down.id), req(b.id, up.id)])).map((o) => o.result)).toEqual([
      'host_full',
      'claimed',
    ]);
  });

  it('does not let one VM that left `scheduling` cost the others their claim, nor leak its own', async () => {
    const h = await host(8192);
    const [a, gone, b] = await Promise.all([vm(), vm('deleting'), vm()]);
    const outcomes = await claimHosts(t.db, [req(a.id, h.id), req(gone.id, h.id), req(b.id, h.id)]);
    expect(outcomes.map((o) => o.result)).toEqual(['claimed', 'vm_gone', 'claimed']);
    expect(await usage(h.id)).toEqual({ used: 2048, instances: 2, allocated: 2048, placed: 2 });
  });

  it('never overcommits a host however many batches race for it, and never places a VM twice', async () => {
    const hosts = await Promise.all([host(5 * 1024), host(3 * 1024), host(4 * 1024)]);
    const vms = await Promise.all(Array.from({ length: 30 }, () => vm()));
    // six racing batches of ten, each VM asked of two hosts by two different batches
    const batches = Array.from({ length: 6 }, (_, b) =>
      Array.from({ length: 10 }, (_, i) => req(vms[(b * 5 + i) % 30]!.id, hosts[(b + i) % 3]!.id)),
    );
    const results = (await Promise.all(batches.map((batch) => claimHosts(t.db, batch)))).flat();
    const claimed = results.filter((r) => r.result === 'claimed').length;
    const placed = await t.db.vm.count({ where: { id: { in: vms.map((v) => v.id) }, state: 'building' } });
    expect(claimed).toBe(placed);
    expect(await t.db.allocation.count({ where: { vmId: { in: vms.map((v) => v.id) } } })).toBe(placed);
    for (const [i, h] of hosts.entries()) {
      const u = await usage(h.id);
      expect(u.used).toBeLessThanOrEqual([5, 3, 4][i]! * 1024);
      expect(u).toEqual({ used: u.allocated, instances: u.placed, allocated: u.allocated, placed: u.placed });
    }
  });
});
