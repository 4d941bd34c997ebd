import type { TimelineSide } from '@xenplane/domain';

/** Which process a step ran in, as an operation's timeline shows it (the queue: time waiting in BullMQ). */
export type StepSide = TimelineSide;

/** Attribute values a step may carry: ids, names, counts, never secrets or a guest's user data. */
export type StepAttributes = Record<string, string | number | boolean>;

/**
 * One step of an operation's work, as it ended: a span of the trace and a row of the
 * operation's timeline at once (the same ids), so the timeline and a tracing backend agree.
 */
export interface StepRecord {
  name: string;
  side: StepSide;
  startedAt: Date;
  /** fractional milliseconds: an `xl list` takes less than one */
  durationMs: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  failed: boolean;
  attributes: StepAttributes;
}

/** Takes the steps of one piece of work as they end (the scheduler stores them, the agent sends them back). */
export type StepSink = (steps: readonly StepRecord[]) => Promise<void>;
