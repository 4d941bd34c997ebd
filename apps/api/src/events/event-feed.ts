import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Event, EventRepository } from '@xenplane/db';
import { releasable } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';

const POLL_MS = 200;
const BATCH = 1_000;
// An id below the newest one that is still missing may belong to a transaction that has not
// committed yet (ids are taken at insert, rows appear at commit): wait this long for it before
// treating the gap as a rolled-back insert.
const GAP_WAIT_MS = 2_000;

type Listener = (events: Event[]) => void;

/**
 * One poller of the events table per API process, shared by every SSE subscriber, running
 * only while someone listens. It hands events out in id order without skipping one that
 * commits late.
 */
@Injectable()
export class EventFeed implements OnApplicationShutdown {
  private readonly log = getLogger('event-feed');
  private readonly listeners = new Set<Listener>();
  private cursor?: bigint;
  private gapSince?: number;
  private timer?: NodeJS.Timeout;

  constructor(private readonly events: EventRepository) {}

  /** The id up to which events have been handed out (a new subscriber replays up to here). */
  async position(): Promise<bigint> {
    if (this.cursor === undefined) {
      this.cursor = await this.events.lastId();
    }
    return this.cursor;
  }

  async subscribe(listener: Listener): Promise<() => void> {
    await this.position();
    this.listeners.add(listener);
    this.timer ??= setInterval(() => void this.poll(), POLL_MS);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.listeners.clear();
  }

  private polling = false;

  private async poll(): Promise<void> {
    if (this.polling || this.cursor === undefined) return;
    this.polling = true;
    try {
      const rows = await this.events.after(this.cursor, BATCH);
      const deliverable = this.contiguous(rows);
      if (deliverable.length) {
        this.cursor = deliverable[deliverable.length - 1]!.id;
        for (const listener of this.listeners) listener(deliverable);
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'event poll failed');
    } finally {
      this.polling = false;
    }
  }

  /** The rows that follow the cursor without a gap, or all of them once a gap is old enough. */
  private contiguous(rows: Event[]): Event[] {
    const release = releasable(
      { cursor: this.cursor!, gapSince: this.gapSince },
      rows.map((r) => r.id),
      Date.now(),
      GAP_WAIT_MS,
    );
    this.gapSince = release.gapSince;
    return release.count === rows.length ? rows : rows.slice(0, release.count);
  }
}
