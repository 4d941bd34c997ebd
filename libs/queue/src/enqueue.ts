import type { JobsOptions, Queue } from 'bullmq';
import type { OperationKind } from '@xenplane/domain';
import type { OperationJobData } from './names';

export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, backoffMs: 500 };

export function operationJobOptions(operationId: string, retry: RetryPolicy = DEFAULT_RETRY): JobsOptions {
  return {
    jobId: operationId,
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    // the operation row keeps the outcome; a finished job only has to free its id
    removeOnComplete: true,
    removeOnFail: true,
  };
}

export interface OperationRef {
  id: string;
  kind: OperationKind;
  correlationId?: string | null;
}

/**
 * Wakes workers for operations already committed to Postgres. Adding a job whose id exists is
 * a no-op in BullMQ, so the API and the outbox sweeper may both call this safely.
 */
export async function enqueueOperations(
  queue: Queue<OperationJobData>,
  ops: readonly OperationRef[],
  retry?: RetryPolicy,
): Promise<void> {
  if (ops.length === 0) return;
  await queue.addBulk(
    ops.map((op) => ({
      name: op.kind,
      data: { operationId: op.id, ...(op.correlationId ? { correlationId: op.correlationId } : {}) },
      opts: operationJobOptions(op.id, retry),
    })),
  );
}
