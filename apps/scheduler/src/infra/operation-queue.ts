import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { createRedis, enqueueOperations, type OperationJobData, type OperationRef, QueueName } from '@xenplane/queue';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

/** The scheduler's producer side of the operations queue (outbox sweeper, TTL reaper). */
@Injectable()
export class OperationQueue implements OnApplicationShutdown {
  private readonly redis;
  readonly queue: Queue<OperationJobData>;

  constructor(@Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig) {
    this.redis = createRedis(config.REDIS_URL, 'worker');
    this.queue = new Queue(QueueName.Operations, { connection: this.redis, prefix: config.XENPLANE_QUEUE_PREFIX });
  }

  wake(ops: readonly OperationRef[]): Promise<void> {
    return enqueueOperations(this.queue, ops, { attempts: this.config.OPERATION_ATTEMPTS, backoffMs: this.config.OPERATION_BACKOFF_MS });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
  }
}
