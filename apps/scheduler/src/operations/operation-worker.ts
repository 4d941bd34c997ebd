import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, type Job, Worker } from 'bullmq';
import type { Operation } from '@xenplane/db';
import { decideOnFailure, OPERATION_KINDS, type OperationKind, TURN_WAIT_MS } from '@xenplane/domain';
import { context, SpanKind } from '@opentelemetry/api';
import {
  decodeSteps,
  extractTraceContext,
  getLogger,
  preciseNow,
  recordStep,
  sendSteps,
  step,
  withWork,
} from '@xenplane/observability';
import { createRedis, type OperationJobData, QueueName } from '@xenplane/queue';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { CloneVmHandler } from './handlers/clone-vm.handler';
import { CreateVmHandler } from './handlers/create-vm.handler';
import { DeleteVmHandler } from './handlers/delete-vm.handler';
import { EvacuateHostHandler } from './handlers/evacuate-host.handler';
import type { OperationHandler } from './handlers/handler';
import { MigrateVmHandler } from './handlers/migrate-vm.handler';
import { PowerHandler } from './handlers/power.handler';
import { RestartVmHandler } from './handlers/restart-vm.handler';
import { SnapshotHandler } from './handlers/snapshot.handler';
import { PermanentError, runFailureOf } from './operation-errors';
import { OperationStore } from './operation-store';
import { StepWriter } from './step-writer';
import { operationRetries } from '../metrics/scheduler-metrics';

/**
 * Takes operation jobs from BullMQ and runs each exactly to one end. The job is a wake-up
 * call; the operation row decides: a finished operation's job is a no-op, an operation whose
 * VM has an older unfinished operation waits its turn. Two queues, two workers, one way of
 * running: the operations queue, and HA restarts on their own (by priority, and never stuck
 * behind a burst of creates).
 */
@Injectable()
export class OperationWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = getLogger('operation-worker');
  private readonly handlers = new Map<OperationKind, OperationHandler>();
  private readonly workers: Worker<OperationJobData>[] = [];

  constructor(
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly ops: OperationStore,
    private readonly stepWriter: StepWriter,
    create: CreateVmHandler,
    del: DeleteVmHandler,
    power: PowerHandler,
    migrate: MigrateVmHandler,
    evacuate: EvacuateHostHandler,
    restart: RestartVmHandler,
    snapshot: SnapshotHandler,
    clone: CloneVmHandler,
  ) {
    for (const handler of [create, del, power, migrate, evacuate, restart, snapshot, clone]) {
      for (const kind of handler.kinds) {
        if (this.handlers.has(kind)) throw new Error(`two handlers for ${kind}`);
        this.handlers.set(kind, handler);
      }
    }
    // a kind nobody handles would be abandoned at run time: refuse to start instead
    const missing = OPERATION_KINDS.filter((k) => !this.handlers.has(k));
    if (missing.length) throw new Error(`no handler for operations of kind ${missing.join(', ')}`);
  }

  onApplicationBootstrap(): void {
    for (const [queue, concurrency] of [
      [QueueName.Operations, this.config.SCHEDULER_CONCURRENCY],
      [QueueName.HaRestarts, this.config.HA_RESTART_CONCURRENCY],
    ] as const) {
      const worker = new Worker<OperationJobData>(queue, (job, token) => this.process(job, token), {
        connection: createRedis(this.config, 'worker'),
        prefix: this.config.XENPLANE_QUEUE_PREFIX,
        concurrency,
        lockDuration: this.config.JOB_LOCK_MS,
        stalledInterval: this.config.STALLED_CHECK_MS,
        // a scheduler killed again and again must not fail the job: the operation row decides
        maxStalledCount: 1_000,
      });
      worker.on('error', (err) => this.log.warn({ queue, err: err.message }, 'worker error'));
      this.workers.push(worker);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  /**
   * Each run that takes its operation up is a step of the operation's trace (continuing the
   * trace of the request that queued it, from the job's data); the log lines of its work name
   * the operation and its VM; its timeline steps are written as they end (StepWriter).
   */
  private process(job: Job<OperationJobData>, token: string | undefined): Promise<void> {
    const operationId = job.data.operationId;
    const work = {
      correlationId: job.data.correlationId ?? null,
      operationId,
      steps: this.stepWriter.sinkFor(operationId),
    };
    return context.with(extractTraceContext(job.data.traceparent), () =>
      withWork(work, () => this.runOperation(job, token)),
    );
  }

  private async runOperation(job: Job<OperationJobData>, token: string | undefined): Promise<void> {
    const takingUp = preciseNow();
    const { op, vm, started, fromQueue, waits, holders, built } = await this.ops.begin(job.data.operationId);
    if (waits) return this.later(job, token, TURN_WAIT_MS);
    // finished, cancelled before it started, or taken by a racing worker
    if (!op || !started) return;
    // its wait in the queue, by BullMQ's clocks (from the job's creation to the start of the run
    // that took it up), and its taking up
    if (fromQueue) {
      // what the API did before queueing it (its request), carried in the job
      await sendSteps(decodeSteps(job.data.steps));
      await recordStep(
        'queue.wait',
        { startedAt: job.timestamp, endedAt: job.processedOn ?? takingUp },
        { side: 'queue' },
      );
    }
    await recordStep('operation.begin', { startedAt: takingUp, endedAt: preciseNow() });
    const handler = this.handlers.get(op.kind);
    const attributes = { 'operation.id': op.id, 'operation.kind': op.kind, 'job.attempt': job.attemptsMade + 1 };
    return withWork({ vmId: op.vmId }, () =>
      step(
        'scheduler.run',
        async () => {
          this.log.info({ kind: op.kind, attempt: job.attemptsMade + 1 }, 'operation started');
          if (!handler) {
            await this.ops.abandon(op, `this scheduler has no handler for ${op.kind} operations`);
            return;
          }
          try {
            await handler.run(op, vm, holders, built);
            this.log.info({ kind: op.kind }, 'operation run ended');
          } catch (err) {
            await this.fail(job, token, handler, op, err);
          }
        },
        { kind: SpanKind.CONSUMER, attributes },
      ),
    );
  }

  private async fail(
    job: Job<OperationJobData>,
    token: string | undefined,
    handler: OperationHandler,
    op: Operation,
    err: unknown,
  ) {
    const attempts = {
      attemptsMade: job.attemptsMade,
      jobAttempts: job.opts.attempts,
      maxAttempts: this.config.OPERATION_ATTEMPTS,
    };
    const outcome = decideOnFailure(runFailureOf(err), attempts);
    switch (outcome.kind) {
      case 'later':
        return this.later(job, token, outcome.delayMs);
      case 'overtaken':
        return handler.overtaken(op, outcome.reason);
      case 'retry':
        this.log.warn({ operationId: op.id, attempt: outcome.attempt, err: outcome.message }, 'failure, will retry');
        await this.ops.noteRetry(op, outcome.message);
        operationRetries.inc({ kind: op.kind });
        throw err; // BullMQ retries with exponential backoff
      case 'fail':
        await handler.compensate(op, new PermanentError(outcome.code, outcome.message, outcome.details));
    }
  }

  /** Puts the job back for a little while without spending one of its attempts. */
  private async later(job: Job, token: string | undefined, ms: number): Promise<never> {
    await job.moveToDelayed(Date.now() + ms, token);
    throw new DelayedError();
  }
}
