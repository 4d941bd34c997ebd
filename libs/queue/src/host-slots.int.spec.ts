import { randomUUID } from 'node:crypto';
import { waitFor } from '@xenplane/testing';
import { createRedis } from './connection';
import { HostSlots } from './host-slots';

describe('HostSlots (real Redis)', () => {
  const redis = createRedis({ REDIS_URL: 'redis://127.0.0.1:6379' }, 'worker');
  const prefix = `test-${randomUUID()}`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('admits at most the limit at once, across racing callers', async () => {
    const slots = new HostSlots(redis, prefix, 4, 10_000);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => slots.acquire('h1', `op-${i}`)));
    expect(results.filter(Boolean)).toHaveLength(4);
    expect(await slots.held('h1')).toBe(4);
  });

  it('frees a slot on release, and renews a holder without taking a second slot', async () => {
    const slots = new HostSlots(redis, prefix, 1, 10_000);
    expect(await slots.acquire('h2', 'a')).toBe(true);
    expect(await slots.acquire('h2', 'a')).toBe(true);
    expect(await slots.acquire('h2', 'b')).toBe(false);
    await slots.release('h2', 'a');
    expect(await slots.acquire('h2', 'b')).toBe(true);
  });

  it('still works when Redis has forgotten the script (a restart, SCRIPT FLUSH): its text is sent again', async () => {
    const slots = new HostSlots(redis, prefix, 1, 10_000);
    expect(await slots.acquire('h4', 'a')).toBe(true);
    await redis.script('FLUSH');
    expect(await slots.acquire('h4', 'b')).toBe(false);
    await slots.release('h4', 'a');
    expect(await slots.acquire('h4', 'b')).toBe(true);
  });

  it('gives back the slot of a holder that died, when its lease runs out', async () => {
    const slots = new HostSlots(redis, prefix, 1, 50);
    const leased = Date.now();
    expect(await slots.acquire('h3', 'dead')).toBe(true);
    expect(await slots.acquire('h3', 'alive')).toBe(false);
    await waitFor(
      "the dead holder's slot given back",
      async () => ((await slots.acquire('h3', 'alive')) ? true : undefined),
      { timeoutMs: 5_000, intervalMs: 10 },
    );
    // given back when its lease ran out, not before
    expect(Date.now() - leased).toBeGreaterThanOrEqual(50);
  });
});
