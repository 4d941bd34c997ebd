import { eventVisibleTo } from '../events';
import { subscribesTo } from './event-types';

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookRetryPolicy {
  /** attempts in all, the first included */
  attempts: number;
  /** the wait after the first failed attempt, doubled after each further one */
  backoffMs: number;
  /** no wait is longer than this */
  maxBackoffMs: number;
}

/** The wait after failed attempt number `attempt` (1-based): exponential, capped. */
export function deliveryBackoffMs(attempt: number, policy: WebhookRetryPolicy): number {
  return Math.min(policy.backoffMs * 2 ** Math.max(0, attempt - 1), policy.maxBackoffMs);
}

/** What an attempt's answer means: a 2xx delivers; anything else (another status, no answer) is retried. */
export function deliveredBy(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}

export interface AttemptOutcome {
  status: WebhookDeliveryStatus;
  /** when the next attempt is due; null when there is none */
  nextAttemptAt: Date | null;
}

/** A delivery's state after its attempt number `attempt` (1-based) answered `statusCode` (null: no answer). */
export function afterAttempt(
  attempt: number,
  statusCode: number | null,
  now: Date,
  policy: WebhookRetryPolicy,
): AttemptOutcome {
  if (deliveredBy(statusCode)) return { status: 'delivered', nextAttemptAt: null };
  if (attempt >= policy.attempts) return { status: 'failed', nextAttemptAt: null };
  return { status: 'pending', nextAttemptAt: new Date(now.getTime() + deliveryBackoffMs(attempt, policy)) };
}

export interface DispatchedEvent {
  id: bigint;
  projectId: string | null;
  type: string;
  createdAt: Date;
}

export interface Subscriber {
  id: string;
  projectId: string;
  eventTypes: readonly string[];
  enabled: boolean;
  createdAt: Date;
}

/**
 * The deliveries a batch of events makes: one per event and enabled webhook that subscribes to
 * its type, of the webhook's project (a project token's view of the stream: host and pool events
 * have no project and go to nobody), and recorded after the webhook was made (a dispatcher
 * catching up does not send a new webhook what happened before it existed).
 */
export function deliveriesFor(
  events: readonly DispatchedEvent[],
  webhooks: readonly Subscriber[],
): { webhookId: string; eventId: bigint; eventType: string }[] {
  const out: { webhookId: string; eventId: bigint; eventType: string }[] = [];
  for (const event of events) {
    if (event.projectId === null) continue;
    for (const hook of webhooks) {
      if (!hook.enabled || !eventVisibleTo(hook.projectId, event.projectId)) continue;
      if (event.createdAt < hook.createdAt || !subscribesTo(hook.eventTypes, event.type)) continue;
      out.push({ webhookId: hook.id, eventId: event.id, eventType: event.type });
    }
  }
  return out;
}

/** The last error of an attempt as the delivery log keeps it: one line, short (never a body). */
export function shortError(message: string, max = 200): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
