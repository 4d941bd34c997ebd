/** Where the feed is: the id handed out last, and since when it has waited on a gap. */
export interface FeedPosition {
  cursor: bigint;
  /** when the feed first saw the gap it still waits on (ms), undefined when there is none */
  gapSince: number | undefined;
}

/** How many of the rows read after the cursor to hand out now, and the gap clock after that. */
export interface FeedRelease {
  count: number;
  gapSince: number | undefined;
}

/**
 * The rows that follow the cursor without a gap, or all of them once a gap is old enough. An id
 * below the newest one that is still missing may belong to a transaction that has not committed
 * yet (ids are taken at insert, rows appear at commit): the feed waits `gapWaitMs` for it before
 * treating the gap as a rolled-back insert. `ids` ascending, all above the cursor.
 */
export function releasable(at: FeedPosition, ids: readonly bigint[], now: number, gapWaitMs: number): FeedRelease {
  let expected = at.cursor + 1n;
  let i = 0;
  while (i < ids.length && ids[i] === expected) {
    expected++;
    i++;
  }
  if (i === ids.length) return { count: ids.length, gapSince: undefined };
  const gapSince = at.gapSince ?? now;
  if (now - gapSince >= gapWaitMs) return { count: ids.length, gapSince: undefined };
  return { count: i, gapSince };
}

/** Who sees an event: a project's own, or everything (host events included) for global tokens. */
export function eventVisibleTo(viewerProjectId: string | null, eventProjectId: string | null): boolean {
  return viewerProjectId === null || eventProjectId === viewerProjectId;
}

/** The largest event id: events.id is a Postgres bigint. */
export const MAX_EVENT_ID = 2n ** 63n - 1n;

/** A Last-Event-ID (or ?since=) the stream resumes after: an event id, digits up to MAX_EVENT_ID. */
export function isEventId(raw: string): boolean {
  return /^\d{1,19}$/.test(raw) && BigInt(raw) <= MAX_EVENT_ID;
}
