import { Cloud } from '@xenplane/testing';

describe('time to live, power actions and cancellation', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 2 });
  });
  afterAll(() => cloud?.stop());

  async function runningVm(name: string, extra: Record<string, unknown> = {}) {
    const res = await cloud.api.post('/v1/vms', { name, flavor: 'xp.micro', image: 'tiny-pv', ...extra });
    expect(res.status).toBe(202);
    await cloud.waitForOperation(res.body.operations[0].id);
    return cloud.waitForVmState(res.body.vms[0].id, 'running');
  }

  it('deletes a VM with a 5-second TTL within a few seconds after it expires', async () => {
    const vm = await runningVm('short-lived', { ttlSeconds: 5 });
    const expiresAt = new Date(vm.expiresAt).getTime();
    expect(expiresAt - new Date(vm.createdAt).getTime()).toBe(5_000);
    const gone = await cloud.waitForVmState(vm.id, 'deleted', 20_000);
    const deletedAt = new Date(gone.updatedAt).getTime();
    expect(deletedAt).toBeGreaterThanOrEqual(expiresAt);
    expect(deletedAt - expiresAt).toBeLessThan(4_000);
    expect(await cloud.db.allocation.count({ where: { vmId: vm.id } })).toBe(0);
    const ops = (await cloud.api.get(`/v1/operations?vmId=${vm.id}`)).body.items;
    expect(ops.map((o: any) => `${o.kind}:${o.status}`).sort()).toEqual(['create:succeeded', 'delete:succeeded']);
  });

  it('extends a TTL with PATCH', async () => {
    const vm = await runningVm('extended', { ttlSeconds: 3 });
    const patched = await cloud.api.patch(`/v1/vms/${vm.id}`, { ttlSeconds: 3600 });
    expect(patched.status).toBe(200);
    expect(new Date(patched.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    // a witness that expires after the first TTL would have: once the reaper (which takes the
    // earliest expiry first) has deleted it, it has had its chance at the extended VM
    const witness = await runningVm('witness', { ttlSeconds: 3 });
    await cloud.waitForVmState(witness.id, 'deleted', 20_000);
    expect((await cloud.api.get(`/v1/vms/${vm.id}`)).body.state).toBe('running');
  });

  it('stops, starts and reboots, refusing actions that make no sense with 409', async () => {
    const vm = await runningVm('power');
    expect((await cloud.api.post(`/v1/vms/${vm.id}/actions`, { action: 'start' })).status).toBe(409);
    const stop = await cloud.api.post(`/v1/vms/${vm.id}/actions`, { action: 'stop' });
    expect(stop.status).toBe(202);
    expect((await cloud.waitForOperation(stop.body.id)).status).toBe('succeeded');
    const stopped = (await cloud.api.get(`/v1/vms/${vm.id}`)).body;
    expect(stopped).toMatchObject({ state: 'stopped', powerState: 'shutdown' });
    expect(stopped.hostId).toBe(vm.hostId); // a stopped VM keeps its claim

    const refused = await cloud.api.post(`/v1/vms/${vm.id}/actions`, { action: 'reboot' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('stopped');

    const start = await cloud.api.post(`/v1/vms/${vm.id}/actions`, { action: 'start' });
    expect((await cloud.waitForOperation(start.body.id)).status).toBe('succeeded');
    const reboot = await cloud.api.post(`/v1/vms/${vm.id}/actions`, { action: 'reboot' });
    expect((await cloud.waitForOperation(reboot.body.id)).status).toBe('succeeded');
    expect((await cloud.api.get(`/v1/vms/${vm.id}`)).body).toMatchObject({ state: 'running', powerState: 'running' });
  });

  it('cancels a queued operation, and refuses to cancel a finished one', async () => {
    await cloud.schedulers[0]!.stop(); // nothing takes the job: it stays queued
    const res = await cloud.api.post('/v1/vms', { name: 'never', flavor: 'xp.micro', image: 'tiny-pv' });
    const opId = res.body.operations[0].id;
    const cancel = await cloud.api.post(`/v1/operations/${opId}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    const vm = (await cloud.api.get(`/v1/vms/${res.body.vms[0].id}`)).body;
    expect(vm.state).toBe('deleted');
    expect(await cloud.hasQueuedJob(opId)).toBe(true);
    await cloud.addScheduler();
    // the new scheduler took the cancelled operation's job and let it go: it had its chance
    await cloud.waitForJobDone(opId);
    expect((await cloud.api.get(`/v1/operations/${opId}`)).body.status).toBe('cancelled');
    expect(await cloud.db.allocation.count({ where: { vmId: vm.id } })).toBe(0);
    const again = await cloud.api.post(`/v1/operations/${opId}/cancel`);
    expect(again.status).toBe(409);
  });
});
