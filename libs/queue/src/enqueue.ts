import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type HaPriority, type OperationKind, RESTART_PRIORITY } from '@xenplane/domain';
import { injectTraceContext, TRACEPARENT } from '@xenplane/observability';
import { type OperationJobData, QueueName } from './names';

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
  /** an HA restart's priority (its VM's haPriority when its host died) */
  priority?: HaPriority;
  /** the operation's steps so far, encoded (the API's request): its worker writes them to its timeline */
  steps?: string;
}

/** The queue an operation's job goes to: HA restarts have their own, so no burst of creates delays them. */
export function queueOf(kind: OperationKind): QueueName.Operations | QueueName.HaRestarts {
  return kind === 'ha_restart' ? QueueName.HaRestarts : QueueName.Operations;
}

/** An operation row's reference for its job, its restart priority read from its params. */
export function operationRef(op: {
  id: string;
  kind: OperationKind;
  correlationId?: string | null;
  params?: unknown;
}): OperationRef {
  const priority = (op.params as { priority?: HaPriority } | null | undefined)?.priority;
  return { id: op.id, kind: op.kind, correlationId: op.correlationId ?? null, ...(priority ? { priority } : {}) };
}

/**
 * The queues operations are worked from, as producers see them (the API, the outbox sweeper,
 * the host monitor that queues restarts). Adding a job whose id exists is a no-op in BullMQ, so
 * every producer may wake the same operation safely.
 */
export class OperationQueues {
  readonly operations: Queue<OperationJobData>;
  readonly haRestarts: Queue<OperationJobData>;

  constructor(connection: Redis, prefix: string) {
    this.operations = new Queue(QueueName.Operations, { connection, prefix });
    this.haRestarts = new Queue(QueueName.HaRestarts, { connection, prefix });
  }

  of(kind: OperationKind): Queue<OperationJobData> {
    return queueOf(kind) === QueueName.HaRestarts ? this.haRestarts : this.operations;
  }

  /** Wakes workers for operations already committed to Postgres; restarts go by priority, high first. */
  async wake(ops: readonly OperationRef[], retry?: RetryPolicy): Promise<void> {
    const restarts = ops.filter((op) => queueOf(op.kind) === QueueName.HaRestarts);
    const rest = ops.filter((op) => queueOf(op.kind) === QueueName.Operations);
    await Promise.all([add(this.operations, rest, retry), add(this.haRestarts, restarts, retry)]);
  }

  async close(): Promise<void> {
    await Promise.all([this.operations.close(), this.haRestarts.close()]);
  }
}

async function add(queue: Queue<OperationJobData>, ops: readonly OperationRef[], retry?: RetryPolicy): Promise<void> {
  if (ops.length === 0) return;
  // the trace of whoever wakes the operation (a request, a restart's certification); an
  // operation the outbox sweeper wakes again begins a trace of its own
  const trace: { traceparent?: string } = {};
  injectTraceContext((key, value) => {
    if (key === TRACEPARENT) trace.traceparent = value;
  });
  await queue.addBulk(
    ops.map((op) => ({
      name: op.kind,
      data: {
        operationId: op.id,
        ...(op.correlationId ? { correlationId: op.correlationId } : {}),
        ...trace,
        ...(op.steps ? { steps: op.steps } : {}),
      },
      opts: {
        ...operationJobOptions(op.id, retry),
        ...(op.priority && op.priority !== 'none' ? { priority: RESTART_PRIORITY[op.priority] } : {}),
      },
    })),
  );
}
