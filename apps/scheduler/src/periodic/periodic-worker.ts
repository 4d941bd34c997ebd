import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Job, Queue, Worker } from 'bullmq';
import { tickLeaseMs } from '@xenplane/domain';
import { getLogger, withCorrelationId } from '@xenplane/observability';
import { createRedis, PeriodicJob, QueueName } from '@xenplane/queue';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { GarbageCollector } from '../gc/garbage-collector';
import { OutboxSweeper } from '../outbox/outbox-sweeper';
import { PoolUsageSampler } from '../pools/pool-usage-sampler';
import { TtlReaper } from '../ttl/ttl-reaper';
import { CertificateRenewer } from '../certificates/certificate-renewer';

const SCHEDULE_KEEPER_MS = 5_000;

// Frees the lease only if this replica still holds it, in one step: between a separate GET and
// DEL the lease could expire and pass to another replica, whose lease the DEL would then free.
const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface Task {
  everyMs: number;
  run(): Promise<unknown>;
}

/**
 * Periodic work as BullMQ job schedulers: each tick is one job, taken by one scheduler replica
 * of however many run. A tick that outlasts its interval is not run twice at once: each task
 * holds a short Redis lease while it runs.
 */
@Injectable()
export class PeriodicWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = getLogger('periodic');
  private readonly tasks: Map<PeriodicJob, Task>;
  private readonly redis;
  private queue?: Queue;
  private worker?: Worker;
  private keeper?: NodeJS.Timeout;

  constructor(
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    sweeper: OutboxSweeper,
    reaper: TtlReaper,
    gc: GarbageCollector,
    usage: PoolUsageSampler,
    certificates: CertificateRenewer,
  ) {
    this.redis = createRedis(config, 'worker');
    this.tasks = new Map<PeriodicJob, Task>([
      [PeriodicJob.OutboxSweep, { everyMs: config.OUTBOX_SWEEP_INTERVAL_MS, run: () => sweeper.sweep() }],
      [PeriodicJob.TtlReap, { everyMs: config.TTL_REAP_INTERVAL_MS, run: () => reaper.reap() }],
      [PeriodicJob.GarbageCollect, { everyMs: config.GC_INTERVAL_MS, run: () => gc.collect() }],
      [PeriodicJob.PoolUsageSample, { everyMs: config.POOL_USAGE_SAMPLE_INTERVAL_MS, run: () => usage.sample() }],
      [
        PeriodicJob.CertificateRenewal,
        { everyMs: config.CERT_RENEW_CHECK_INTERVAL_MS, run: () => certificates.renewDue() },
      ],
    ]);
  }

  async onApplicationBootstrap(): Promise<void> {
    const prefix = this.config.XENPLANE_QUEUE_PREFIX;
    this.queue = new Queue(QueueName.Periodic, { connection: this.redis, prefix });
    await this.schedule();
    // Redis keeps nothing we cannot rebuild: if it restarts empty, the schedules come back
    // within this interval, and with them the outbox sweeper that re-enqueues everything else
    this.keeper = setInterval(() => void this.schedule().catch(() => undefined), SCHEDULE_KEEPER_MS);
    this.worker = new Worker(QueueName.Periodic, (job) => this.run(job), {
      connection: createRedis(this.config, 'worker'),
      prefix,
      concurrency: this.tasks.size,
    });
    this.worker.on('error', (err) => this.log.warn({ err: err.message }, 'periodic worker error'));
  }

  private async schedule(): Promise<void> {
    for (const [name, task] of this.tasks) {
      await this.queue!.upsertJobScheduler(
        name,
        { every: task.everyMs },
        { name, opts: { removeOnComplete: true, removeOnFail: true } },
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.keeper);
    await this.worker?.close();
    await this.queue?.close();
    this.redis.disconnect();
  }

  private async run(job: Job): Promise<void> {
    const task = this.tasks.get(job.name as PeriodicJob);
    if (!task) return;
    const lease = `${this.config.XENPLANE_QUEUE_PREFIX}:periodic-lease:${job.name}`;
    const holder = randomUUID();
    // the lease outlives a normal tick; a replica killed mid-tick frees it when it expires
    const got = await this.redis.set(lease, holder, 'PX', tickLeaseMs(task.everyMs), 'NX');
    if (got !== 'OK') return;
    try {
      // a tick is a piece of work of its own: what it starts (a TTL pass's deletes) shares its correlation id
      await withCorrelationId(undefined, () => task.run());
    } catch (err) {
      this.log.warn({ task: job.name, err: (err as Error).message }, 'periodic task failed');
    } finally {
      await this.redis.eval(RELEASE_LEASE, 1, lease, holder);
    }
  }
}
