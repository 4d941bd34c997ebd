import { type Host, type Operation, OPERATION_KINDS, OPERATION_STATUSES } from '@xenplane/sdk';

/**
 * The operator pages' rules, pure: what each page keeps in its URL's search params (anything
 * malformed is dropped, never thrown), and how figures are shown.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

const list = (raw: unknown): string[] =>
  (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [])
    .filter((s): s is string => typeof s === 'string')
    .map((s) => s.trim())
    .filter(Boolean);
const oneOf = <T extends string>(all: readonly T[], raw: unknown): T[] => [
  ...new Set(list(raw).filter((s): s is T => (all as readonly string[]).includes(s))),
];
const text = (raw: unknown, pattern: RegExp): string | undefined =>
  typeof raw === 'string' && pattern.test(raw.trim()) ? raw.trim() : undefined;

// ---- Pools -------------------------------------------------------------------------------------

/** The windows a pool's plots offer, as the usage history's `since` before now. */
export const USAGE_RANGES = { '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const;
export type UsageRange = keyof typeof USAGE_RANGES;
export const DEFAULT_RANGE: UsageRange = '24h';

export interface PoolsSearch {
  pool?: string;
  range?: UsageRange;
}

export function parsePoolsSearch(raw: Record<string, unknown>): PoolsSearch {
  const out: PoolsSearch = {};
  if (isUuid(raw['pool'])) out.pool = raw['pool'];
  const range = raw['range'];
  if (typeof range === 'string' && range in USAGE_RANGES && range !== DEFAULT_RANGE) out.range = range as UsageRange;
  return out;
}

/** The usage history's query for a range ending now (whole seconds, so a refetch within the second reads the same). */
export function usageQuery(range: UsageRange, nowMs: number): { since: string; until: string } {
  const until = Math.ceil(nowMs / 1000) * 1000;
  return { since: new Date(until - USAGE_RANGES[range]).toISOString(), until: new Date(until).toISOString() };
}

export const USAGE_RESOURCES = [
  { key: 'vcpus', label: 'vCPUs', unit: '' },
  { key: 'memoryMb', label: 'Memory', unit: 'MB' },
  { key: 'diskGb', label: 'Disk', unit: 'GB' },
  { key: 'instances', label: 'Instances', unit: '' },
] as const;
export type UsageResource = (typeof USAGE_RESOURCES)[number]['key'];

interface UsagePointIn {
  at: string;
  capacity: { vcpus: number; memoryMb: number; diskGb: number };
  used: Record<UsageResource, number>;
  peak: Record<UsageResource, number>;
}

export interface ChartRow {
  /** epoch ms, the x axis */
  t: number;
  used: number;
  peak: number;
  /** none for instances: no host caps them */
  capacity?: number;
}

/** One resource's plot rows from the history's points. */
export function usageRows(points: readonly UsagePointIn[], resource: UsageResource): ChartRow[] {
  return points.map((p) => ({
    t: Date.parse(p.at),
    used: p.used[resource],
    peak: p.peak[resource],
    ...(resource !== 'instances' ? { capacity: p.capacity[resource] } : {}),
  }));
}

/** What a plot says in words (screen readers, and a glance): the latest point and the window's peak. */
export function usageSummary(rows: readonly ChartRow[], unit: string): string {
  const last = rows.at(-1);
  if (!last) return 'No samples in this window yet.';
  const u = unit ? ` ${unit}` : '';
  const peak = Math.max(...rows.map((r) => r.peak));
  const of = last.capacity !== undefined ? ` of ${fmt(last.capacity)}${u} (${percent(last.used, last.capacity)}%)` : '';
  return `Now ${fmt(last.used)}${u}${of}; peak ${fmt(peak)}${u} in this window.`;
}

const fmt = (n: number) =>
  Number.isInteger(n) ? n.toLocaleString('en') : n.toLocaleString('en', { maximumFractionDigits: 1 });

/** used as a whole percentage of capacity, 0..100 (0 when there is no capacity). */
export function percent(used: number, capacity: number): number {
  if (!(capacity > 0)) return 0;
  return Math.min(100, Math.max(0, Math.round((used / capacity) * 100)));
}

/** A time on a plot's axis: hours and minutes for a day or less, else the day and hour. */
export function axisTime(t: number, range: UsageRange): string {
  const d = new Date(t);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return range === '7d' ? `${d.getMonth() + 1}/${d.getDate()} ${hm}` : hm;
}

// ---- Hosts -------------------------------------------------------------------------------------

export const HOST_STATES: readonly Host['state'][] = [
  'enrolling',
  'up',
  'suspect',
  'unreachable',
  'down',
  'maintenance',
  'disabled',
];

export interface HostsSearch {
  pool?: string;
  state?: Host['state'][];
  /** the host whose details (VMs, actions) are open */
  host?: string;
}

export function parseHostsSearch(raw: Record<string, unknown>): HostsSearch {
  const out: HostsSearch = {};
  if (isUuid(raw['pool'])) out.pool = raw['pool'];
  const state = oneOf(HOST_STATES, raw['state']);
  if (state.length) out.state = state;
  if (isUuid(raw['host'])) out.host = raw['host'];
  return out;
}

/** An age in words (a host's last heartbeat, a queue's oldest waiting job): "0.8 s", "42 s", "3 min", "2 h", "never". */
export function heartbeatAge(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return 'never';
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

/**
 * A host's liveness in words and colour: its state, and for an `up` host whether it was heard from
 * within its pool's suspect timeout (an up host that is not takes no VM).
 */
export function hostLiveness(h: Pick<Host, 'state' | 'live'>): { label: string; color: string } {
  if (h.state === 'up')
    return h.live ? { label: 'up', color: 'green' } : { label: 'up, not heard from', color: 'orange' };
  const colors: Record<string, string> = {
    enrolling: 'blue',
    suspect: 'orange',
    unreachable: 'red',
    down: 'red',
    maintenance: 'violet',
    disabled: 'gray',
  };
  return { label: h.state, color: colors[h.state] ?? 'gray' };
}

/** Which actions an operator may take on a host (the API's own rules, docs/API.md and libs/domain declareDeadRefusal). */
export function hostActions(h: Pick<Host, 'state' | 'live'>): {
  maintenance: boolean;
  enable: boolean;
  declareDead: boolean;
} {
  return {
    // enrolling, suspect and down hosts are refused (409): heartbeats decide their state
    maintenance: ['up', 'maintenance', 'disabled', 'unreachable'].includes(h.state),
    enable: h.state === 'maintenance' || h.state === 'disabled',
    // a host that answers heartbeats is not dead, and a down one is already
    declareDead: !h.live && ['up', 'suspect', 'unreachable', 'maintenance', 'disabled'].includes(h.state),
  };
}

/** The evacuation under way of each host (the newest running or queued evacuate operation), by host id. */
export function evacuationsByHost(ops: readonly Operation[]): Map<string, Operation> {
  const out = new Map<string, Operation>();
  for (const op of ops) {
    if (op.kind !== 'evacuate' || !op.hostId || (op.status !== 'running' && op.status !== 'queued')) continue;
    const seen = out.get(op.hostId);
    if (!seen || seen.createdAt < op.createdAt) out.set(op.hostId, op);
  }
  return out;
}

// ---- Operations and audit ----------------------------------------------------------------------

/** The operations list's filters (the API takes one status and one kind). */
export interface OperationsSearch {
  status?: Operation['status'];
  kind?: Operation['kind'];
  vmId?: string;
}

export function parseOperationsSearch(raw: Record<string, unknown>): OperationsSearch {
  const out: OperationsSearch = {};
  const [status] = oneOf(OPERATION_STATUSES, raw['status']);
  if (status) out.status = status;
  const [kind] = oneOf(OPERATION_KINDS, raw['kind']);
  if (kind) out.kind = kind;
  if (isUuid(raw['vmId'])) out.vmId = raw['vmId'];
  return out;
}

export const AUDIT_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const AUDIT_OUTCOMES = ['2xx', '3xx', '4xx', '5xx'] as const;

export interface AuditSearch {
  action?: string;
  resourceType?: string;
  resourceId?: string;
  tokenId?: string;
  projectId?: string;
  method?: (typeof AUDIT_METHODS)[number];
  outcome?: (typeof AUDIT_OUTCOMES)[number];
  /** ISO date-times */
  since?: string;
  until?: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseAuditSearch(raw: Record<string, unknown>): AuditSearch {
  const out: AuditSearch = {};
  const action = text(raw['action'], /^[a-z][a-z_]{0,39}\.[a-z][a-z_]{0,39}$/);
  if (action) out.action = action;
  const resourceType = text(raw['resourceType'], /^[a-z][a-z_]{0,39}$/);
  if (resourceType) out.resourceType = resourceType;
  for (const k of ['resourceId', 'tokenId', 'projectId'] as const) if (isUuid(raw[k])) out[k] = raw[k];
  const [method] = oneOf(AUDIT_METHODS, raw['method']);
  if (method) out.method = method;
  const [outcome] = oneOf(AUDIT_OUTCOMES, raw['outcome']);
  if (outcome) out.outcome = outcome;
  for (const k of ['since', 'until'] as const) {
    const v = text(raw[k], ISO);
    if (v && !Number.isNaN(Date.parse(v))) out[k] = new Date(v).toISOString();
  }
  return out;
}

/** Drops the empty fields of a search (an empty filter is no filter, and stays out of the URL). */
export function compact<T extends object>(s: T): T {
  const out = { ...s } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out))
    if (v === undefined || v === '' || (Array.isArray(v) && !v.length)) delete out[k];
  return out as T;
}

/** Memory in the unit that reads best: MB below a GiB, else GiB with one decimal. */
export function formatMemory(mb: number): string {
  return mb < 1024 ? `${Math.round(mb)} MB` : `${(mb / 1024).toLocaleString('en', { maximumFractionDigits: 1 })} GiB`;
}
