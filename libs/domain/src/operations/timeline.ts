/**
 * An operation's timeline: where its time went, step by step and side by side (API, queue,
 * scheduler, agent), from what the processes recorded as each step ended. Steps nest as their
 * spans do (an agent's steps inside the scheduler's call to it); what no top-level step covers
 * is a gap (time in no one's hands: a retry's backoff, a wait for a host's slot not yet traced).
 */

export const TIMELINE_SIDES = ['api', 'queue', 'scheduler', 'agent'] as const;
export type TimelineSide = (typeof TIMELINE_SIDES)[number];

export interface RecordedStep {
  spanId: string;
  parentSpanId?: string | null;
  name: string;
  side: string;
  startedAt: Date;
  durationMs: number;
  failed: boolean;
  attributes: unknown;
}

export interface TimelineStep {
  name: string;
  side: string;
  startedAt: Date;
  durationMs: number;
  /** from the timeline's start (the request's arrival, or the operation's creation) */
  offsetMs: number;
  /** 0 for a top-level step, 1 for a step inside it, ... */
  depth: number;
  spanId: string;
  parentSpanId?: string;
  failed: boolean;
  attributes: Record<string, unknown>;
}

export interface TimelineGap {
  startedAt: Date;
  durationMs: number;
  /** the top-level step that ended before it, if any */
  after?: string;
  /** the top-level step that began after it, if any */
  before?: string;
}

export interface Timeline {
  startedAt: Date;
  endedAt: Date;
  wallMs: number;
  steps: TimelineStep[];
  /** per side, the time inside its outermost steps (the time of other sides' steps nested in them included) */
  totals: { side: string; ms: number }[];
  /** time no top-level step covers, each stretch of at least GAP_MIN_MS */
  gaps: TimelineGap[];
  unaccountedMs: number;
}

/** Stretches shorter than this are not gaps: the hand-over between two steps takes a moment. */
export const GAP_MIN_MS = 1;

/**
 * Orders the steps depth first (each step followed by what ran inside it, siblings by start),
 * totals them per side and finds the gaps between the top-level ones. `finishedAt` absent: the
 * operation runs still, its timeline ends `now` (or at its last step's end, if later).
 */
export function assembleTimeline(
  op: { createdAt: Date; finishedAt?: Date | null },
  recorded: readonly RecordedStep[],
  now: Date,
): Timeline {
  const byStart = [...recorded].sort(
    (a, b) => a.startedAt.getTime() - b.startedAt.getTime() || b.durationMs - a.durationMs,
  );
  const ids = new Set(byStart.map((s) => s.spanId));
  const children = new Map<string | undefined, RecordedStep[]>();
  for (const s of byStart) {
    const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const endOf = (s: RecordedStep) => s.startedAt.getTime() + s.durationMs;
  const start = Math.min(op.createdAt.getTime(), ...byStart.map((s) => s.startedAt.getTime()));
  const end = Math.max(op.finishedAt?.getTime() ?? now.getTime(), ...byStart.map(endOf));

  const steps: TimelineStep[] = [];
  const sideTotals = new Map<string, number>();
  const seen = new Set<string>();
  const visit = (s: RecordedStep, depth: number, outerSides: ReadonlySet<string>) => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    steps.push({
      name: s.name,
      side: s.side,
      startedAt: s.startedAt,
      durationMs: s.durationMs,
      offsetMs: s.startedAt.getTime() - start,
      depth,
      spanId: s.spanId,
      ...(depth > 0 && s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
      failed: s.failed,
      attributes: isRecord(s.attributes) ? s.attributes : {},
    });
    if (!outerSides.has(s.side)) sideTotals.set(s.side, (sideTotals.get(s.side) ?? 0) + s.durationMs);
    const inner = new Set(outerSides).add(s.side);
    for (const c of children.get(s.spanId) ?? []) visit(c, depth + 1, inner);
  };
  const roots = children.get(undefined) ?? [];
  for (const r of roots) visit(r, 0, new Set());

  const gaps = gapsBetween(roots, start, end);
  return {
    startedAt: new Date(start),
    endedAt: new Date(end),
    wallMs: end - start,
    steps,
    totals: orderedSides([...sideTotals.keys()]).map((side) => ({ side, ms: sideTotals.get(side)! })),
    gaps,
    unaccountedMs: gaps.reduce((n, g) => n + g.durationMs, 0),
  };
}

/** The stretches of [start, end] that no top-level step covers (steps sorted by start). */
function gapsBetween(roots: readonly RecordedStep[], start: number, end: number): TimelineGap[] {
  const gaps: TimelineGap[] = [];
  let covered = start;
  let last: RecordedStep | undefined;
  for (const r of roots) {
    const from = r.startedAt.getTime();
    if (from - covered >= GAP_MIN_MS)
      gaps.push({
        startedAt: new Date(covered),
        durationMs: from - covered,
        ...(last ? { after: last.name } : {}),
        before: r.name,
      });
    const to = from + r.durationMs;
    if (to >= covered) {
      covered = to;
      last = r;
    }
  }
  if (end - covered >= GAP_MIN_MS)
    gaps.push({ startedAt: new Date(covered), durationMs: end - covered, ...(last ? { after: last.name } : {}) });
  return gaps;
}

/** The known sides in the order work flows through them, any other after. */
function orderedSides(sides: string[]): string[] {
  const rank = (s: string) => {
    const i = (TIMELINE_SIDES as readonly string[]).indexOf(s);
    return i === -1 ? TIMELINE_SIDES.length : i;
  };
  return sides.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
