import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Job, Worker } from 'bullmq';
import { type DeliveryToSend, WebhookRepository } from '@xenplane/db';
import { afterAttempt, attemptError, webhookSignature, type WebhookRetryPolicy } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { createRedis, QueueName, type WebhookJobData } from '@xenplane/queue';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { DELIVERY_BACKOFF } from './webhook-queue';
import { sendDelivery } from './webhook-sender';

/** Thrown for BullMQ to try the job again after the wait the delivery row recorded. */
class RetryLater extends Error {
  constructor(readonly delayMs: number) {
    super('the receiver did not take the delivery; tried again later');
  }
}

/**
 * Sends webhook deliveries, one attempt per job run. Each attempt is recorded on the delivery
 * row (its count, status code or error, next attempt) before BullMQ is asked to retry, so the
 * delivery log says what happened even if this process dies right after. At least once: a
 * process killed between the POST and the record sends the delivery again (receivers dedupe on
 * X-Xenplane-Delivery). Never logs a secret nor a signature.
 */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = getLogger('webhook-worker');
  private worker?: Worker<WebhookJobData>;
  private readonly policy: WebhookRetryPolicy;

  constructor(
    private readonly webhooks: WebhookRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {
    this.policy = {
      attempts: config.WEBHOOK_ATTEMPTS,
      backoffMs: config.WEBHOOK_BACKOFF_MS,
      maxBackoffMs: config.WEBHOOK_BACKOFF_MAX_MS,
    };
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker<WebhookJobData>(QueueName.Webhooks, (job) => this.attempt(job), {
      connection: createRedis(this.config, 'worker'),
      prefix: this.config.XENPLANE_QUEUE_PREFIX,
      concurrency: this.config.WEBHOOK_CONCURRENCY,
      lockDuration: Math.max(this.config.JOB_LOCK_MS, this.config.WEBHOOK_TIMEOUT_MS * 2),
      stalledInterval: this.config.STALLED_CHECK_MS,
      maxStalledCount: 1_000,
      settings: {
        backoffStrategy: (_attempts, type, err) =>
          type === DELIVERY_BACKOFF && err instanceof RetryLater ? err.delayMs : this.config.WEBHOOK_BACKOFF_MS,
      },
    });
    this.worker.on('error', (err) => this.log.warn({ err: err.message }, 'webhook worker error'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  private async attempt(job: Job<WebhookJobData>): Promise<void> {
    const delivery = await this.webhooks.toSend(job.data.deliveryId);
    // gone with its webhook or event, or already ended: nothing to send
    if (!delivery || delivery.status !== 'pending') return;
    if (!delivery.webhook.enabled) return this.webhooks.abandon(delivery.id, 'the webhook was disabled');
    const attempt = delivery.attempts + 1;
    const result = await sendDelivery({
      url: delivery.webhook.url,
      ...signedRequest(delivery),
      timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
      allowPrivate: this.config.WEBHOOK_ALLOW_PRIVATE,
    });
    const statusCode = 'statusCode' in result ? result.statusCode : null;
    const now = new Date();
    const outcome = afterAttempt(attempt, statusCode, now, this.policy);
    const error = attemptError(statusCode, 'error' in result ? result.error : null);
    const recorded = await this.webhooks.recordAttempt(delivery.id, attempt, { ...outcome, statusCode, error });
    this.log.info(
      { deliveryId: delivery.id, webhookId: delivery.webhookId, attempt, statusCode, status: outcome.status, error },
      'webhook delivery attempted',
    );
    if (recorded && outcome.nextAttemptAt) throw new RetryLater(outcome.nextAttemptAt.getTime() - now.getTime());
  }
}

/** The request of a delivery: the event as JSON, signed with its webhook's secret (docs/WEBHOOKS.md). */
export function signedRequest(d: DeliveryToSend, now = Date.now()): { headers: Record<string, string>; body: string } {
  const e = d.event;
  const body = JSON.stringify({
    id: e.id.toString(),
    type: e.type,
    createdAt: e.createdAt.toISOString(),
    projectId: e.projectId,
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    data: e.data,
  });
  const timestamp = Math.floor(now / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Xenplane-Webhooks/1',
      'x-xenplane-event': e.type,
      'x-xenplane-delivery': d.id,
      'x-xenplane-timestamp': String(timestamp),
      'x-xenplane-signature': webhookSignature(d.webhook.secret, timestamp, body),
    },
  };
}
