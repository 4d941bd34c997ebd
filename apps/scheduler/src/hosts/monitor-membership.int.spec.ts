import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from '@xenplane/testing';
import { MonitorMembership } from './monitor-membership';

describe('MonitorMembership (real Redis)', () => {
  const redis = new Redis(TEST_REDIS_URL);
  const key = `xptest-${randomBytes(4).toString('hex')}:host-monitors`;
  const member = (self: string) => new MonitorMembership(redis, key, self);
  afterAll(async () => {
    await redis.del(key);
    redis.disconnect();
  });
  beforeEach(() => redis.del(key));

  it('lists every replica whose lease is alive, itself included', async () => {
    expect(await member('a').renew(1_000, 10_000)).toEqual(['a']);
    expect((await member('b').renew(1_000, 10_100)).sort()).toEqual(['a', 'b']);
    expect((await member('a').renew(1_000, 10_200)).sort()).toEqual(['a', 'b']);
  });

  it('forgets a replica that stopped renewing once its lease ran out, and takes it back when it renews', async () => {
    await member('a').renew(1_000, 10_000);
    await member('b').renew(1_000, 10_500);
    expect(await member('b').renew(1_000, 11_001)).toEqual(['b']);
    expect(await redis.zscore(key, 'a')).toBeNull();
    expect((await member('a').renew(1_000, 11_100)).sort()).toEqual(['a', 'b']);
  });

  it('drops a replica that leaves at once', async () => {
    await member('a').renew(1_000, 10_000);
    await member('b').renew(1_000, 10_000);
    await member('a').leave();
    expect(await member('b').renew(1_000, 10_001)).toEqual(['b']);
  });

  it('lets the key expire when every replica is gone (nothing left behind in Redis)', async () => {
    await member('a').renew(1_000, Date.now());
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2_000);
  });
});
