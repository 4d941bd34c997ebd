import { Cloud } from '@xenplane/testing';
import { waitForOperations } from './helpers';

describe('Redis loses every job', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 3 });
  });
  afterAll(() => cloud?.stop());

  it('re-enqueues queued operations from Postgres, and they finish', async () => {
    await cloud.schedulers[0]!.stop();
    const res = await cloud.api.post('/v1/vms', { name: 'flushed', flavor: 'm1.tiny', image: 'tiny-pv', count: 10 });
    expect(res.status).toBe(202);
    const ids: string[] = res.body.operations.map((o: any) => o.id);
    const removed = await cloud.flushQueues();
    expect(removed).toBeGreaterThan(0);
    // the jobs are gone; the operations are not
    expect((await cloud.redisClient().keys(`${cloud.queuePrefix}:operations:*`)).length).toBe(0);
    expect(await cloud.db.operation.count({ where: { id: { in: ids }, status: 'queued' } })).toBe(10);

    await cloud.addScheduler();
    const ops = await waitForOperations(cloud, ids, 60_000);
    expect(ops.map((o) => o.status)).toEqual(Array(10).fill('succeeded'));
    expect(await cloud.db.vm.count({ where: { name: { startsWith: 'flushed-' }, state: 'running' } })).toBe(10);
  });

  it('recovers when Redis is flushed under a running scheduler', async () => {
    const res = await cloud.api.post('/v1/vms', { name: 'live-flush', flavor: 'm1.tiny', image: 'tiny-pv', count: 10 });
    await cloud.flushQueues();
    const ops = await waitForOperations(
      cloud,
      res.body.operations.map((o: any) => o.id),
      60_000,
    );
    expect(ops.map((o) => o.status)).toEqual(Array(10).fill('succeeded'));
    // and periodic work came back: a new VM still gets placed
    const after = await cloud.api.post('/v1/vms', { name: 'after-flush', flavor: 'm1.tiny', image: 'tiny-pv' });
    expect((await cloud.waitForOperation(after.body.operations[0].id)).status).toBe('succeeded');
  });
});
