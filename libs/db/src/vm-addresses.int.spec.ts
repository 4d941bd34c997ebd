import { randomUUID } from 'node:crypto';
import { randomMacs } from '@xenplane/domain';
import { createTestDatabase, seedTestCatalog, type TestCatalog, type TestDatabase } from '@xenplane/testing';
import { finishDeletedVms } from './operation-ends';
import { OperationRepository } from './repositories/operation.repository';
import { type BatchOutcome, createVmBatch, type NewVm, type VmBatch } from './vm-creation';
import { vmVifs } from './vm-vifs';

/**
 * Addresses and MACs taken in the statement that creates the VMs (xenplane_take_addresses, the
 * migration says how), against a real Postgres: never one address twice however many creates
 * race, nothing written when a network runs out, every address given back with its VM.
 */
describe('VM addresses (real Postgres)', () => {
  let t: TestDatabase;
  let c: TestCatalog;

  beforeAll(async () => {
    t = await createTestDatabase('vm_addresses');
    c = await seedTestCatalog(t.db);
  });
  afterAll(() => t.drop());

  let n = 0;
  const network = (range: { cidr?: string; rangeStart?: string; rangeEnd?: string; gateway?: string } = {}) =>
    t.db.network.create({
      data: {
        poolId: c.poolId,
        name: `net-${++n}`,
        bridge: 'xenbr0',
        cidr: range.cidr ?? '10.10.0.0/24',
        gateway: range.gateway ?? '10.10.0.1',
        rangeStart: range.rangeStart ?? '10.10.0.1',
        rangeEnd: range.rangeEnd ?? '10.10.0.254',
      },
    });
  const project = () => t.db.project.create({ data: { name: `p-${randomUUID()}` } });

  /** A batch of `count` VMs in the project, each with one vif on each network given. */
  const batch = (projectId: string, count: number, networkIds: string[]): VmBatch => {
    const vms: NewVm[] = Array.from({ length: count }, (_, i) => ({
      id: randomUUID(),
      name: `v-${i}`,
      flavorId: c.flavorId,
      imageId: c.imageId,
      guestType: 'pv',
      vcpus: 1,
      memoryMb: 128,
      diskGb: 1,
      poolId: c.poolId,
      serverGroupId: null,
      haPriority: 'none',
      metadata: {},
      userData: null,
      sshKeys: [],
      expiresAt: null,
    }));
    return {
      projectId,
      usage: { instances: count, vcpus: count, memoryMb: 128 * count, diskGb: count },
      vms,
      ops: vms.map((v) => ({ id: randomUUID(), vmId: v.id, params: {}, correlationId: null, requestedBy: null })),
      vifs: vms.flatMap((v) => networkIds.map((networkId, device) => ({ vmId: v.id, device, networkId }))),
      disks: [],
      now: new Date(),
    };
  };
  const created = (o: BatchOutcome) => {
    if (!o.created) throw new Error(`refused: ${o.refused}`);
    return o;
  };
  const rowsOf = async (projectId: string) => ({
    vms: await t.db.vm.count({ where: { projectId } }),
    operations: await t.db.operation.count({ where: { projectId } }),
    events: await t.db.event.count({ where: { projectId } }),
    usedInstances: (await t.db.project.findUniqueOrThrow({ where: { id: projectId } })).usedInstances,
  });
  const ipsOf = async (networkId: string) =>
    (await t.db.vmAddress.findMany({ where: { networkId }, orderBy: { createdAt: 'asc' } })).map((a) => a.ip);

  it('gives each VM one address and MAC per network, in the range, never the gateway, as stored', async () => {
    const lan = await network({ rangeStart: '10.10.0.1', rangeEnd: '10.10.0.4' });
    const dmz = await network({
      cidr: '192.168.5.0/24',
      gateway: '192.168.5.1',
      rangeStart: '192.168.5.10',
      rangeEnd: '192.168.5.20',
    });
    const p = await project();
    const b = batch(p.id, 3, [lan.id, dmz.id]);
    const out = created(await createVmBatch(t.db, b));

    const stored = await t.db.vmAddress.findMany({ where: { vmId: { in: b.vms.map((v) => v.id) } } });
    expect(out.addresses).toHaveLength(6);
    expect(new Set(out.addresses.map((a) => a.mac)).size).toBe(6);
    for (const a of out.addresses) {
      expect(a.mac).toMatch(/^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
      expect(stored.find((s) => s.vmId === a.vmId && s.device === a.device)).toMatchObject({
        networkId: a.networkId,
        mac: a.mac,
        ip: a.ip,
      });
    }
    // the gateway (the range's first address here) is skipped; next-fit from the start
    expect(
      out.addresses
        .filter((a) => a.networkId === lan.id)
        .map((a) => a.ip)
        .sort(),
    ).toEqual(['10.10.0.2', '10.10.0.3', '10.10.0.4']);
    expect(out.addresses.filter((a) => a.device === 1).every((a) => a.networkId === dmz.id)).toBe(true);
    expect(await vmVifs(t.db, b.vms[0]!.id)).toEqual([
      expect.objectContaining({ device: 0, bridge: 'xenbr0', networkId: lan.id, network: lan.name }),
      expect.objectContaining({ device: 1, bridge: 'xenbr0', networkId: dmz.id, network: dmz.name }),
    ]);
  });

  it('never gives an address twice when 200 creates of 200 projects race for a /24', async () => {
    const lan = await network();
    const projects = await Promise.all(Array.from({ length: 200 }, () => project()));
    // one project each: nothing but the network's lock orders them (a project's row would)
    const outcomes = await Promise.all(projects.map((p) => createVmBatch(t.db, batch(p.id, 1, [lan.id]))));
    expect(outcomes.filter((o) => !o.created)).toEqual([]);
    const ips = await ipsOf(lan.id);
    expect(ips).toHaveLength(200);
    expect(new Set(ips).size).toBe(200);
    expect(ips).not.toContain('10.10.0.1');
    expect(new Set(outcomes.flatMap((o) => (o.created ? o.addresses.map((a) => a.mac) : []))).size).toBe(200);
  });

  it('runs out cleanly: the creates past the range are refused with the network named, and wrote nothing', async () => {
    const small = await network({ rangeStart: '10.10.0.10', rangeEnd: '10.10.0.19' });
    const projects = await Promise.all(Array.from({ length: 30 }, () => project()));
    const outcomes = await Promise.all(projects.map((p) => createVmBatch(t.db, batch(p.id, 1, [small.id]))));
    expect(outcomes.filter((o) => o.created)).toHaveLength(10);
    const refused = projects.filter((_, i) => !outcomes[i]!.created);
    expect(outcomes.filter((o) => !o.created)).toEqual(
      refused.map(() => ({ created: false, refused: 'addresses_exhausted', networkId: small.id })),
    );
    for (const p of refused) expect(await rowsOf(p.id)).toEqual({ vms: 0, operations: 0, events: 0, usedInstances: 0 });
    expect(new Set(await ipsOf(small.id)).size).toBe(10);
  });

  it('refuses a batch bigger than what is left whole, and leaves the network as it was', async () => {
    const small = await network({ rangeStart: '10.10.0.10', rangeEnd: '10.10.0.14' });
    const p = await project();
    created(await createVmBatch(t.db, batch(p.id, 2, [small.id])));
    const before = await t.db.network.findUniqueOrThrow({ where: { id: small.id } });
    const q = await project();
    expect(await createVmBatch(t.db, batch(q.id, 4, [small.id]))).toEqual({
      created: false,
      refused: 'addresses_exhausted',
      networkId: small.id,
    });
    expect(await rowsOf(q.id)).toEqual({ vms: 0, operations: 0, events: 0, usedInstances: 0 });
    expect(await t.db.network.findUniqueOrThrow({ where: { id: small.id } })).toEqual(before);
    expect(await ipsOf(small.id)).toHaveLength(2);
    // what is left still goes
    expect(created(await createVmBatch(t.db, batch(q.id, 3, [small.id]))).addresses).toHaveLength(3);
  });

  it('on a bigger range: refuses when too few are left, leaving it as it was, and finds the holes spread over it', async () => {
    const wide = await network({ rangeStart: '10.10.0.10', rangeEnd: '10.10.0.249' }); // 240 addresses
    const p = await t.db.project.create({
      data: { name: `p-${randomUUID()}`, quotaInstances: 1_000, quotaVcpus: 1_000 },
    });
    const all = created(await createVmBatch(t.db, batch(p.id, 235, [wide.id])));
    const before = await t.db.network.findUniqueOrThrow({ where: { id: wide.id } });
    // 5 free, 10 asked: the walk meets only used addresses past the last 5, and counts
    expect(await createVmBatch(t.db, batch(p.id, 10, [wide.id]))).toEqual({
      created: false,
      refused: 'addresses_exhausted',
      networkId: wide.id,
    });
    expect(await t.db.network.findUniqueOrThrow({ where: { id: wide.id } })).toEqual(before);
    // free every tenth address: 23 holes spread over the range (and the 5 at its end)
    const freed = all.addresses.filter((_, i) => i % 10 === 5);
    await t.db.vmAddress.deleteMany({ where: { mac: { in: freed.map((a) => a.mac) } } });
    const holes = created(await createVmBatch(t.db, batch(p.id, 28, [wide.id])));
    expect(holes.addresses.map((a) => a.ip).sort()).toEqual(
      [...freed.map((a) => a.ip), '10.10.0.245', '10.10.0.246', '10.10.0.247', '10.10.0.248', '10.10.0.249'].sort(),
    );
    expect(await ipsOf(wide.id)).toHaveLength(240);
  });

  it('takes no address when the quota refuses the batch', async () => {
    const lan = await network();
    const p = await t.db.project.create({ data: { name: `p-${randomUUID()}`, quotaInstances: 1 } });
    expect(await createVmBatch(t.db, batch(p.id, 2, [lan.id]))).toEqual({ created: false, refused: 'quota' });
    expect(await ipsOf(lan.id)).toEqual([]);
    expect((await t.db.network.findUniqueOrThrow({ where: { id: lan.id } })).nextOffset).toBe(0);
  });

  it('gives addresses back when the VMs are deleted, and hands them out again once the range comes round', async () => {
    const tiny = await network({ rangeStart: '10.10.0.10', rangeEnd: '10.10.0.12' });
    const p = await project();
    const b = batch(p.id, 3, [tiny.id]);
    const out = created(await createVmBatch(t.db, b));
    const gone = b.vms[1]!;
    const freed = out.addresses.find((a) => a.vmId === gone.id)!;
    await t.db.vm.update({ where: { id: gone.id }, data: { state: 'deleting' } });
    await finishDeletedVms(t.db, [
      {
        vm: { ...gone, projectId: p.id, hostId: null, state: 'deleting' },
        op: { id: b.ops[1]!.id, projectId: p.id, kind: 'delete' },
      },
    ]);
    expect(await vmVifs(t.db, gone.id)).toEqual([]);
    expect(await t.db.vmAddress.count({ where: { mac: freed.mac } })).toBe(0);
    const again = created(await createVmBatch(t.db, batch(p.id, 1, [tiny.id])));
    expect(again.addresses.map((a) => a.ip)).toEqual([freed.ip]);
  });

  it('gives addresses back when a create is cancelled before it started', async () => {
    const lan = await network();
    const p = await project();
    const b = batch(p.id, 1, [lan.id]);
    created(await createVmBatch(t.db, b));
    const op = await t.db.operation.findUniqueOrThrow({ where: { id: b.ops[0]!.id } });
    expect(await new OperationRepository(t.db).cancelQueued(op, () => 'deleted')).not.toBeNull();
    expect(await ipsOf(lan.id)).toEqual([]);
  });

  it('skips a MAC already in use, and sends the batch again with new ones when every candidate is taken', async () => {
    const lan = await network();
    const p = await project();
    const first = created(await createVmBatch(t.db, batch(p.id, 1, [lan.id])));
    const taken = first.addresses[0]!.mac;
    const fresh = randomMacs(6);
    // first candidate taken, the second free: no second statement
    const calls: number[] = [];
    const skip = created(
      await createVmBatch(t.db, batch(p.id, 1, [lan.id]), (k) => (calls.push(k), [taken, fresh[0]!, fresh[1]!])),
    );
    expect(skip.addresses[0]!.mac).toBe(fresh[0]);
    expect(calls).toEqual([3]);
    // every candidate taken: the unique index refuses it, and the batch goes again with others
    const draws = [[taken, taken, taken], fresh.slice(3, 6)];
    const retried = created(await createVmBatch(t.db, batch(p.id, 1, [lan.id]), () => draws.shift()!));
    expect(retried.addresses[0]!.mac).toBe(fresh[3]);
    expect(draws).toEqual([]);
    // and it gives up after a few, writing nothing
    const q = await project();
    await expect(createVmBatch(t.db, batch(q.id, 1, [lan.id]), () => [taken, taken, taken])).rejects.toThrow(
      /vm_addresses_mac_key/,
    );
    expect(await rowsOf(q.id)).toEqual({ vms: 0, operations: 0, events: 0, usedInstances: 0 });
  });

  it('says so when a network was deleted before the statement ran', async () => {
    const lan = await network();
    await t.db.network.delete({ where: { id: lan.id } });
    const p = await project();
    expect(await createVmBatch(t.db, batch(p.id, 1, [lan.id]))).toEqual({
      created: false,
      refused: 'network_gone',
      networkId: lan.id,
    });
    expect(await rowsOf(p.id)).toEqual({ vms: 0, operations: 0, events: 0, usedInstances: 0 });
  });
});
