/**
 * What the outbox sweeper does for an operation still queued or running, from the state of its
 * BullMQ job (job ids are operation ids): none alive (unknown) gets a new one; one that ended
 * (completed, failed) while its operation did not must be removed first to free its id; any
 * other (waiting, active, delayed, prioritized...) is alive and left alone.
 */
export function orphanedJob(jobState: string): 'alive' | 'enqueue' | 'remove-then-enqueue' {
  if (jobState === 'unknown') return 'enqueue';
  if (jobState === 'completed' || jobState === 'failed') return 'remove-then-enqueue';
  return 'alive';
}
