import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection for BullMQ. Workers need maxRetriesPerRequest=null (blocking commands
 * must wait out a Redis restart instead of failing); producers fail fast so an API request is
 * never held hostage by Redis: the outbox sweeper enqueues what a producer could not.
 */
export function createRedis(url: string, role: 'worker' | 'producer', extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 2_000,
    lazyConnect: false,
    ...extra,
  });
}
