import type { Resources } from '../hosts/capacity';

/**
 * A pool's usage history (GET /v1/pools/:id/usage-history): the scheduler samples every pool's
 * capacity and usage at a fixed interval (POOL_USAGE_SAMPLE_INTERVAL_MS, a minute by default),
 * keeps the samples for POOL_USAGE_RETENTION_DAYS, and the API downsamples a window of them to a
 * bounded number of points. The rules of each step, as pure functions.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY_MS = 24 * HOUR;

/** The most points a usage history answers, whatever its window. */
export const USAGE_MAX_POINTS = 500;
/** The window a usage history covers when the caller names no start: the last day. */
export const USAGE_DEFAULT_WINDOW_MS = DAY_MS;

/** What a pool's guests hold: its hosts' claims, and how many VMs they are. */
export interface UsedResources extends Resources {
  instances: number;
}

/**
 * One sample: the pool's capacity (what its up hosts offer: libs/domain offeredCapacity summed)
 * and usage (what claims hold on all its hosts). Instances have no capacity: no host caps them.
 */
export interface PoolUsageSample {
  /** epoch milliseconds */
  at: number;
  capacity: Resources;
  used: UsedResources;
}

/** A point of a downsampled history: the samples of [at, at + bucketMs). */
export interface PoolUsagePoint {
  /** the bucket's start, epoch milliseconds (aligned on a multiple of bucketMs) */
  at: number;
  /** samples averaged into this point */
  samples: number;
  /** mean capacity over the bucket */
  capacity: Resources;
  /** mean usage over the bucket */
  used: UsedResources;
  /** the highest usage sampled in the bucket (a short peak shows even when the mean hides it) */
  peak: UsedResources;
}

/**
 * The time a sample taken now is filed under: now rounded down to the sampling interval. Two
 * ticks of the same interval (a retried job, two replicas) file the same slot, so the history
 * keeps one sample per pool per interval whatever runs it.
 */
export function sampleSlot(nowMs: number, intervalMs: number): number {
  if (!(intervalMs > 0)) throw new Error(`sampling interval must be positive: ${intervalMs}`);
  return Math.floor(nowMs / intervalMs) * intervalMs;
}

/** Samples filed before this are forgotten: retention days before now. */
export function usageRetentionCutoff(nowMs: number, retentionDays: number): number {
  return nowMs - retentionDays * DAY_MS;
}

/** The most samples a pool keeps: a bound on the table, one row per interval over the retention. */
export function samplesKeptPerPool(intervalMs: number, retentionDays: number): number {
  return Math.ceil((retentionDays * DAY_MS) / intervalMs);
}

/** Widths a point may cover: round figures, so points fall on whole minutes, hours, days. */
const NICE_BUCKETS = [
  SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY_MS,
];

/**
 * The width of each point for a window of this span: the smallest round width (a second up to a
 * day, then whole days) at which the buckets the window touches number at most maxPoints. The
 * buckets are aligned on multiples of the width, so a window that does not start on one touches
 * one bucket more than span / width: hence span / (maxPoints - 1).
 */
export function usageBucketMs(spanMs: number, maxPoints = USAGE_MAX_POINTS): number {
  if (!(spanMs > 0)) throw new Error(`window must be positive: ${spanMs}`);
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new Error(`maxPoints must be an integer >= 2: ${maxPoints}`);
  const least = spanMs / (maxPoints - 1);
  return NICE_BUCKETS.find((b) => b >= least) ?? Math.ceil(least / DAY_MS) * DAY_MS;
}

export type UsageWindow = { since: number; until: number } | { error: string };

/**
 * The window a request asks for, [since, until) in epoch milliseconds: until defaults to now,
 * since to a day before until; since must come before until.
 */
export function usageWindow(q: { since?: number; until?: number }, nowMs: number): UsageWindow {
  const until = q.until ?? nowMs;
  const since = q.since ?? until - USAGE_DEFAULT_WINDOW_MS;
  if (!Number.isFinite(since) || !Number.isFinite(until)) return { error: 'since and until must be times' };
  if (since >= until) return { error: 'since must be before until' };
  return { since, until };
}

const ZERO = (): UsedResources => ({ vcpus: 0, memoryMb: 0, diskGb: 0, instances: 0 });
const RESOURCES = ['vcpus', 'memoryMb', 'diskGb'] as const;
const USED = [...RESOURCES, 'instances'] as const;
const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * A window of samples as at most maxPoints points: the samples in [since, until) grouped into
 * buckets of usageBucketMs(until - since), each bucket one point with the mean capacity and
 * usage (to two decimals) and the peak usage of its samples. Buckets with no sample give no
 * point (a gap: the scheduler was not sampling). Samples may come in any order; points come
 * oldest first.
 */
export function downsampleUsage(
  samples: Iterable<PoolUsageSample>,
  window: { since: number; until: number },
  maxPoints = USAGE_MAX_POINTS,
): { bucketMs: number; points: PoolUsagePoint[] } {
  const bucketMs = usageBucketMs(window.until - window.since, maxPoints);
  const buckets = new Map<number, { n: number; capacity: Resources; used: UsedResources; peak: UsedResources }>();
  for (const s of samples) {
    if (s.at < window.since || s.at >= window.until) continue;
    const at = Math.floor(s.at / bucketMs) * bucketMs;
    let b = buckets.get(at);
    if (!b) {
      b = { n: 0, capacity: { vcpus: 0, memoryMb: 0, diskGb: 0 }, used: ZERO(), peak: ZERO() };
      buckets.set(at, b);
    }
    b.n++;
    for (const k of RESOURCES) b.capacity[k] += s.capacity[k];
    for (const k of USED) {
      b.used[k] += s.used[k];
      b.peak[k] = b.n === 1 ? s.used[k] : Math.max(b.peak[k], s.used[k]);
    }
  }
  const points = [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([at, b]): PoolUsagePoint => {
      const capacity = { vcpus: 0, memoryMb: 0, diskGb: 0 };
      const used = ZERO();
      for (const k of RESOURCES) capacity[k] = round2(b.capacity[k] / b.n);
      for (const k of USED) used[k] = round2(b.used[k] / b.n);
      return { at, samples: b.n, capacity, used, peak: b.peak };
    });
  return { bucketMs, points };
}
