import type { JobType, Queue } from 'bullmq';
import { QueueName } from './names';

/** A job's states as BullMQ counts them, in the order operators read them. */
export const JOB_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'failed',
  'completed',
  'paused',
  'waiting-children',
] as const satisfies readonly JobType[];
export type JobState = (typeof JOB_STATES)[number];

/** Every queue of the system, in the order operators read them. */
export const QUEUE_NAMES: readonly QueueName[] = Object.values(QueueName);

export interface QueueStats {
  name: string;
  counts: Record<JobState, number>;
  /** how long the job waiting longest has waited to be taken up (seconds); null when none waits */
  oldestWaitingAgeSeconds: number | null;
}

/** What queueStats reads of a job: when it was added, with what delay, and when last taken up. */
export interface JobTimes {
  timestamp: number;
  processedOn?: number | undefined;
  opts: { delay?: number | undefined };
}

/**
 * When a job began waiting for a worker: added (after its delay), or put back after its last
 * attempt started (a retry or a turn wait). The latter is a little later than the job's return
 * to the queue: an age from it errs short, never long.
 */
export function waitingSince(job: JobTimes): number {
  return Math.max(job.timestamp + (job.opts.delay ?? 0), job.processedOn ?? 0);
}

/** The age (seconds) of the longest-waiting of these jobs at `now`; null for none. */
export function oldestWaitingAge(jobs: readonly (JobTimes | undefined)[], now: number): number | null {
  const since = jobs.filter((j): j is JobTimes => !!j).map(waitingSince);
  return since.length ? Math.max(0, (now - Math.min(...since)) / 1000) : null;
}

/**
 * One queue's job counts by state and the age of its longest-waiting job: one Lua call for the
 * counts and at most three job reads (the waiting list's oldest; both ends of the prioritized set,
 * ordered by priority rather than age, so its oldest is approximated by its extremes), whatever
 * the queue's length. Shared by the scheduler's queue gauges and the API's queue view.
 */
export async function queueStats(queue: Queue, now = Date.now()): Promise<QueueStats> {
  const [counts, oldestWaiting, firstPrioritized, lastPrioritized] = await Promise.all([
    queue.getJobCounts(...JOB_STATES),
    queue.getWaiting(0, 0),
    queue.getPrioritized(0, 0),
    queue.getPrioritized(-1, -1),
  ]);
  return {
    name: queue.name,
    counts: Object.fromEntries(JOB_STATES.map((s) => [s, counts[s] ?? 0])) as Record<JobState, number>,
    oldestWaitingAgeSeconds: oldestWaitingAge([...oldestWaiting, ...firstPrioritized, ...lastPrioritized], now),
  };
}
