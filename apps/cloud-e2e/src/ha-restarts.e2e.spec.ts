import { FaultKind } from '@xenplane/proto';
import { Cloud, FAST_LIVENESS, type HostProcess, waitFor } from '@xenplane/testing';
import { waitForOperations, witnessesKnown } from './helpers';

/**
 * HA: hosts die (their agents SIGKILLed, as power loss: a simulated host's watchdog resets it
 * once its agent is gone for the fence timeout), and the protected VMs run elsewhere on their
 * own, high priority first, never twice. The simulated hosts' own records of every domain's
 * life are the judge of "never twice".
 */
describe('HA restarts', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 0, agentEnv: { SIM_BOOT_MS: '100' } });
  });
  afterAll(() => cloud?.stop());
  // the fleet's HA gauges are the monitor role's: the newest scheduler's (a test below replaces the first)
  const schedulerMetrics = () => cloud.metrics(cloud.schedulers.at(-1)!.spec.name);

  const pool = async (name: string) => {
    const res = await cloud.api.post('/v1/pools', { name, ...FAST_LIVENESS });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const create = async (body: Record<string, unknown>) => {
    const res = await cloud.api.post('/v1/vms', { flavor: 'xp.micro', image: 'tiny-pv', ...body });
    expect(res.status).toBe(202);
    await waitForOperations(
      cloud,
      res.body.operations.map((o: any) => o.id),
    );
    return res.body.vms.map((v: any) => v.id) as string[];
  };
  const vmsOf = (ids: string[]) => cloud.db.vm.findMany({ where: { id: { in: ids } } });
  const restartsOf = (ids: string[]) =>
    cloud.db.operation.findMany({ where: { kind: 'ha_restart', vmId: { in: ids } } });

  /** Every VM ran at most one domain at any instant, and runs exactly one now (on the hosts named). */
  async function expectNeverTwice(vmIds: string[], hosts: string[]) {
    const lives = (await cloud.domainLives({ hosts })).filter(
      (l) => vmIds.includes(l.vmId) && l.endReason !== 'create_aborted',
    );
    for (const id of vmIds) {
      const mine = lives.filter((l) => l.vmId === id).sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime());
      expect({ id, alive: mine.filter((l) => !l.endedAt).length }).toEqual({ id, alive: 1 });
      for (let i = 1; i < mine.length; i++) {
        // each copy ended before the next one began
        expect({ id, overlap: mine[i - 1]!.endedAt!.getTime() <= mine[i]!.createdAt!.getTime() }).toEqual({
          id,
          overlap: true,
        });
      }
    }
  }

  /** Every host's usage is exactly what the claims on it add up to, and each VM holding a host holds exactly one claim, there. */
  async function expectClaimsConsistent(poolId: string) {
    const hosts = await cloud.db.host.findMany({ where: { poolId } });
    for (const h of hosts) {
      const claims = await cloud.db.allocation.findMany({ where: { hostId: h.id } });
      expect({ host: h.name, memoryMb: h.usedMemoryMb, instances: h.usedInstances }).toEqual({
        host: h.name,
        memoryMb: claims.reduce((n, c) => n + c.memoryMb, 0),
        instances: claims.length,
      });
    }
    const vms = await cloud.db.vm.findMany({
      where: { poolId, state: { not: 'deleted' } },
      include: { allocations: true },
    });
    for (const v of vms.filter((x) => x.hostId))
      expect({ vm: v.name, claims: v.allocations.map((a) => a.hostId) }).toEqual({ vm: v.name, claims: [v.hostId] });
  }

  it('SIGKILL of a host holding 30 protected VMs: all run elsewhere, high priority first, never twice, the others stopped; the API tells the truth meanwhile', async () => {
    const poolId = await pool('kill');
    const doomed = await cloud.addHost('kill-1', { poolId });
    const vms: Record<string, string[]> = {};
    for (const p of ['high', 'medium', 'low', 'none'] as const)
      vms[p] = await create({ name: `k-${p}`, poolId, haPriority: p, count: p === 'none' ? 5 : 10 });
    const protectedIds = [...vms['high']!, ...vms['medium']!, ...vms['low']!];
    const others = [await cloud.addHost('kill-2', { poolId }), await cloud.addHost('kill-3', { poolId })];
    await witnessesKnown(cloud, [doomed.id, ...others.map((h) => h.id)], 2);
    await doomed.kill();
    await waitFor('kill-1 suspect', async () =>
      (await cloud.db.host.findUniqueOrThrow({ where: { id: doomed.id } })).state === 'suspect' ? true : undefined,
    );
    // in doubt: the VMs' power state is unknown, and actions that need the host are refused at once
    const seen = (await cloud.api.get(`/v1/vms/${vms['high']![0]}`)).body;
    expect(seen).toMatchObject({ state: 'running', hostId: doomed.id, powerState: 'unknown' });
    const stop = await cloud.api.post(`/v1/vms/${vms['none']![0]}/actions`, { action: 'stop' });
    expect(stop.status).toBe(409);
    expect(stop.body.detail).toMatch(/its host kill-1 has not answered heartbeats/);
    expect((await cloud.db.vm.findUniqueOrThrow({ where: { id: vms['none']![0]! } })).state).toBe('running');

    const running = await waitFor(
      'the 30 protected VMs running elsewhere',
      async () => {
        const rows = await vmsOf(protectedIds);
        return rows.every((v) => v.state === 'running' && v.hostId !== doomed.id) ? rows : undefined;
      },
      { timeoutMs: 60_000 },
    );
    // a new placement each (a restart whose first host failed it is placed again: a newer epoch still)
    expect(running.filter((v) => v.epoch < 2)).toEqual([]);
    expect((await vmsOf(vms['none']!)).map((v) => [v.state, v.errorCode, v.hostId])).toEqual(
      Array(5).fill(['stopped', 'host_lost', doomed.id]),
    );
    // one restart each, succeeded; claims taken high first, then medium, then low
    const restarts = await restartsOf(protectedIds);
    expect(restarts.map((o) => o.status)).toEqual(Array(30).fill('succeeded'));
    const claimedAt = new Map<string, bigint>();
    for (const e of await cloud.db.event.findMany({
      where: { resourceId: { in: protectedIds }, type: 'vm.state' },
      orderBy: { id: 'asc' },
    })) {
      const d = e.data as { state: string; hostId: string | null };
      if (d.state === 'recovering' && d.hostId && d.hostId !== doomed.id) claimedAt.set(e.resourceId, e.id);
    }
    const last = (p: string) => Math.max(...vms[p]!.map((id) => Number(claimedAt.get(id))));
    const first = (p: string) => Math.min(...vms[p]!.map((id) => Number(claimedAt.get(id))));
    expect(last('high')).toBeLessThan(first('medium'));
    expect(last('medium')).toBeLessThan(first('low'));
    await expectClaimsConsistent(poolId);

    // the host comes back (its watchdog reset it long ago: it runs nothing) and is up again
    await doomed.restart();
    await expectNeverTwice(protectedIds, ['kill-1', 'kill-2', 'kill-3']);
    const old = (await cloud.domainLives({ hosts: ['kill-1'] })).filter((l) => protectedIds.includes(l.vmId));
    expect(new Set(old.map((l) => l.endReason))).toEqual(new Set(['watchdog_reset']));
    expect(await restartsOf(protectedIds)).toHaveLength(30);
  });

  it('a pool without room for every restart: the rest wait, visibly, and run by themselves when a host is added', async () => {
    const poolId = await pool('tight');
    // 4 GB hosts offer ~1.8 GB: three 512 MB VMs each
    const small = { env: { SIM_MEMORY_MB: '4096' }, poolId };
    const doomed = await cloud.addHost('tight-1', small);
    const ids = await create({ name: 'tight-p', flavor: 'm1.tiny', poolId, haPriority: 'high', count: 3 });
    const survivor = await cloud.addHost('tight-2', small);
    await create({ name: 'tight-filler', flavor: 'm1.tiny', poolId, count: 2 });
    await witnessesKnown(cloud, [doomed.id, survivor.id], 1);
    await doomed.kill();
    const ha = await waitFor(
      'one restarted, two waiting for capacity',
      async () => {
        const body = (await cloud.api.get(`/v1/pools/${poolId}/ha`)).body;
        return body.restarts.waiting === 2 ? body : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(ha).toMatchObject({
      protectedVms: { high: 3, medium: 0, low: 0 },
      hosts: { down: 1, up: 1 },
      restarts: { waiting: 2 },
    });
    expect(await schedulerMetrics()).toContain('xenplane_ha_restarts{state="waiting"} 2');
    const waiting = (await restartsOf(ids)).filter((o) => o.step === 'waiting_for_capacity');
    expect(waiting).toHaveLength(2);
    expect(
      waiting.every(
        (o) => o.status === 'running' && /waiting for capacity: no host can take this VM/.test(o.errorMessage ?? ''),
      ),
    ).toBe(true);
    const stranded = await vmsOf(waiting.map((o) => o.vmId!));
    expect(stranded.map((v) => [v.state, v.hostId])).toEqual([
      ['recovering', doomed.id],
      ['recovering', doomed.id],
    ]);

    const added = await cloud.addHost('tight-3', small);
    const done = await waitForOperations(
      cloud,
      (await restartsOf(ids)).map((o) => o.id),
    );
    expect(done.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const hosts = (await vmsOf(ids)).map((v) => v.hostId);
    expect(hosts.filter((h) => h === added.id)).toHaveLength(2);
    await expectClaimsConsistent(poolId);
    expect((await cloud.api.get(`/v1/pools/${poolId}/ha`)).body.restarts).toEqual({
      waiting: 0,
      running: 0,
      queued: 0,
    });
  });

  it('the scheduler SIGKILLed in the middle of restarts: every restart finishes, once', async () => {
    const poolId = await pool('crash');
    // slow builds keep restarts in flight long enough to kill the scheduler under them
    const slow = { poolId, env: { SIM_BOOT_MS: '1500' } };
    const doomed = await cloud.addHost('crash-1', { poolId });
    const ids = await create({ name: 'crash-p', poolId, haPriority: 'medium', count: 12 });
    const survivors: HostProcess[] = [await cloud.addHost('crash-2', slow), await cloud.addHost('crash-3', slow)];
    await witnessesKnown(cloud, [doomed.id, ...survivors.map((h) => h.id)], 2);
    await doomed.kill();
    await waitFor(
      'restarts building',
      async () => ((await restartsOf(ids)).some((o) => o.step === 'building') ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const scheduler = cloud.schedulers.at(-1)!;
    await scheduler.kill();
    expect((await restartsOf(ids)).filter((o) => o.status === 'succeeded').length).toBeLessThan(12);
    await cloud.addScheduler();

    const restarts = await waitForOperations(
      cloud,
      (await restartsOf(ids)).map((o) => o.id),
      120_000,
    );
    expect(restarts.map((o) => o.status)).toEqual(Array(12).fill('succeeded'));
    const ends = await cloud.db.event.findMany({
      where: { resourceId: { in: restarts.map((o) => o.id) }, type: 'operation.status' },
    });
    expect(ends.filter((e) => (e.data as any).status === 'succeeded')).toHaveLength(12);
    await doomed.restart();
    await expectNeverTwice(ids, ['crash-1', ...survivors.map((s) => s.name)]);
    await expectClaimsConsistent(poolId);
  });

  it('more than half of a pool silent at once: nobody is declared dead, nothing restarted, an alert is raised until they return', async () => {
    const poolId = await pool('split');
    const [a, b] = [await cloud.addHost('split-1', { poolId }), await cloud.addHost('split-2', { poolId })];
    const c = await cloud.addHost('split-3', { poolId });
    await witnessesKnown(cloud, [a.id, b.id, c.id], 2);
    await create({ name: 'split-p', poolId, haPriority: 'high', count: 6 });
    const opsBefore = await cloud.db.operation.count();
    await Promise.all([a.kill(), b.kill()]);
    const partitioned = await waitFor(
      'the pool marked partitioned',
      async () => {
        const body = (await cloud.api.get(`/v1/pools/${poolId}/ha`)).body;
        return body.partitionedSince ? body : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(partitioned.hosts).toMatchObject({ down: 0, suspect: 2 });
    const alert = await cloud.db.event.findFirst({ where: { resourceId: poolId, type: 'pool.partitioned' } });
    expect(alert?.data).toMatchObject({ name: 'split', silentHosts: 2, hosts: 3 });
    const metrics = await schedulerMetrics();
    expect(metrics).toContain('xenplane_pool_partitioned{pool="split"} 1');
    expect(metrics).toMatch(/xenplane_hosts\{pool="split",state="suspect"\} 2/);
    // watched well past the dead timeout: still nobody dead, nothing started
    const watched = Date.now() + FAST_LIVENESS.deadAfterMs + 1_000;
    await waitFor(
      'a heartbeat of split-3 well after the dead timeout',
      async () => {
        const h = await cloud.db.host.findFirstOrThrow({ where: { name: 'split-3' } });
        return h.lastHeartbeatAt && h.lastHeartbeatAt.getTime() > watched ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(await cloud.db.host.count({ where: { poolId, state: 'down' } })).toBe(0);
    expect(await cloud.db.operation.count()).toBe(opsBefore);
    expect(await cloud.db.event.count({ where: { resourceId: poolId, type: 'pool.partitioned' } })).toBe(1);

    await Promise.all([a.restart(), b.restart()]);
    await waitFor(
      'partition over',
      async () => ((await cloud.api.get(`/v1/pools/${poolId}/ha`)).body.partitionedSince ? undefined : true),
      { timeoutMs: 30_000 },
    );
    expect(await cloud.db.event.count({ where: { resourceId: poolId, type: 'pool.partition_healed' } })).toBe(1);
    expect(await schedulerMetrics()).toContain('xenplane_pool_partitioned{pool="split"} 0');
    expect(await cloud.db.host.count({ where: { poolId, state: 'up' } })).toBe(3);
  });

  it('an operator declares a host dead by hand: checked, then its protected VMs restart at once', async () => {
    const poolId = await pool('manual');
    const doomed = await cloud.addHost('manual-1', { poolId });
    const ids = await create({ name: 'manual-p', poolId, haPriority: 'low', count: 3 });
    await cloud.addHost('manual-2', { poolId });

    const url = `/v1/hosts/${doomed.id}/declare-dead`;
    const live = await cloud.api.post(url, { confirm: 'manual-1' });
    expect(live.status).toBe(409);
    expect(live.body.detail).toMatch(/answers heartbeats/);
    // powered off: its domains are gone at once and its agent answers nothing
    const control = await cloud.simControl('manual-1');
    await control.injectFault({ kind: FaultKind.FAULT_KIND_HOST_DEAD });
    await waitFor('manual-1 silent', async () =>
      (await cloud.api.get(`/v1/hosts/${doomed.id}`)).body.live ? undefined : true,
    );
    const wrong = await cloud.api.post(url, { confirm: 'manual-2' });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await cloud.db.host.findUniqueOrThrow({ where: { id: doomed.id } })).state).not.toBe('down');
    const declared = await cloud.api.post(url, { confirm: 'manual-1' });
    expect(declared.status).toBe(202);
    expect(declared.body.host.state).toBe('down');
    expect(declared.body.restarts.map((o: any) => [o.kind, o.vmId].join()).sort()).toEqual(
      ids.map((id) => `ha_restart,${id}`).sort(),
    );
    // well before the dead timeout would have declared it
    const done = await waitForOperations(
      cloud,
      declared.body.restarts.map((o: any) => o.id),
    );
    expect(done.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect((await cloud.api.post(url, { confirm: 'manual-1' })).status).toBe(409);
    // powered on again: empty, it is up again
    await control.clearFaults();
    await doomed.waitUntilUp();
    await expectNeverTwice(ids, ['manual-1', 'manual-2']);
  });
});
