import { type ApiClient, Cloud, waitFor } from '@xenplane/testing';
import { expectRefused } from './helpers';

/**
 * A shared storage pool, end to end against simulated hosts (the real LUN and its device-mapper
 * mapping are the xen tier's, pool-ha.e2e.spec.ts): an admin adds one as the pool's default; new
 * VMs get extents on it, never overlapping, kept by the VM wherever it is rebuilt; a VM that does
 * not fit fails `storage_full` with nothing taken; a deleted VM's extent is handed out again;
 * snapshots and clones of such VMs are refused up front; bad input and non-admins change nothing.
 */
describe('shared storage pools', () => {
  let cloud: Cloud;
  let poolId: string;
  let tenant: ApiClient;

  beforeAll(async () => {
    cloud = await Cloud.start({
      hosts: 2,
      agentEnv: { SIM_BOOT_MS: '20', SIM_SHUTDOWN_MS: '0', AGENT_SHARED_DEVICES: '/dev/xp-shared' },
    });
    poolId = await cloud.defaultPoolId();
    const project = (await cloud.api.post('/v1/projects', { name: 'shared' })).body;
    tenant = cloud.api.withToken(
      (await cloud.api.post(`/v1/projects/${project.id}/tokens`, { name: 't', role: 'member' })).body.token,
    );
  });
  afterAll(() => cloud?.stop());

  const san = { name: 'san', kind: 'shared', devicePath: '/dev/xp-shared', capacityGb: 3, default: true };
  // xp.micro: a 1 GiB root disk (tiny-pv has no content: blank); an extent is 1 GiB + its 1 MiB header
  const create = async (name: string) => {
    const res = await tenant.post('/v1/vms', { name, flavor: 'xp.micro', image: 'tiny-pv', networks: [] });
    expect(res.status).toBe(202);
    return res.body;
  };
  const extentsOf = async (vmId: string) =>
    (await cloud.db.disk.findMany({ where: { vmId }, include: { storagePool: true } })).map((d) => ({
      device: d.device,
      storagePool: d.storagePool?.name,
      offsetMb: d.offsetMb === null ? null : Number(d.offsetMb),
    }));

  it('refuses a bad declaration, or one by a non-admin, with nothing written', async () => {
    const url = `/v1/pools/${poolId}/storage-pools`;
    await expectRefused(
      cloud,
      () => cloud.api.post(url, { ...san, devicePath: '/etc/shadow' }),
      400,
      'validation_failed',
    );
    await expectRefused(
      cloud,
      () => cloud.api.post(url, { ...san, devicePath: '/dev/../etc/x' }),
      400,
      'validation_failed',
    );
    await expectRefused(cloud, () => cloud.api.post(url, { ...san, kind: 'local' }), 400, 'validation_failed');
    await expectRefused(cloud, () => cloud.api.post(url, { ...san, capacityGb: 0 }), 400, 'validation_failed');
    await expectRefused(cloud, () => tenant.post(url, san), 403, 'forbidden');
    await expectRefused(
      cloud,
      () => cloud.api.post('/v1/pools/00000000-0000-4000-8000-000000000000/storage-pools', san),
      404,
      'not_found',
    );
    const listed = (await cloud.api.get(url)).body.items;
    expect(listed.map((s: any) => s.name)).toEqual(['local']);
  });

  it('places each new VM’s disk on its own extent of the default shared pool, and fails one that does not fit', async () => {
    const made = await cloud.api.post(`/v1/pools/${poolId}/storage-pools`, san);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      name: 'san',
      kind: 'shared',
      isDefault: true,
      devicePath: '/dev/xp-shared',
      hosts: [],
      capacity: { totalGb: 3, offeredGb: 3, usedGb: 0, freeGb: 3 },
    });
    await expectRefused(cloud, () => cloud.api.post(`/v1/pools/${poolId}/storage-pools`, san), 409, 'conflict');

    const [a, b] = [(await create('a')).vms[0], (await create('b')).vms[0]];
    await cloud.waitForVmState(a.id, 'running');
    await cloud.waitForVmState(b.id, 'running');
    const extents = [...(await extentsOf(a.id)), ...(await extentsOf(b.id))];
    expect(extents.map((e) => [e.device, e.storagePool])).toEqual([
      ['xvda', 'san'],
      ['xvda', 'san'],
    ]);
    expect(extents.map((e) => e.offsetMb).sort((x, y) => x! - y!)).toEqual([0, 1025]);
    const pools = (await cloud.api.get(`/v1/pools/${poolId}/storage-pools`)).body.items;
    expect(pools.find((s: any) => s.name === 'san').capacity).toMatchObject({ usedGb: 2, freeGb: 1 });
    expect(pools.find((s: any) => s.name === 'local').isDefault).toBe(false);

    // 3 GiB of capacity, 2 extents of 1 GiB + 1 MiB taken: a third does not fit
    const c = (await create('c')).vms[0];
    const failed = await cloud.waitForVmState(c.id, 'error');
    expect(failed.error).toMatchObject({ code: 'storage_full' });
    expect(failed.error.message).toContain('shared storage pool san has no room');
    expect(await extentsOf(c.id)).toEqual([{ device: 'xvda', storagePool: 'san', offsetMb: null }]);

    // deleted, a VM's extent goes back to the pool: the next VM gets it
    const aOffset = extents[0]!.offsetMb;
    expect((await tenant.delete(`/v1/vms/${a.id}`)).status).toBe(202);
    await cloud.waitForVmState(a.id, 'deleted');
    const d = (await create('d')).vms[0];
    await cloud.waitForVmState(d.id, 'running');
    expect(await extentsOf(d.id)).toEqual([{ device: 'xvda', storagePool: 'san', offsetMb: aOffset }]);
    await tenant.delete(`/v1/vms/${d.id}`);
    await tenant.delete(`/v1/vms/${b.id}`);
    await cloud.waitForVmState(d.id, 'deleted');
    await cloud.waitForVmState(b.id, 'deleted');
  });

  it('keeps a VM’s extent when it is built again (stopped, started) and refuses snapshots and clones of it', async () => {
    const vm = (await create('keep')).vms[0];
    await cloud.waitForVmState(vm.id, 'running');
    const [before] = await extentsOf(vm.id);
    expect(before!.offsetMb).not.toBeNull();
    const act = (action: string) => tenant.post(`/v1/vms/${vm.id}/actions`, { action });
    expect((await act('stop')).status).toBe(202);
    await cloud.waitForVmState(vm.id, 'stopped');
    await expectRefused(cloud, () => act('clone'), 409, 'conflict');
    await expectRefused(cloud, () => tenant.post(`/v1/vms/${vm.id}/snapshots`, { name: 's' }), 409, 'conflict');
    expect((await act('start')).status).toBe(202);
    await cloud.waitForVmState(vm.id, 'running');
    expect(await extentsOf(vm.id)).toEqual([before]);
  });

  it('migrates a VM on shared storage to another host: the target maps its disks first, and its extent stays', async () => {
    const vm = await cloud.waitForVmState((await create('mover')).vms[0].id, 'running');
    const [before] = await extentsOf(vm.id);
    const hosts = (await cloud.api.get('/v1/hosts')).body.items as any[];
    const other = hosts.find((h) => h.id !== vm.hostId);
    const res = await cloud.api.post(`/v1/vms/${vm.id}/actions`, { action: 'migrate', targetHostId: other.id });
    expect(res.status).toBe(202);
    const op = await cloud.waitForOperation(res.body.id);
    expect(op).toMatchObject({ status: 'succeeded' });
    expect(await cloud.waitForVmState(vm.id, 'running')).toMatchObject({ hostId: other.id });
    expect(await extentsOf(vm.id)).toEqual([before]);
    // the target was asked to map the disks before the domain moved (the timeline's steps are
    // written a moment after the operation ends: waited for)
    const names = await waitFor(
      'the migration’s agent calls in its timeline',
      async () => {
        const steps = (await cloud.api.get(`/v1/operations/${op.id}/timeline`)).body.steps as { name: string }[];
        const n = steps.map((x) => x.name);
        return n.some((x) => /MigrateDomain/i.test(x)) ? n : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const prepared = names.findIndex((n) => /PrepareIncomingMigration/i.test(n));
    const migrated = names.findIndex((n) => /MigrateDomain/i.test(n));
    expect(prepared).toBeGreaterThanOrEqual(0);
    expect(prepared).toBeLessThan(migrated);
  });
});
