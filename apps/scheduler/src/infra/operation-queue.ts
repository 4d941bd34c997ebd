import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createRedis, OperationQueues, type OperationRef } from '@xenplane/queue';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

/** The scheduler's producer side of the operation queues (outbox sweeper, TTL reaper, restarts of dead hosts). */
@Injectable()
export class OperationQueue implements OnApplicationShutdown {
  private readonly redis;
  readonly queues: OperationQueues;

  constructor(@Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig) {
    this.redis = createRedis(config, 'worker');
    this.queues = new OperationQueues(this.redis, config.XENPLANE_QUEUE_PREFIX);
  }

  wake(ops: readonly OperationRef[]): Promise<void> {
    return this.queues.wake(ops, {
      attempts: this.config.OPERATION_ATTEMPTS,
      backoffMs: this.config.OPERATION_BACKOFF_MS,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queues.close().catch(() => undefined);
    this.redis.disconnect();
  }
}
