/**
 * Every event type the stream carries (GET /v1/events): libs/db records events typed by this
 * list, so a new type is added here first and a client's `?types=` can be checked against it.
 */
export const EVENT_TYPES = [
  'vm.state',
  'vm.stale_copy_destroyed',
  'operation.status',
  'host.state',
  'host.certificate_renewed',
  'pool.partitioned',
  'pool.partition_healed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a stream is narrowed to: events about one VM, events of some types (both when both). */
export interface EventFilter {
  vmId?: string;
  types?: readonly EventType[];
}

/** The part of an event a filter looks at. */
export interface FilteredEvent {
  type: string;
  resourceType: string;
  resourceId: string;
  data: unknown;
}

/**
 * The event types of a `?types=` comma list, or the types it names that do not exist. Empty
 * items (`a,,b`, a trailing comma) are refused too: a list that names nothing is a mistake.
 */
export function parseEventTypes(raw: string): { types: EventType[] } | { unknown: string[] } {
  const names = raw.split(',').map((t) => t.trim());
  const unknown = names.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length) return { unknown };
  return { types: [...new Set(names as EventType[])] };
}

/**
 * Whether an event passes the filter. About a VM: the VM's own events (resourceType `vm`), and
 * those naming it in their data (an operation's `operation.status` carries its `vmId`, as does
 * a host's `vm.stale_copy_destroyed` for a VM gone).
 */
export function eventMatches(f: EventFilter, e: FilteredEvent): boolean {
  if (f.types && !f.types.includes(e.type as EventType)) return false;
  if (f.vmId === undefined) return true;
  if (e.resourceType === 'vm' && e.resourceId === f.vmId) return true;
  const data = e.data;
  return typeof data === 'object' && data !== null && (data as { vmId?: unknown }).vmId === f.vmId;
}
