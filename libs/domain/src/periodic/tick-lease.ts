/**
 * How long a periodic task's Redis lease lasts: it outlives a normal tick (five intervals, ten
 * seconds at least), so a tick that outlasts its interval is not run twice at once, and a
 * replica killed mid-tick frees it when it expires.
 */
export function tickLeaseMs(everyMs: number): number {
  return Math.max(everyMs * 5, 10_000);
}
