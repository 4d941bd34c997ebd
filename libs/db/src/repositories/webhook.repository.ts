import type { Db } from '../client';
import type { Event, Prisma, Webhook, WebhookDelivery } from '../generated/prisma/client';
import { insertDeliveries, lockDispatchCursor, lockProject } from '../webhook-dispatch';
import { afterPage, NEWEST_FIRST, type PageCursor } from './page';

export interface NewWebhook {
  projectId: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  secret: string;
  createdByTokenId: string | null;
}

export type WebhookChange = Partial<Pick<Webhook, 'url' | 'description' | 'eventTypes' | 'enabled'>>;

/** A delivery as its worker needs it: its webhook and event (null once either was deleted). */
export type DeliveryToSend = WebhookDelivery & { webhook: Webhook; event: Event };

/** What one attempt left a delivery as (libs/domain afterAttempt). */
export interface AttemptRecord {
  status: 'pending' | 'delivered' | 'failed';
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
}

/** What a dispatch round decides over the events it read (libs/domain deliveriesFor + releasable). */
export interface DispatchPlan {
  deliveries: { webhookId: string; eventId: bigint; eventType: string }[];
  /** the id the cursor moves to (the last event of the round it hands out) */
  cursor: bigint;
}

const DISPATCHER = 'dispatcher';

/** What a dispatch round reads of an event. */
export type EventToDispatch = Pick<Event, 'id' | 'projectId' | 'type' | 'createdAt'>;

/** A project's webhooks, their delivery log, and the dispatcher's place in the event stream. */
export class WebhookRepository {
  constructor(private readonly db: Db) {}

  /**
   * Makes the webhook unless its project already has `max`: the project's row is locked
   * meanwhile, so that concurrent creates cannot both pass the count. Null: the project is full.
   */
  create(w: NewWebhook, max: number): Promise<Webhook | null> {
    return this.db.$transaction(async (tx) => {
      await lockProject(tx, w.projectId);
      if ((await tx.webhook.count({ where: { projectId: w.projectId } })) >= max) return null;
      return tx.webhook.create({ data: w });
    });
  }

  /** The project's webhooks, newest first, a page after the cursor. */
  list(projectId: string, take: number, after?: PageCursor): Promise<Webhook[]> {
    return this.db.webhook.findMany({ where: { projectId, ...afterPage(after) }, orderBy: NEWEST_FIRST, take });
  }

  /** The project's webhook with this id; null for another project's. */
  find(projectId: string, id: string): Promise<Webhook | null> {
    return this.db.webhook.findFirst({ where: { id, projectId } });
  }

  /** The project's webhook changed; null when it has none such. */
  async update(projectId: string, id: string, change: WebhookChange): Promise<Webhook | null> {
    const n = await this.db.webhook.updateMany({ where: { id, projectId }, data: change });
    return n.count === 1 ? this.find(projectId, id) : null;
  }

  /** Deletes the project's webhook and its delivery log; false when it has none such. */
  async delete(projectId: string, id: string): Promise<boolean> {
    return (await this.db.webhook.deleteMany({ where: { id, projectId } })).count === 1;
  }

  /** A webhook's delivery log, newest first, a page after the cursor. */
  deliveries(webhookId: string, take: number, after?: PageCursor): Promise<WebhookDelivery[]> {
    return this.db.webhookDelivery.findMany({
      where: { webhookId, ...afterPage(after) },
      orderBy: NEWEST_FIRST,
      take,
    });
  }

  /**
   * One dispatch round, in one transaction: the cursor's row is locked (dispatchers of several
   * scheduler replicas take turns), `take` events after it are read, `plan` decides, and the
   * deliveries and the new cursor are committed together. A killed dispatcher thus loses no
   * event and repeats none it recorded; (webhook, event) is unique besides. A cursor that does
   * not exist yet starts at the newest event: webhooks get what happens after they existed.
   * Returns the deliveries this round made, for their jobs.
   */
  dispatch(
    take: number,
    plan: (events: EventToDispatch[], webhooks: Webhook[], cursor: bigint) => DispatchPlan,
  ): Promise<WebhookDelivery[]> {
    return this.db.$transaction(async (tx) => {
      const cursor = await lockedCursor(tx);
      const events = await tx.event.findMany({
        where: { id: { gt: cursor } },
        orderBy: { id: 'asc' },
        take,
        // not the payload: a delivery reads it when it is sent
        select: { id: true, projectId: true, type: true, createdAt: true },
      });
      if (!events.length) return [];
      const projects = [...new Set(events.map((e) => e.projectId).filter((p): p is string => p !== null))];
      const webhooks = projects.length
        ? await tx.webhook.findMany({ where: { projectId: { in: projects }, enabled: true } })
        : [];
      const decided = plan(events, webhooks, cursor);
      if (decided.cursor === cursor) return [];
      const made = await insertDeliveries(tx, decided.deliveries);
      await tx.webhookCursor.update({ where: { name: DISPATCHER }, data: { eventId: decided.cursor } });
      return made;
    });
  }

  /** A delivery with its webhook and event, for an attempt; null once it is gone (webhook deleted, event expired). */
  toSend(id: string): Promise<DeliveryToSend | null> {
    return this.db.webhookDelivery.findUnique({ where: { id }, include: { webhook: true, event: true } });
  }

  /** Records an attempt of a delivery still pending; false when it is not (anymore). */
  async recordAttempt(id: string, attempt: number, r: AttemptRecord): Promise<boolean> {
    const n = await this.db.webhookDelivery.updateMany({
      where: { id, status: 'pending' },
      data: {
        status: r.status,
        attempts: attempt,
        lastStatusCode: r.statusCode,
        lastError: r.error,
        nextAttemptAt: r.nextAttemptAt,
        ...(r.status === 'delivered' ? { deliveredAt: new Date() } : {}),
      },
    });
    return n.count === 1;
  }

  /** Ends a pending delivery that will not be attempted (its webhook was disabled). */
  async abandon(id: string, error: string): Promise<void> {
    await this.db.webhookDelivery.updateMany({
      where: { id, status: 'pending' },
      data: { status: 'failed', lastError: error, nextAttemptAt: null },
    });
  }

  /** Pending deliveries made before `before`, oldest first: the sweeper checks they have a live job. */
  pendingCreatedBefore(before: Date, take: number): Promise<WebhookDelivery[]> {
    return this.db.webhookDelivery.findMany({
      where: { status: 'pending', createdAt: { lt: before } },
      orderBy: { createdAt: 'asc' },
      take,
    });
  }
}

type Tx = Prisma.TransactionClient;

async function lockedCursor(tx: Tx): Promise<bigint> {
  const cursor = await lockDispatchCursor(tx, DISPATCHER);
  if (cursor !== null) return cursor;
  const last = await tx.event.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
  // a dispatcher starting at the same time may insert it first: then its row is taken, locked
  await tx.webhookCursor.createMany({ data: [{ name: DISPATCHER, eventId: last?.id ?? 0n }], skipDuplicates: true });
  return (await lockDispatchCursor(tx, DISPATCHER))!;
}
