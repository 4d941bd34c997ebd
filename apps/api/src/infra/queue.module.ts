import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  currentWork,
  encodeSteps,
  getLogger,
  preciseNow,
  recordStep,
  type StepRecord,
  withWork,
} from '@xenplane/observability';
import { createRedis, OperationQueues, type OperationRef, type RetryPolicy } from '@xenplane/queue';
import { API_CONFIG, type ApiConfig } from '../config';

const ENQUEUE_TIMEOUT_MS = 1_000;

/** An operation the API committed, as the queue and the log need it. */
export type CommittedOperation = OperationRef & { vmId?: string | null };

/**
 * Wakes the scheduler for operations the API committed. Failing to enqueue loses nothing (the
 * outbox sweeper finds queued operations without a job), so it never fails a request. Every
 * operation committed passes here: here it leaves its line in the API's log, and its first step
 * (the request, from its arrival to the commit) rides in its job for the worker to write to its
 * timeline with its own (no write of the API's; an operation the outbox sweeper queues again has
 * its timeline without it).
 */
@Injectable()
export class OperationQueue implements OnApplicationShutdown {
  private readonly log = getLogger('operation-queue');
  readonly redis: Redis;
  private readonly queues: OperationQueues;
  private readonly retry: RetryPolicy;

  constructor(@Inject(API_CONFIG) config: ApiConfig) {
    this.retry = { attempts: config.OPERATION_ATTEMPTS, backoffMs: config.OPERATION_BACKOFF_MS };
    this.redis = createRedis(config, 'producer');
    this.redis.on('error', (err) => this.log.warn({ err: err.message }, 'redis connection error'));
    this.queues = new OperationQueues(this.redis, config.XENPLANE_QUEUE_PREFIX);
    for (const q of [this.queues.operations, this.queues.haRestarts])
      q.on('error', (err) => this.log.warn({ err: err.message }, 'queue error'));
  }

  async wake(ops: readonly CommittedOperation[]): Promise<void> {
    if (ops.length === 0) return;
    for (const op of ops)
      this.log.info({ operationId: op.id, kind: op.kind, vmId: op.vmId ?? undefined }, 'operation accepted');
    const steps = (await this.accepted(ops.length)).toString();
    await this.enqueue(ops.map((op) => ({ ...op, steps })));
  }

  private async enqueue(ops: readonly CommittedOperation[]): Promise<void> {
    try {
      await withTimeout(this.queues.wake(ops, this.retry), ENQUEUE_TIMEOUT_MS);
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message, count: ops.length },
        'enqueue failed; the outbox sweeper will retry',
      );
    }
  }

  /** The step of the request that committed them (one for all of a batch), from its arrival to now. */
  private async accepted(count: number): Promise<Buffer> {
    const endedAt = preciseNow();
    const kept: StepRecord[] = [];
    await withWork({ steps: async (s) => void kept.push(...s) }, () =>
      recordStep(
        'api.accept',
        { startedAt: currentWork()?.startedAt ?? endedAt, endedAt },
        { attributes: { 'operations.count': count } },
      ),
    );
    return encodeSteps(kept);
  }

  async ping(): Promise<boolean> {
    try {
      return (await withTimeout(this.redis.ping(), ENQUEUE_TIMEOUT_MS)) === 'PONG';
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queues.close().catch(() => undefined);
    this.redis.disconnect();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

@Global()
@Module({ providers: [OperationQueue], exports: [OperationQueue] })
export class QueueModule {}
