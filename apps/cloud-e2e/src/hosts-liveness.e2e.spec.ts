import { FaultKind } from '@xenplane/proto';
import { Cloud, waitFor } from '@xenplane/testing';

describe('host liveness, fencing and the per-host operation limit', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({
      hosts: 2,
      agentEnv: { SIM_BOOT_MS: '400' },
      schedulerEnv: { HOST_OPERATION_CONCURRENCY: '2' },
    });
  });
  afterAll(() => cloud?.stop());

  const hostByName = async (name: string) =>
    (await cloud.api.get('/v1/hosts')).body.items.find((h: any) => h.name === name);

  it('runs at most K operations at once on a host, across the scheduler', async () => {
    const started = Date.now();
    const res = await cloud.api.post('/v1/vms', { name: 'k', flavor: 'xp.micro', image: 'tiny-pv', count: 8 });
    const ops = await Promise.all(res.body.operations.map((o: any) => cloud.waitForOperation(o.id)));
    expect(ops.every((o: any) => o.status === 'succeeded')).toBe(true);
    const lives = (await cloud.domainLives()).filter((l) => res.body.vms.some((v: any) => v.id === l.vmId));
    // a build takes 400 ms: with at most 2 at once, the 3rd start on a host is >= 400 ms after the 1st
    for (const h of ['sim-1', 'sim-2']) {
      const starts = lives
        .filter((l) => l.host === h)
        .map((l) => l.createdAt!.getTime())
        .sort((a, b) => a - b);
      for (let i = 2; i < starts.length; i++) expect(starts[i]! - starts[i - 2]!).toBeGreaterThanOrEqual(350);
    }
    // 8 builds of 400 ms, 2 at a time on each of 2 hosts: at least 2 rounds
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  });

  it('marks a cut-off host suspect then down, its agent fences the protected VM, which restarts elsewhere, and the host comes back up', async () => {
    const target = await hostByName('sim-2');
    const res = await cloud.api.post('/v1/vms', {
      name: 'guarded',
      flavor: 'xp.micro',
      image: 'tiny-pv',
      haPriority: 'high',
      count: 2,
    });
    await Promise.all(res.body.operations.map((o: any) => cloud.waitForOperation(o.id)));
    const vms = await Promise.all(res.body.vms.map(async (v: any) => (await cloud.api.get(`/v1/vms/${v.id}`)).body));
    const onTarget = vms.find((v: any) => v.hostId === target.id);
    expect(onTarget).toBeDefined();
    // the agent learns what it must fence from heartbeats: two that began after the VM ran, so
    // the second one's list of protected VMs was read when the VM was already there
    const heartbeatAfter = (t: number) =>
      waitFor(
        'a heartbeat of sim-2',
        async () => {
          const at = Date.parse((await hostByName('sim-2')).lastHeartbeatAt);
          return at > t ? at : undefined;
        },
        { timeoutMs: 10_000 },
      );
    await heartbeatAfter(await heartbeatAfter(Date.now()));

    const control = await cloud.simControl('sim-2');
    await control.injectFault({ kind: FaultKind.FAULT_KIND_HOST_CUT_OFF });
    await waitFor('sim-2 suspect', async () => ((await hostByName('sim-2')).state === 'suspect' ? true : undefined), {
      timeoutMs: 10_000,
    });
    await waitFor('sim-2 down', async () => ((await hostByName('sim-2')).state === 'down' ? true : undefined), {
      timeoutMs: 20_000,
    });
    // the fence timeout (3.65 s here) is shorter than the dead timeout (6 s): sim-2's copy is already gone
    const lives = (await cloud.domainLives()).filter((l) => l.vmId === onTarget.id && l.host === 'sim-2');
    expect(lives.filter((l) => !l.endedAt)).toEqual([]);
    const downEvents = await cloud.db.event.findMany({
      where: { resourceType: 'host', resourceId: target.id },
      orderBy: { id: 'asc' },
    });
    expect(downEvents.map((e) => (e.data as any).state)).toEqual(expect.arrayContaining(['suspect', 'down']));

    // declared dead: the protected VM runs again on the other host, under a new epoch
    const restarted = await cloud.waitForVmState(onTarget.id, 'running', 20_000);
    expect(restarted.hostId).not.toBe(target.id);
    const all = (await cloud.domainLives()).filter((l) => l.vmId === onTarget.id);
    expect(all.filter((l) => !l.endedAt)).toEqual([expect.objectContaining({ host: 'sim-1', epoch: 2 })]);
    // the copy on sim-2 ended (fenced) before the new one began: never two at once
    const old = all.find((l) => l.host === 'sim-2')!;
    expect(old.endReason).toBe('destroyed');
    expect(old.endedAt!.getTime()).toBeLessThanOrEqual(all.find((l) => l.host === 'sim-1')!.createdAt!.getTime());
    await control.clearFaults();
    await waitFor('sim-2 up again', async () => ((await hostByName('sim-2')).state === 'up' ? true : undefined), {
      timeoutMs: 20_000,
    });
  });
});
