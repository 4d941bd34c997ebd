import type { Redis } from 'ioredis';

// Acquire: drop expired leases, then take one if fewer than the limit are held.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[1] + ARGV[2], ARGV[4])
  return 1
end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1] + ARGV[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2] * 2)
  return 1
end
return 0`;

// ioredis sends a defined command by its hash (EVALSHA), and its text only when Redis does not
// have it yet: a round trip's bytes and Redis's hashing of the text saved per acquire
type SlotsRedis = Redis & {
  acquireHostSlot(key: string, now: number, leaseMs: number, limit: number, holder: string): Promise<number>;
};

/**
 * At most `limit` operations at once per host, across every scheduler process: a counting
 * semaphore in Redis whose slots are leases, so a worker killed mid-operation frees its slot
 * when the lease runs out instead of holding it forever.
 */
export class HostSlots {
  private readonly redis: SlotsRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly limit: number,
    private readonly leaseMs: number,
  ) {
    redis.defineCommand('acquireHostSlot', { numberOfKeys: 1, lua: ACQUIRE });
    this.redis = redis as SlotsRedis;
  }

  /** Takes (or renews) the slot `holder` on host; false when the host is busy. */
  async acquire(hostId: string, holder: string): Promise<boolean> {
    return (await this.redis.acquireHostSlot(this.key(hostId), Date.now(), this.leaseMs, this.limit, holder)) === 1;
  }

  async release(hostId: string, holder: string): Promise<void> {
    await this.redis.zrem(this.key(hostId), holder);
  }

  async held(hostId: string): Promise<number> {
    await this.redis.zremrangebyscore(this.key(hostId), '-inf', Date.now());
    return this.redis.zcard(this.key(hostId));
  }

  private key(hostId: string): string {
    return `${this.prefix}:host-slots:${hostId}`;
  }
}
