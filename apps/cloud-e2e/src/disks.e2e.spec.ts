import { type ApiClient, Cloud } from '@xenplane/testing';
import { expectRefused } from './helpers';

/**
 * A VM's disks, end to end: data disks asked for on create are shown with the root disk, counted
 * in the VM's diskGb, the project's quota and its host's claim (as the storage pools route
 * shows it) and made on its host, refused whole with nothing written when they are malformed or
 * over quota, and gone from the view, the host's claim and the host once the VM is deleted.
 */
describe('disks', () => {
  let cloud: Cloud;
  let poolId: string;

  beforeAll(async () => {
    // one host, so the VM's claim is the only one the storage pool shows there
    cloud = await Cloud.start({ hosts: 1, agentEnv: { SIM_DISK_GB: '500', SIM_BOOT_MS: '20', SIM_SHUTDOWN_MS: '0' } });
    poolId = await cloud.defaultPoolId();
  });
  afterAll(() => cloud?.stop());

  const tenant = async (name: string, quota: Record<string, number> = {}): Promise<{ api: ApiClient; id: string }> => {
    const project = (await cloud.api.post('/v1/projects', { name, quota })).body;
    const token = (await cloud.api.post(`/v1/projects/${project.id}/tokens`, { name, role: 'member' })).body.token;
    return { api: cloud.api.withToken(token), id: project.id };
  };
  const usage = async (projectId: string) => (await cloud.api.get(`/v1/projects/${projectId}`)).body.usage;
  const localPool = async () => {
    const res = await cloud.api.get(`/v1/pools/${poolId}/storage-pools`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((s: any) => [s.name, s.kind, s.isDefault])).toEqual([['local', 'local', true]]);
    return res.body.items[0];
  };
  // m1.tiny: a 5 GB root disk; tiny-pv has no content, so the root disk is blank
  const valid = { name: 'd', flavor: 'm1.tiny', image: 'tiny-pv', networks: [] };

  it('shows the root and data disks, counts them in the quota and the host’s claim, and lets them go on delete', async () => {
    const t = await tenant('disks');
    const hostBefore = (await localPool()).hosts[0];
    const res = await t.api.post('/v1/vms', { ...valid, disks: [{ sizeGb: 10 }, { sizeGb: 20 }] });
    expect(res.status).toBe(202);
    const disks = [
      { device: 'xvda', kind: 'root', sizeGb: 5, image: null },
      { device: 'xvdb', kind: 'data', sizeGb: 10, image: null },
      { device: 'xvdc', kind: 'data', sizeGb: 20, image: null },
    ];
    const [created] = res.body.vms;
    expect(created).toMatchObject({ diskGb: 35, disks });
    const vm = await cloud.waitForVmState(created.id, 'running');
    expect(vm.disks).toEqual(disks);
    // the list shows them too, and a tenant sees no storage pool
    const listed = (await t.api.get('/v1/vms')).body.items;
    expect(listed.map((v: any) => v.disks)).toEqual([disks]);
    expect(JSON.stringify(listed)).not.toContain('storagePool');
    expect(await usage(t.id)).toMatchObject({ instances: 1, diskGb: 35 });

    const local = await localPool();
    const host = local.hosts.find((h: any) => h.hostId === vm.hostId);
    expect(host).toMatchObject({ state: 'up', usedGb: hostBefore.usedGb + 35 });
    expect(host.totalGb).toBe(500);
    expect(host.freeGb).toBe(host.offeredGb - host.usedGb);
    expect(local.capacity).toMatchObject({ usedGb: host.usedGb, freeGb: host.freeGb, totalGb: 500 });
    const all = (await cloud.api.get('/v1/storage-pools')).body.items;
    expect(all.find((s: any) => s.id === local.id)).toEqual(local);

    // and the host holds them: a disk per row, where the agent keeps disks
    const agent = await cloud.agentClient((await cloud.api.get(`/v1/hosts/${vm.hostId}`)).body.name);
    const stored = async () => (await agent.listStorage({ vmId: vm.id })).items;
    const onHost = (await stored()).filter((i) => i.kind === 'disk');
    expect(onHost.map((i) => [i.vmId, i.device]).sort()).toEqual([
      [vm.id, 'xvda'],
      [vm.id, 'xvdb'],
      [vm.id, 'xvdc'],
    ]);

    const del = await t.api.delete(`/v1/vms/${vm.id}`);
    expect(del.status).toBe(202);
    await cloud.waitForOperation(del.body.id);
    expect((await t.api.get(`/v1/vms/${vm.id}`)).body).toMatchObject({ state: 'deleted', disks: [] });
    expect(await usage(t.id)).toMatchObject({ instances: 0, diskGb: 0 });
    expect((await localPool()).hosts[0].usedGb).toBe(hostBefore.usedGb);
    // nothing of the VM is left on its host
    expect(await stored()).toEqual([]);
  });

  it('names an hvm guest’s disks hda, hdb, hdc, then xvde (hdd is its config drive’s), and its host makes them', async () => {
    const t = await tenant('hvm');
    const res = await t.api.post('/v1/vms', {
      ...valid,
      image: 'debian-12-hvm',
      disks: [{ sizeGb: 1 }, { sizeGb: 2 }, { sizeGb: 3 }],
    });
    expect(res.status).toBe(202);
    const vm = await cloud.waitForVmState(res.body.vms[0].id, 'running');
    expect(vm.disks.map((d: any) => [d.device, d.kind, d.sizeGb])).toEqual([
      ['hda', 'root', 5],
      ['hdb', 'data', 1],
      ['hdc', 'data', 2],
      ['xvde', 'data', 3],
    ]);
    const agent = await cloud.agentClient((await cloud.api.get(`/v1/hosts/${vm.hostId}`)).body.name);
    const items = (await agent.listStorage({ vmId: vm.id })).items;
    expect(
      items
        .filter((i) => i.kind === 'disk')
        .map((i) => i.device)
        .sort(),
    ).toEqual(['hda', 'hdb', 'hdc', 'xvde']);
    const del = await t.api.delete(`/v1/vms/${vm.id}`);
    expect(await cloud.waitForOperation(del.body.id)).toMatchObject({ status: 'succeeded' });
    expect((await agent.listStorage({ vmId: vm.id })).items).toEqual([]);
  });

  it('refuses data disks that take the request over the disk quota, writing nothing; a request that fits exactly passes', async () => {
    const t = await tenant('tight', { diskGb: 30 });
    const body = await expectRefused(
      cloud,
      () => t.api.post('/v1/vms', { ...valid, disks: [{ sizeGb: 26 }] }),
      422,
      'quota_exceeded',
    );
    expect(body.excess).toEqual([{ resource: 'diskGb', limit: 30, used: 0, requested: 31 }]);
    expect(await usage(t.id)).toMatchObject({ instances: 0, diskGb: 0 });
    const fits = await t.api.post('/v1/vms', { ...valid, disks: [{ sizeGb: 25 }] });
    expect(fits.status).toBe(202);
    expect(await usage(t.id)).toMatchObject({ instances: 1, diskGb: 30 });
    // built before the next test counts rows
    expect(await cloud.waitForOperation(fits.body.operations[0].id)).toMatchObject({ status: 'succeeded' });
  });

  it.each([
    ['a disk of 0 GB', [{ sizeGb: 0 }], 'disks.0.sizeGb'],
    ['a disk too big', [{ sizeGb: 65_537 }], 'disks.0.sizeGb'],
    ['a fractional size', [{ sizeGb: 1.5 }], 'disks.0.sizeGb'],
    ['a size as a string', [{ sizeGb: '10' }], 'disks.0.sizeGb'],
    ['a disk without a size', [{}], 'disks.0.sizeGb'],
    ['a disk with an unknown field', [{ sizeGb: 1, format: 'qcow2' }], 'disks.0.format'],
    ['nine data disks', Array.from({ length: 9 }, () => ({ sizeGb: 1 })), 'disks'],
    ['disks that are not an array', { sizeGb: 1 }, 'disks'],
    ['disks as a number', 3, 'disks'],
    ['a disk that is not an object', [5], 'disks.0'],
    ['null', null, 'disks'],
  ])('refuses %s with a 400 naming the field, writing nothing', async (_what, disks, field) => {
    const body = await expectRefused(
      cloud,
      () => cloud.api.post('/v1/vms', { ...valid, disks }),
      400,
      'validation_failed',
    );
    expect(body.errors.map((e: any) => e.field)).toContain(field);
  });

  it('shows storage pools to operators only', async () => {
    const t = await tenant('nosy');
    expect((await t.api.get('/v1/storage-pools')).status).toBe(403);
    expect((await t.api.get(`/v1/pools/${poolId}/storage-pools`)).status).toBe(403);
    const unknown = await cloud.api.get('/v1/pools/00000000-0000-4000-8000-000000000000/storage-pools');
    expect(unknown).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });
});
