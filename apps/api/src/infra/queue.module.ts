import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { getLogger } from '@xenplane/observability';
import { createRedis, OperationQueues, type OperationRef, type RetryPolicy } from '@xenplane/queue';
import { API_CONFIG, type ApiConfig } from '../config';

const ENQUEUE_TIMEOUT_MS = 1_000;

/**
 * Wakes the scheduler for operations the API committed. Failing to enqueue loses nothing (the
 * outbox sweeper finds queued operations without a job), so it never fails a request.
 */
@Injectable()
export class OperationQueue implements OnApplicationShutdown {
  private readonly log = getLogger('operation-queue');
  readonly redis: Redis;
  private readonly queues: OperationQueues;
  private readonly retry: RetryPolicy;

  constructor(@Inject(API_CONFIG) config: ApiConfig) {
    this.retry = { attempts: config.OPERATION_ATTEMPTS, backoffMs: config.OPERATION_BACKOFF_MS };
    this.redis = createRedis(config, 'producer');
    this.redis.on('error', (err) => this.log.warn({ err: err.message }, 'redis connection error'));
    this.queues = new OperationQueues(this.redis, config.XENPLANE_QUEUE_PREFIX);
    for (const q of [this.queues.operations, this.queues.haRestarts])
      q.on('error', (err) => this.log.warn({ err: err.message }, 'queue error'));
  }

  async wake(ops: readonly OperationRef[]): Promise<void> {
    try {
      await withTimeout(this.queues.wake(ops, this.retry), ENQUEUE_TIMEOUT_MS);
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message, count: ops.length },
        'enqueue failed; the outbox sweeper will retry',
      );
    }
  }

  async ping(): Promise<boolean> {
    try {
      return (await withTimeout(this.redis.ping(), ENQUEUE_TIMEOUT_MS)) === 'PONG';
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queues.close().catch(() => undefined);
    this.redis.disconnect();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

@Global()
@Module({ providers: [OperationQueue], exports: [OperationQueue] })
export class QueueModule {}
