import { Cloud, type HostProcess, waitFor } from '@xenplane/testing';

/**
 * The harness for HA tests: hosts in agent processes of their own (Cloud.addHost), a network
 * link that a test cuts and heals, an agent killed and restarted while the other lives.
 */
describe('hosts in processes of their own: cut links, killed agents', () => {
  let cloud: Cloud;
  let hosts: HostProcess[];
  let vmId: string;
  let holder: HostProcess;
  let other: HostProcess;

  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 0 });
    hosts = [await cloud.addHost('solo-1'), await cloud.addHost('solo-2')];
  });
  afterAll(() => cloud?.stop());

  const hostNamed = async (name: string) =>
    (await cloud.api.get('/v1/hosts')).body.items.find((h: any) => h.name === name);
  const waitForState = (name: string, state: string, timeoutMs: number) =>
    waitFor(`${name} ${state}`, async () => ((await hostNamed(name))?.state === state ? true : undefined), {
      timeoutMs,
    });
  // a heartbeat whose whole round (and the reconciliation after it) began after t
  const heartbeatAfter = (name: string, t: number) =>
    waitFor(
      `a heartbeat of ${name} after ${t}`,
      async () => {
        const at = Date.parse((await hostNamed(name))?.lastHeartbeatAt ?? '');
        return at > t ? at : undefined;
      },
      { timeoutMs: 30_000 },
    );

  it('starts each host in its own process, advertised to the control plane through its link', async () => {
    expect(cloud.agents).toBeUndefined();
    const listed = (await cloud.api.get('/v1/hosts')).body.items as any[];
    expect(listed.map((h) => h.name).sort()).toEqual(['solo-1', 'solo-2']);
    for (const h of hosts) {
      expect(listed.find((x) => x.name === h.name)).toMatchObject({
        id: h.id,
        state: 'up',
        address: h.controlPlaneLink.address,
      });
      expect(h.process.running).toBe(true);
      // the heartbeats went through the link
      expect(h.controlPlaneLink.stats.forwarded).toBeGreaterThan(0);
    }
    expect(hosts[0]!.process.pid).not.toBe(hosts[1]!.process.pid);
    expect(hosts[0]!.agentPort).not.toBe(hosts[1]!.agentPort);

    const res = await cloud.api.post('/v1/vms', { name: 'held', flavor: 'xp.micro', image: 'tiny-pv' });
    expect(res.status).toBe(202);
    vmId = res.body.vms[0].id;
    expect((await cloud.waitForOperation(res.body.operations[0].id)).status).toBe('succeeded');
    const vm = (await cloud.api.get(`/v1/vms/${vmId}`)).body;
    holder = hosts.find((h) => h.id === vm.hostId)!;
    other = hosts.find((h) => h !== holder)!;
    expect(holder).toBeDefined();
  });

  it('a dropped control-plane link makes the host suspect; healed, it is up again', async () => {
    holder.cut('control-plane', 'drop');
    await waitForState(holder.name, 'suspect', 15_000);
    // the control plane's calls were taken in and never answered, not refused
    expect(holder.controlPlaneLink.stats.blackholed).toBeGreaterThan(0);
    expect((await hostNamed(other.name)).state).toBe('up');
    // the agent itself lives on: its test controls, behind the links, answer and the domain runs
    const lives = await cloud.domainLives({ hosts: [holder.name] });
    expect(lives.filter((l) => l.vmId === vmId && !l.endedAt)).toHaveLength(1);

    holder.heal('control-plane');
    await waitForState(holder.name, 'up', 30_000);
    expect((await cloud.api.get(`/v1/vms/${vmId}`)).body).toMatchObject({ state: 'running', hostId: holder.id });
    const events = await cloud.db.event.findMany({
      where: { resourceType: 'host', resourceId: holder.id },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => (e.data as { state: string }).state)).toEqual(expect.arrayContaining(['suspect', 'up']));
  });

  it('SIGKILL of one agent: the other lives on; restarted on its state dir, the host is up again, its domain still there', async () => {
    const before = (await cloud.domainLives({ hosts: [holder.name] })).find((l) => l.vmId === vmId && !l.endedAt)!;
    await holder.kill();
    expect(holder.process.running).toBe(false);
    expect(other.process.running).toBe(true);
    await waitForState(holder.name, 'suspect', 15_000);
    expect((await hostNamed(other.name)).state).toBe('up');
    // what a dead agent's host remembers is unknown: left out, and said so
    const report = await cloud.domainLivesReport();
    expect(report.notRunning).toEqual([holder.name]);
    expect(report.lives.every((l) => l.host === other.name)).toBe(true);

    await holder.restart();
    expect(holder.process.running).toBe(true);
    await waitForState(holder.name, 'up', 30_000);
    // the same host (identity.json), at the same address (the link), no second enrollment
    const listed = (await cloud.api.get('/v1/hosts')).body.items as any[];
    expect(listed.map((h) => h.name).sort()).toEqual(['solo-1', 'solo-2']);
    expect(listed.find((h) => h.name === holder.name)).toMatchObject({
      id: holder.id,
      address: holder.controlPlaneLink.address,
    });
    // a whole round, reconciliation included, of the new agent's reports: the VM was not found missing
    await heartbeatAfter(holder.name, await heartbeatAfter(holder.name, Date.now()));
    expect((await cloud.api.get(`/v1/vms/${vmId}`)).body).toMatchObject({ state: 'running', hostId: holder.id });
    const after = (await cloud.domainLives({ hosts: [holder.name] })).find((l) => l.vmId === vmId && !l.endedAt);
    expect(after).toMatchObject({ domId: before.domId, epoch: before.epoch });
  });

  it('an agent that cannot start fails addHost at once, with its own words', async () => {
    const started = Date.now();
    await expect(cloud.addHost('broken', { env: { SIM_CPUS: '0' } })).rejects.toThrow(
      /agent of broken exited: .*SIM_CPUS/,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
