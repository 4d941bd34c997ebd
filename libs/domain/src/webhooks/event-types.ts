/**
 * The event types a project's webhook may subscribe to: those of the event stream that carry a
 * project (host and pool events are the operators', never delivered to a project's webhook).
 */
export const WEBHOOK_EVENT_TYPES = ['vm.state', 'vm.stale_copy_destroyed', 'operation.status'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What a subscription may also name: every type of a resource (`vm.*`), or every type (`*`). */
const WILDCARDS = ['*', ...new Set(WEBHOOK_EVENT_TYPES.map((t) => `${t.split('.')[0]}.*`))];

/** The patterns eventTypes accepts, as the API documents them. */
export const WEBHOOK_EVENT_PATTERNS: readonly string[] = [...WEBHOOK_EVENT_TYPES, ...WILDCARDS];

export const MAX_WEBHOOK_EVENT_TYPES = WEBHOOK_EVENT_PATTERNS.length;

/**
 * A webhook's subscription, checked: at least one pattern, each a known type or wildcard;
 * duplicates dropped, order kept. A refusal says which entry is wrong.
 */
export function checkEventTypes(patterns: readonly string[]): { eventTypes: string[] } | { refusal: string } {
  if (patterns.length === 0) return { refusal: 'must name at least one event type (or "*" for all)' };
  const unknown = patterns.find((p) => !WEBHOOK_EVENT_PATTERNS.includes(p));
  if (unknown !== undefined)
    return { refusal: `"${unknown}" is not an event type: one of ${WEBHOOK_EVENT_PATTERNS.join(', ')}` };
  return { eventTypes: [...new Set(patterns)] };
}

/** Whether an event of this type matches a subscription's patterns. */
export function subscribesTo(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}
