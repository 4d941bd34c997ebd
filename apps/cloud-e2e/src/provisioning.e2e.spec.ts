import { Cloud } from '@xenplane/testing';
import { allVms, usageByHost, waitForOperations } from './helpers';

describe('provisioning on three simulated hosts', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 3 });
  });
  afterAll(() => cloud?.stop());

  it('shows the three hosts with capacity and no usage', async () => {
    const res = await cloud.api.get('/v1/hosts');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(3);
    for (const h of res.body.items) {
      expect(h.state).toBe('up');
      expect(h.capacity.memoryMb).toBeGreaterThan(0);
      expect(h.capacity.vcpus).toBeGreaterThan(0);
      expect(h.usage).toEqual({ vcpus: 0, memoryMb: 0, diskGb: 0, instances: 0 });
      expect(h.xenVersion).not.toBe('');
    }
  });

  it('creates 20 VMs that all reach running, and deleting them gives every host its capacity back', async () => {
    const res = await cloud.api.post('/v1/vms', { name: 'e2e', flavor: 'm1.small', image: 'tiny-pv', count: 20 });
    expect(res.status).toBe(202);
    expect(res.body.vms).toHaveLength(20);
    expect(res.body.operations).toHaveLength(20);
    expect(res.body.vms.map((v: any) => v.name)).toContain('e2e-20');
    for (const vm of res.body.vms) expect(vm.state).toBe('pending');

    const ops = await waitForOperations(
      cloud,
      res.body.operations.map((o: any) => o.id),
    );
    expect(ops.map((o) => o.status)).toEqual(Array(20).fill('succeeded'));
    expect(ops.every((o) => o.progress === 100)).toBe(true);

    const vms = await allVms(cloud);
    expect(vms).toHaveLength(20);
    const hostIds = new Set<string>();
    for (const vm of vms) {
      expect(vm.state).toBe('running');
      expect(vm.powerState).toBe('running');
      expect(typeof vm.domId).toBe('number');
      hostIds.add(vm.hostId);
    }
    // the spread weigher uses every host
    expect(hostIds.size).toBe(3);

    // each host's recorded usage is exactly the sum of the VMs on it
    const usage = await usageByHost(cloud);
    for (const [hostId, u] of usage) {
      const mine = vms.filter((v) => v.hostId === hostId);
      expect(u).toEqual({
        instances: mine.length,
        vcpus: mine.reduce((s, v) => s + v.vcpus, 0),
        memoryMb: mine.reduce((s, v) => s + v.memoryMb, 0),
        diskGb: mine.reduce((s, v) => s + v.diskGb, 0),
      });
    }

    const one = await cloud.api.get(`/v1/vms/${vms[0].id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      id: vms[0].id,
      state: 'running',
      flavor: { name: 'm1.small' },
      image: { name: 'tiny-pv' },
    });

    const deletes = await Promise.all(vms.map((v) => cloud.api.delete(`/v1/vms/${v.id}`)));
    expect(deletes.map((d) => d.status)).toEqual(Array(20).fill(202));
    const done = await waitForOperations(
      cloud,
      deletes.map((d) => d.body.id),
    );
    expect(done.map((o) => o.status)).toEqual(Array(20).fill('succeeded'));

    for (const u of (await usageByHost(cloud)).values())
      expect(u).toEqual({ vcpus: 0, memoryMb: 0, diskGb: 0, instances: 0 });
    expect(await allVms(cloud)).toHaveLength(0);
    expect((await allVms(cloud, '&state=deleted')).length).toBe(20);
    expect(await cloud.db.allocation.count()).toBe(0);
    const project = await cloud.db.project.findUniqueOrThrow({ where: { name: 'admin' } });
    expect([project.usedInstances, project.usedVcpus, project.usedMemoryMb]).toEqual([0, 0, 0]);
  });

  it('answers DELETEs repeated blindly with the one delete operation, then 404 once the VM is deleted', async () => {
    const res = await cloud.api.post('/v1/vms', { name: 'once', flavor: 'm1.tiny', image: 'tiny-pv' });
    const [op] = res.body.operations;
    const vmId = res.body.vms[0].id;
    await cloud.waitForOperation(op.id);
    const both = await Promise.all([cloud.api.delete(`/v1/vms/${vmId}`), cloud.api.delete(`/v1/vms/${vmId}`)]);
    const first = both.find((r) => r.status === 202)!;
    expect(first?.body).toMatchObject({ kind: 'delete', vmId });
    for (const r of both) {
      if (r.status === 202) expect(r.body.id).toBe(first.body.id);
      else {
        // answered after the delete had ended (a loaded machine delays one request that long)
        expect(r.status).toBe(404);
        expect((await cloud.db.operation.findUniqueOrThrow({ where: { id: first.body.id } })).status).toBe('succeeded');
      }
    }
    const again = await cloud.api.delete(`/v1/vms/${vmId}`);
    if (again.status === 202) expect(again.body.id).toBe(first.body.id);
    else expect(again.status).toBe(404); // the delete was quick: the VM is gone already
    expect((await cloud.waitForOperation(first.body.id)).status).toBe('succeeded');
    const gone = await cloud.api.delete(`/v1/vms/${vmId}`);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
    expect(gone.body.code).toBe('not_found');
    const deletes = await cloud.db.operation.findMany({ where: { vmId, kind: 'delete' } });
    expect(deletes.map((d) => d.id)).toEqual([first.body.id]);
    expect((await cloud.api.get(`/v1/vms/${vmId}`)).body.state).toBe('deleted');
  });

  it('still refuses a delete while another operation holds the VM (409 and the state)', async () => {
    const res = await cloud.api.post('/v1/vms', { name: 'busy', flavor: 'm1.tiny', image: 'tiny-pv' });
    const vmId = res.body.vms[0].id;
    await cloud.waitForOperation(res.body.operations[0].id);
    // a VM stopping is held by its stop: the row is put there directly so nothing finishes it meanwhile
    await cloud.db.vm.update({ where: { id: vmId }, data: { state: 'stopping' } });
    const refused = await cloud.api.delete(`/v1/vms/${vmId}`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'conflict', state: 'stopping' });
    expect(await cloud.db.operation.count({ where: { vmId, kind: 'delete' } })).toBe(0);
    await cloud.db.vm.update({ where: { id: vmId }, data: { state: 'running' } });
  });
});
