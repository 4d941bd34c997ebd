import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type JobsOptions, Queue } from 'bullmq';
import { createRedis, QueueName, type WebhookJobData } from '@xenplane/queue';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

/** The backoff type of delivery jobs: the worker's strategy waits what the delivery row says. */
export const DELIVERY_BACKOFF = 'delivery';

/** A delivery due now or later (its nextAttemptAt), as its job is made. */
export interface DeliveryRef {
  id: string;
  nextAttemptAt?: Date | null;
}

/**
 * The producer side of the webhooks queue: one job per delivery, job id = delivery id, so waking
 * a delivery that has a live job is a no-op. The delivery row is the truth, a job a wake-up.
 */
@Injectable()
export class WebhookQueue implements OnApplicationShutdown {
  private readonly redis;
  readonly queue: Queue<WebhookJobData>;

  constructor(@Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig) {
    this.redis = createRedis(config, 'worker');
    this.queue = new Queue(QueueName.Webhooks, { connection: this.redis, prefix: config.XENPLANE_QUEUE_PREFIX });
  }

  async wake(deliveries: readonly DeliveryRef[]): Promise<void> {
    if (!deliveries.length) return;
    const now = Date.now();
    await this.queue.addBulk(
      deliveries.map((d) => ({
        name: 'deliver',
        data: { deliveryId: d.id },
        opts: this.jobOptions(d.id, Math.max(0, (d.nextAttemptAt?.getTime() ?? now) - now)),
      })),
    );
  }

  private jobOptions(id: string, delay: number): JobsOptions {
    return {
      jobId: id,
      delay,
      attempts: this.config.WEBHOOK_ATTEMPTS,
      backoff: { type: DELIVERY_BACKOFF },
      // the delivery row keeps the outcome; a finished job only has to free its id
      removeOnComplete: true,
      removeOnFail: true,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
  }
}
