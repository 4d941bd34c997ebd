import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { getLogger } from '@xenplane/observability';
import { createRedis } from '@xenplane/queue';
import { API_CONFIG, type ApiConfig } from '../config';

/**
 * The API's Redis for what its replicas share besides the queues: rate-limit counters and token
 * revocations. Commands fail at once while Redis is unreachable (no offline queue): their callers
 * decide what that means, and no request waits for a reconnection.
 */
@Injectable()
export class ApiRedis implements OnApplicationShutdown {
  private readonly log = getLogger('redis');
  readonly client: Redis;
  private readonly subscribers: Redis[] = [];

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {
    this.client = this.watched(createRedis(config, 'producer', { connectionName: 'xenplane-api' }));
  }

  /** Keys and channels of this cloud: two clouds on one Redis share nothing. */
  key(name: string): string {
    return `${this.config.XENPLANE_QUEUE_PREFIX}:${name}`;
  }

  /** A connection of its own for a subscriber (a subscribed connection can do nothing else); reconnects by itself. */
  subscriber(connectionName: string): Redis {
    const redis = this.watched(createRedis(this.config, 'worker', { connectionName, autoResubscribe: false }));
    this.subscribers.push(redis);
    return redis;
  }

  onApplicationShutdown(): void {
    for (const r of [...this.subscribers, this.client]) r.disconnect();
  }

  private watched(redis: Redis): Redis {
    redis.on('error', (err: Error) => this.log.warn({ err: err.message }, 'redis connection error'));
    return redis;
  }
}

@Global()
@Module({ providers: [ApiRedis], exports: [ApiRedis] })
export class RedisModule {}
