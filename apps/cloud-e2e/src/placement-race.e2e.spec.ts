import { Cloud, waitFor } from '@xenplane/testing';

/**
 * Two schedulers race for a pool with room for exactly 1,500 micro VMs (10 hosts of 150) and
 * get 2,000 requests at once: exactly 1,500 land, 500 fail with no_valid_host, and every
 * host's recorded usage is the sum of the VMs placed on it.
 */
describe('racing schedulers', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({
      hosts: 10,
      schedulers: 2,
      logLevel: 'warn',
      // 22000 MB - dom0 2232 - Xen 128 - 2% headroom 440 = 19200 MB offered = 150 x 128 MB
      agentEnv: {
        SIM_MEMORY_MB: '22000',
        SIM_DOM0_MEMORY_MB: '2232',
        SIM_CPUS: '64',
        SIM_BOOT_MS: '0',
        SIM_SHUTDOWN_MS: '0',
      },
      schedulerEnv: { SCHEDULER_CONCURRENCY: '32', HOST_OPERATION_CONCURRENCY: '16' },
    });
  });
  afterAll(() => cloud?.stop());

  it("places exactly the pool's room, fails the rest, and never overcommits", async () => {
    const hosts = (await cloud.api.get('/v1/hosts')).body.items as any[];
    expect(hosts.map((h) => h.capacity.memoryMb)).toEqual(Array(10).fill(19_200));
    const project = await cloud.api.post('/v1/projects', {
      name: 'race',
      quota: { instances: 5000, vcpus: 5000, memoryMb: 10_000_000, diskGb: 100_000 },
    });
    const member = (await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 'ci', role: 'member' })).body
      .token;
    const tenant = cloud.api.withToken(member);

    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        tenant.post('/v1/vms', { name: `r${i}`, flavor: 'xp.micro', image: 'tiny-pv', count: 10 }),
      ),
    );
    expect(answers.filter((a) => a.status !== 202).map((a) => [a.status, a.body])).toEqual([]);
    const opIds: string[] = answers.flatMap((a) => a.body.operations.map((o: any) => o.id));
    expect(opIds).toHaveLength(2000);

    await waitFor(
      'all 2,000 operations ended',
      async () =>
        (await cloud.db.operation.count({ where: { id: { in: opIds }, status: { in: ['queued', 'running'] } } })) === 0
          ? true
          : undefined,
      { timeoutMs: 240_000, intervalMs: 250 },
    );
    const byStatus = await cloud.db.operation.groupBy({
      by: ['status', 'errorCode'],
      where: { id: { in: opIds } },
      _count: true,
    });
    // the whole tally, so a failure says where the odd operations went
    expect(byStatus.map((g) => `${g.status}:${g.errorCode ?? '-'}=${g._count}`).sort()).toEqual([
      'failed:no_valid_host=500',
      'succeeded:-=1500',
    ]);

    const running = await cloud.db.vm.findMany({
      where: { projectId: project.body.id, state: 'running' },
      select: { hostId: true, memoryMb: true, vcpus: true, diskGb: true },
    });
    expect(running).toHaveLength(1500);
    for (const h of (await cloud.api.get('/v1/hosts')).body.items as any[]) {
      const mine = running.filter((v) => v.hostId === h.id);
      expect(h.usage).toEqual({
        instances: mine.length,
        vcpus: mine.reduce((s, v) => s + v.vcpus, 0),
        memoryMb: mine.reduce((s, v) => s + v.memoryMb, 0),
        diskGb: mine.reduce((s, v) => s + v.diskGb, 0),
      });
      expect(h.usage.memoryMb).toBeLessThanOrEqual(h.capacity.memoryMb);
    }
    expect(await cloud.db.allocation.count()).toBe(1500);
    // and the simulated hosts agree: 1,500 domains alive, each once
    const alive = (await cloud.domainLives()).filter((l) => !l.endedAt);
    expect(alive).toHaveLength(1500);
    expect(new Set(alive.map((l) => l.vmId)).size).toBe(1500);
  });
});
