import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WebhookRepository } from '@xenplane/db';
import { deliveriesFor, type FeedPosition, orphanedJob, releasable } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { WebhookQueue } from './webhook-queue';

/** Events read per round; a full round is followed by the next at once. */
const BATCH = 500;
/**
 * An event id missing below newer ones may be a transaction not committed yet: the dispatcher
 * waits this long for it before passing it by (as the API's event feed does).
 */
const GAP_WAIT_MS = 2_000;

/**
 * Turns new events into webhook deliveries: reads the event stream after its cursor, matches
 * each event to its project's webhooks (libs/domain deliveriesFor), and commits the deliveries
 * with the cursor moved past them (WebhookRepository.dispatch); then wakes a job per delivery.
 * Also the webhooks' outbox sweeper: a pending delivery without a live job (Redis flushed, an
 * enqueue lost) gets one again.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = getLogger('webhook-dispatcher');
  private gapSince: number | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly queue: WebhookQueue,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.every(this.config.WEBHOOK_POLL_INTERVAL_MS, () => this.dispatchAll());
    this.every(this.config.OUTBOX_SWEEP_INTERVAL_MS, () => this.sweep());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.timers.forEach(clearTimeout);
    await Promise.all(this.inFlight);
  }

  /** Rounds until the stream is read to its end (or to a gap still waited on). */
  async dispatchAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const { read, made } = await this.dispatchOnce();
      total += made;
      if (read < BATCH || this.stopped) return total;
    }
  }

  private async dispatchOnce(): Promise<{ read: number; made: number }> {
    let read = 0;
    const pending = await this.webhooks.dispatch(BATCH, (events, hooks, cursor) => {
      read = events.length;
      const at: FeedPosition = { cursor, gapSince: this.gapSince };
      const { count, gapSince } = releasable(
        at,
        events.map((e) => e.id),
        Date.now(),
        GAP_WAIT_MS,
      );
      this.gapSince = gapSince;
      const released = events.slice(0, count);
      return {
        deliveries: deliveriesFor(released, hooks),
        cursor: released.length ? released[released.length - 1]!.id : cursor,
      };
    });
    // committed: a lost wake-up is the sweeper's
    await this.queue.wake(pending);
    if (pending.length) this.log.debug({ count: pending.length }, 'webhook deliveries made');
    return { read, made: pending.length };
  }

  /** Pending deliveries older than the outbox grace without a live job get one again. */
  async sweep(): Promise<number> {
    const before = new Date(Date.now() - this.config.OUTBOX_GRACE_MS);
    const pending = await this.webhooks.pendingCreatedBefore(before, BATCH * 4);
    const orphans: typeof pending = [];
    const states = await Promise.all(pending.map((d) => this.queue.queue.getJobState(d.id)));
    for (const [i, d] of pending.entries()) {
      const fate = orphanedJob(states[i]!);
      // a job that ended while its delivery did not: its id must be freed before re-adding
      if (fate === 'remove-then-enqueue') await this.queue.queue.remove(d.id).catch(() => undefined);
      if (fate !== 'alive') orphans.push(d);
    }
    if (orphans.length) {
      await this.queue.wake(orphans);
      this.log.info({ count: orphans.length }, 're-enqueued webhook deliveries without a live job');
    }
    return orphans.length;
  }

  /** Runs `task` every `ms`, one run at a time, a failed run logged and the next one kept. */
  private every(ms: number, task: () => Promise<unknown>): void {
    const tick = () => {
      if (this.stopped) return;
      const run = task()
        .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'webhook dispatch round failed'))
        .finally(() => {
          this.inFlight.delete(run);
          if (!this.stopped) this.timers.push(setTimeout(tick, ms));
        });
      this.inFlight.add(run);
    };
    this.timers.push(setTimeout(tick, ms));
  }
}
