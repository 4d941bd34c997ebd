import { Cloud, waitFor } from '@xenplane/testing';
import { expectRefused, waitForOperations } from './helpers';

/**
 * Pools' usage history: the scheduler samples each pool (here every second) and
 * GET /v1/pools/:id/usage-history answers it downsampled, with what the hosts offer as capacity
 * and what the VMs hold as usage.
 */
describe('GET /v1/pools/:id/usage-history', () => {
  let cloud: Cloud;
  let poolId: string;
  let offered: { vcpus: number; memoryMb: number; diskGb: number };
  const since = new Date(Date.now() - 60_000).toISOString();

  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 2, schedulerEnv: { POOL_USAGE_SAMPLE_INTERVAL_MS: '1000' } });
    const hosts = (await cloud.api.get('/v1/hosts')).body.items as any[];
    poolId = hosts[0].poolId;
    offered = {
      vcpus: hosts.reduce((n, h) => n + h.capacity.vcpus, 0),
      memoryMb: hosts.reduce((n, h) => n + h.capacity.memoryMb, 0),
      diskGb: hosts.reduce((n, h) => n + h.capacity.diskGb, 0),
    };
  });
  afterAll(() => cloud?.stop());

  const history = async (query = `since=${since}`) => {
    const res = await cloud.api.get(`/v1/pools/${poolId}/usage-history?${query}`);
    expect(res.status).toBe(200);
    return res.body;
  };

  it("plots the pool's capacity, then a VM's usage once it holds a host", async () => {
    const empty = await waitFor('a sample of the pool with both hosts up', async () => {
      const h = await history();
      return h.points.find((p: any) => p.capacity.memoryMb === offered.memoryMb);
    });
    expect(empty).toMatchObject({ capacity: offered, used: { vcpus: 0, memoryMb: 0, diskGb: 0, instances: 0 } });

    const created = await cloud.api.post('/v1/vms', { name: 'plotted', flavor: 'xp.micro', image: 'tiny-pv' });
    expect(created.status).toBe(202);
    await waitForOperations(
      cloud,
      created.body.operations.map((o: any) => o.id),
    );
    const flavor = (await cloud.api.get('/v1/flavors')).body.items.find((f: any) => f.name === 'xp.micro');
    const busy = await waitFor('a sample with the VM', async () => {
      const h = await history();
      return h.points.find((p: any) => p.peak.instances === 1);
    });
    expect(busy.peak).toMatchObject({ vcpus: flavor.vcpus, memoryMb: flavor.memoryMb, instances: 1 });
    expect(new Date(busy.at).getTime()).toBeGreaterThan(new Date(empty.at).getTime());
  });

  it('answers a window in round buckets, at most 500 points, the last day by default', async () => {
    const h = await history('');
    expect(new Date(h.until).getTime() - new Date(h.since).getTime()).toBe(86_400_000);
    expect(h.bucketMs).toBe(300_000);
    expect(h.points.length).toBeGreaterThan(0);
    expect(h.points.length).toBeLessThanOrEqual(500);
    const minute = await history(`since=${since}&until=${new Date(Date.parse(since) + 3_600_000).toISOString()}`);
    expect(minute.bucketMs).toBe(10_000);
    for (const p of minute.points) expect(new Date(p.at).getTime() % 10_000).toBe(0);
  });

  it('refuses a window that ends before it starts, and a pool that does not exist', async () => {
    const problem = await expectRefused(
      cloud,
      () => cloud.api.get(`/v1/pools/${poolId}/usage-history?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z`),
      400,
      'validation_failed',
    );
    expect(problem.detail).toContain('since must be before until');
    await expectRefused(
      cloud,
      () => cloud.api.get('/v1/pools/00000000-0000-4000-8000-000000000000/usage-history'),
      404,
      'not_found',
    );
  });
});
