import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Job, Queue } from 'bullmq';
import { QUEUE_NAMES, queueStats, type QueueStats } from '@xenplane/queue';
import { conflict, notFound } from '../common/errors/api-errors';
import { API_CONFIG, type ApiConfig } from '../config';
import { OperationQueue } from '../infra/queue.module';
import type { JobView, ListedState } from './queue.dto';

// a job id as Xenplane makes them (uuids, periodic ticks): anything else names no job
const JOB_ID = /^[A-Za-z0-9:_-]{1,128}$/;

/**
 * The operators' view of the BullMQ queues (GET /v1/queues): counts by state and the oldest
 * waiting job's age (queueStats, the function the scheduler's queue gauges use), failed jobs
 * with their reasons, and a failed job sent back to be tried again. Over the API's Redis
 * connection; a job is only a wake-up call, so a retry asks nothing Postgres has not decided.
 */
@Injectable()
export class QueuesService implements OnApplicationShutdown {
  private readonly queues: Map<string, Queue>;

  constructor(@Inject(API_CONFIG) config: ApiConfig, producer: OperationQueue) {
    this.queues = new Map(
      QUEUE_NAMES.map((name) => [
        name,
        new Queue(name, { connection: producer.redis, prefix: config.XENPLANE_QUEUE_PREFIX }),
      ]),
    );
  }

  list(): Promise<QueueStats[]> {
    return Promise.all([...this.queues.values()].map((q) => queueStats(q)));
  }

  async jobs(name: string, state: ListedState, limit: number): Promise<JobView[]> {
    const jobs = await this.queue(name).getJobs([state], 0, limit - 1);
    return jobs.filter((j): j is Job => !!j).map((j) => present(j, state));
  }

  /** A failed job back to waiting, its attempts counted afresh; 409 unless it is failed now. */
  async retry(name: string, id: string): Promise<JobView> {
    const queue = this.queue(name);
    const job = JOB_ID.test(id) ? await queue.getJob(id) : undefined;
    if (!job) throw notFound('job', id);
    const state = await job.getState();
    if (state !== 'failed') throw conflict(`job ${id} is ${state}: only a failed job can be retried`, { state });
    await job.retry('failed');
    return present(job, 'waiting');
  }

  private queue(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw notFound('queue', name);
    return queue;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close())).catch(() => undefined);
  }
}

function present(job: Job, state: ListedState): JobView {
  const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : undefined);
  const data = Object.fromEntries(
    Object.entries((job.data ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'string'),
  ) as Record<string, string>;
  const processedAt = iso(job.processedOn);
  const finishedAt = iso(job.finishedOn);
  return {
    id: String(job.id),
    name: job.name,
    state,
    attemptsMade: job.attemptsMade,
    ...(job.failedReason && state === 'failed' ? { failedReason: job.failedReason } : {}),
    createdAt: new Date(job.timestamp).toISOString(),
    ...(processedAt ? { processedAt } : {}),
    ...(finishedAt && state !== 'waiting' ? { finishedAt } : {}),
    data,
  };
}
