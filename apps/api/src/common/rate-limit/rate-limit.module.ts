import { Module } from '@nestjs/common';
import { ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { API_CONFIG, type ApiConfig } from '../../config';
import { ApiRedis } from '../../infra/redis.module';
import { FailOpenStorage } from './fail-open-storage';
import type { ThrottlerName } from './rate-limit.guard';

/**
 * The rate limits of config.ts, one throttler per bucket, counted in Redis (fixed windows of
 * RATE_LIMIT_WINDOW_SECONDS; a budget spent is blocked for a window). The guard is
 * RateLimitGuard, an APP_GUARD of app.module.ts.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [API_CONFIG, ApiRedis],
      useFactory: (config: ApiConfig, redis: ApiRedis): ThrottlerModuleOptions => {
        const ttl = config.RATE_LIMIT_WINDOW_SECONDS * 1_000;
        const throttler = (name: ThrottlerName, limit: number) => ({ name, ttl, limit });
        return {
          throttlers: [
            throttler('token', config.RATE_LIMIT_PER_TOKEN),
            throttler('address', config.RATE_LIMIT_PER_ADDRESS_UNAUTHENTICATED),
          ],
          storage: new FailOpenStorage(new ThrottlerStorageRedisService(redis.client)),
          // Retry-After is set on a 429 (RateLimitGuard); no per-throttler X-RateLimit-* headers
          setHeaders: false,
        };
      },
    }),
  ],
})
export class RateLimitModule {}
