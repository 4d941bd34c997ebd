import type { Redis } from 'ioredis';

// Renew our own lease, drop the expired ones, list who is left: one round trip, one atomic view.
const RENEW = `
redis.call('ZADD', KEYS[1], ARGV[1] + ARGV[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2] * 2)
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/**
 * The host-monitor replicas alive right now, as leases in a Redis sorted set: each replica
 * renews its own every heartbeat interval and the set forgets one that stops (killed, cut
 * off) after its lease. The member list is all the hosts' split needs (libs/domain's
 * monitorOf); if Redis is flushed, each replica is back in the list at its next renewal.
 */
export class MonitorMembership {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly self: string,
  ) {}

  /** Renews this replica's lease for leaseMs; the members alive, this one included. */
  async renew(leaseMs: number, now = Date.now()): Promise<string[]> {
    return (await this.redis.eval(RENEW, 1, this.key, now, leaseMs, this.self)) as string[];
  }

  /** Leaves at once (a clean shutdown), so the others take this replica's hosts on their next tick. */
  async leave(): Promise<void> {
    await this.redis.zrem(this.key, this.self);
  }
}
