import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { sharedPerScrape } from '@xenplane/observability';
import { createRedis, JOB_STATES, QUEUE_NAMES, queueStats } from '@xenplane/queue';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { registry } from './scheduler-metrics';

/**
 * Every queue's jobs by state and the age of its longest-waiting job, read from Redis when
 * scraped (queueStats: a few commands per queue, whatever their length). The operations role's:
 * every replica reports the same queues, so queries aggregate them with max by (queue).
 */
@Injectable()
export class QueueMetrics implements OnModuleInit, OnApplicationShutdown {
  private readonly redis;
  private readonly queues: Queue[];
  /** one read serves both gauges of a scrape */
  private readonly stats = sharedPerScrape(() => Promise.all(this.queues.map((q) => queueStats(q))));

  constructor(@Inject(SCHEDULER_CONFIG) config: SchedulerConfig) {
    this.redis = createRedis(config, 'producer');
    this.queues = QUEUE_NAMES.map(
      (name) => new Queue(name, { connection: this.redis, prefix: config.XENPLANE_QUEUE_PREFIX }),
    );
  }

  onModuleInit(): void {
    const stats = this.stats;
    new Gauge({
      name: 'xenplane_queue_jobs',
      help: 'Jobs in each BullMQ queue by state (waiting, prioritized, active, delayed, failed...)',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const q of await stats())
          for (const state of JOB_STATES) this.set({ queue: q.name, state }, q.counts[state]);
      },
    });
    new Gauge({
      name: 'xenplane_queue_oldest_waiting_age_seconds',
      help: 'How long the longest-waiting job of each queue has waited for a worker (0 when none waits)',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const q of await stats()) this.set({ queue: q.name }, q.oldestWaitingAgeSeconds ?? 0);
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close())).catch(() => undefined);
    this.redis.disconnect();
  }
}
