import { Redis, type RedisOptions } from 'ioredis';

/** Where Redis is: the control plane's REDIS_URL, and its sentinels when it runs behind Sentinel. */
export interface RedisTarget {
  REDIS_URL: string;
  REDIS_SENTINELS?: string | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
}

/**
 * A Redis connection for BullMQ. Workers need maxRetriesPerRequest=null (blocking commands
 * must wait out a Redis restart instead of failing); producers fail fast so an API request is
 * never held hostage by Redis: the outbox sweeper enqueues what a producer could not.
 */
export function createRedis(target: RedisTarget, role: 'worker' | 'producer', extra: RedisOptions = {}): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 2_000,
    lazyConnect: false,
    ...extra,
  };
  return target.REDIS_SENTINELS
    ? new Redis({ ...sentinelOptions(target), ...options })
    : new Redis(target.REDIS_URL, options);
}

/**
 * ioredis's Sentinel settings: the sentinels and the master's name, with REDIS_URL's password,
 * user, database and TLS for the master, and the same password for the sentinels (their
 * `requirepass`, when they have one, is usually the master's).
 */
export function sentinelOptions(target: RedisTarget): RedisOptions {
  const url = new URL(target.REDIS_URL);
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const db = Number(url.pathname.slice(1)) || 0;
  const sentinels = (target.REDIS_SENTINELS ?? '').split(',').map((hp) => {
    const at = hp.lastIndexOf(':');
    return { host: hp.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(hp.slice(at + 1)) };
  });
  return {
    sentinels,
    name: target.REDIS_SENTINEL_NAME ?? 'mymaster',
    db,
    ...(password ? { password, sentinelPassword: password } : {}),
    ...(username ? { username } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {}, enableTLSForSentinelMode: true } : {}),
  };
}
