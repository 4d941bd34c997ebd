import { FaultKind } from '@xenplane/proto';
import { Cloud } from '@xenplane/testing';

/** Hosts misbehave (simulator fault injection): every failure ends defined, and leaves nothing behind. */
describe('host faults', () => {
  let cloud: Cloud;
  const hosts = ['sim-1', 'sim-2', 'sim-3'];
  beforeAll(async () => {
    cloud = await Cloud.start({
      hosts: 3,
      agentEnv: { SIM_SHUTDOWN_MS: '100' },
      env: { OPERATION_ATTEMPTS: '3' },
      schedulerEnv: { AGENT_CALL_TIMEOUT_MS: '1500', SHUTDOWN_TIMEOUT_S: '1' },
    });
  });
  afterAll(() => cloud?.stop());
  afterEach(async () => {
    for (const h of hosts) await (await cloud.simControl(h)).clearFaults();
  });

  const create = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await cloud.api.post('/v1/vms', { name, flavor: 'xp.micro', image: 'tiny-pv', ...extra });
    expect(res.status).toBe(202);
    return { vmId: res.body.vms[0].id as string, op: await cloud.waitForOperation(res.body.operations[0].id, 90_000) };
  };
  const alive = async (vmId: string) => (await cloud.domainLives()).filter((l) => l.vmId === vmId && !l.endedAt);

  it('a host whose create fails loses the VM to another host', async () => {
    await (await cloud.simControl('sim-1')).injectFault({ kind: FaultKind.FAULT_KIND_CREATE_FAIL });
    await (await cloud.simControl('sim-2')).injectFault({ kind: FaultKind.FAULT_KIND_CREATE_FAIL });
    const { vmId, op } = await create('picky');
    expect(op.status).toBe('succeeded');
    const vm = (await cloud.api.get(`/v1/vms/${vmId}`)).body;
    const host3 = (await cloud.api.get('/v1/hosts')).body.items.find((h: any) => h.name === 'sim-3');
    expect(vm).toMatchObject({ state: 'running', hostId: host3.id });
    expect(await cloud.db.allocation.count({ where: { vmId } })).toBe(1);
  });

  it('a host that goes silent under a build loses the VM to another host, and the operation says which and why', async () => {
    const silent = (await cloud.api.get('/v1/hosts')).body.items.find((h: any) => h.name === 'sim-1');
    // sim-1 stops answering anything (its heartbeats too) just as the creates are placed on it
    await (await cloud.simControl('sim-1')).injectFault({ kind: FaultKind.FAULT_KIND_HOST_CUT_OFF });
    const res = await cloud.api.post('/v1/vms', { name: 'moved', flavor: 'xp.micro', image: 'tiny-pv', count: 6 });
    const ops = await Promise.all(res.body.operations.map((o: any) => cloud.waitForOperation(o.id, 90_000)));
    expect(ops.map((o) => o.status)).toEqual(Array(6).fill('succeeded'));
    const vms = await cloud.db.vm.findMany({ where: { id: { in: res.body.vms.map((v: any) => v.id) } } });
    expect(vms.filter((v) => v.state !== 'running' || v.hostId === silent.id)).toEqual([]);
    // some were placed on sim-1 first: each left it once, for a timeout while it went silent
    const moved = ops.filter((o) => o.hostsTried);
    expect(moved.length).toBeGreaterThan(0);
    for (const o of moved)
      expect(o.hostsTried).toEqual([
        expect.objectContaining({ hostId: silent.id, hostName: 'sim-1', failure: 'timeout' }),
      ]);
    // each holds one claim, where it runs; sim-1 holds none of them
    const claims = await cloud.db.allocation.findMany({ where: { vmId: { in: vms.map((v) => v.id) } } });
    expect(claims.map((c) => [c.vmId, c.hostId]).sort()).toEqual(vms.map((v) => [v.id, v.hostId]).sort());
    await (await cloud.simControl('sim-1')).clearFaults();
    await cloud.waitForHosts(3);
    for (const v of vms) expect(await alive(v.id)).toHaveLength(1);
  });

  it('a create every host refuses ends failed, the VM in error, nothing claimed, no domain left', async () => {
    for (const h of hosts) await (await cloud.simControl(h)).injectFault({ kind: FaultKind.FAULT_KIND_CREATE_FAIL });
    const before = (await cloud.api.get('/v1/hosts')).body.items.map((h: any) => h.usage);
    const { vmId, op } = await create('doomed');
    expect(op.status).toBe('failed');
    expect(op.error.code).toBe('agent_error');
    expect(op.error.message).toContain('domain creation failed');
    expect(op.hostsTried.map((t: any) => [t.hostName, t.failure]).sort()).toEqual(hosts.map((h) => [h, 'refused']));
    const vm = (await cloud.api.get(`/v1/vms/${vmId}`)).body;
    expect(vm.state).toBe('error');
    expect(vm.hostId).toBeUndefined();
    expect(await cloud.db.allocation.count({ where: { vmId } })).toBe(0);
    expect((await cloud.api.get('/v1/hosts')).body.items.map((h: any) => h.usage)).toEqual(before);
    expect(await alive(vmId)).toEqual([]);
    // an error VM can be deleted, and gives its quota back
    const del = await cloud.api.delete(`/v1/vms/${vmId}`);
    expect((await cloud.waitForOperation(del.body.id)).status).toBe('succeeded');
  });

  it('an agent whose create hangs past the deadline is retried, and the VM runs once', async () => {
    for (const h of hosts)
      await (await cloud.simControl(h)).injectFault({ kind: FaultKind.FAULT_KIND_CREATE_HANG, count: 1 });
    const { vmId, op } = await create('patient');
    expect(op.status).toBe('succeeded');
    expect(op.attempts).toBeGreaterThan(1);
    expect(await alive(vmId)).toHaveLength(1);
  });

  it('an agent that never answers: the operation gives up after its attempts, and says why', async () => {
    for (const h of hosts) await (await cloud.simControl(h)).injectFault({ kind: FaultKind.FAULT_KIND_CREATE_HANG });
    const { vmId, op } = await create('abandoned');
    expect(op.status).toBe('failed');
    expect(op.error.code).toBe('host_unavailable');
    expect(op.error.message).toMatch(/gave up after 3 attempts.*DEADLINE_EXCEEDED/);
    expect(await cloud.db.allocation.count({ where: { vmId } })).toBe(0);
    expect(await alive(vmId)).toEqual([]);
  });

  it('a guest that ignores the shutdown is destroyed after the timeout, and the stop succeeds', async () => {
    const { vmId } = await create('stubborn');
    for (const h of hosts)
      await (await cloud.simControl(h)).injectFault({ kind: FaultKind.FAULT_KIND_SHUTDOWN_IGNORED, vmId });
    const stop = await cloud.api.post(`/v1/vms/${vmId}/actions`, { action: 'stop' });
    expect((await cloud.waitForOperation(stop.body.id)).status).toBe('succeeded');
    expect((await cloud.api.get(`/v1/vms/${vmId}`)).body.state).toBe('stopped');
    expect(await alive(vmId)).toEqual([]);
  });

  it('a destroy the host refuses leaves the VM in error with its claim, and a second delete works', async () => {
    const { vmId } = await create('sticky');
    for (const h of hosts)
      await (await cloud.simControl(h)).injectFault({ kind: FaultKind.FAULT_KIND_DESTROY_FAIL, vmId, count: 1 });
    const first = await cloud.api.delete(`/v1/vms/${vmId}`);
    const failed = await cloud.waitForOperation(first.body.id);
    expect(failed.status).toBe('failed');
    expect((await cloud.api.get(`/v1/vms/${vmId}`)).body).toMatchObject({
      state: 'error',
      error: { code: 'agent_error' },
    });
    expect(await cloud.db.allocation.count({ where: { vmId } })).toBe(1);
    const second = await cloud.api.delete(`/v1/vms/${vmId}`);
    expect((await cloud.waitForOperation(second.body.id)).status).toBe('succeeded');
    expect(await cloud.db.allocation.count({ where: { vmId } })).toBe(0);
    expect(await alive(vmId)).toEqual([]);
  });
});
