import { Inject, Injectable } from '@nestjs/common';
import { OperationRepository } from '@xenplane/db';
import { orphanedJob } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { OperationQueue } from '../infra/operation-queue';
import { operationRef } from '@xenplane/queue';

const BATCH = 500;

/**
 * The outbox rule: Postgres is the truth, a job only a wake-up call. Operations still queued
 * or running without a live job (Redis flushed or restarted, an enqueue that failed, a job
 * that died with its worker) get a new one. Job ids are operation ids, so this never
 * duplicates a live job.
 */
@Injectable()
export class OutboxSweeper {
  private readonly log = getLogger('outbox-sweeper');

  constructor(
    private readonly ops: OperationRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly operations: OperationQueue,
  ) {}

  async sweep(): Promise<number> {
    const open = await this.ops.openCreatedBefore(new Date(Date.now() - this.config.OUTBOX_GRACE_MS), BATCH * 20);
    const orphans: typeof open = [];
    for (let i = 0; i < open.length; i += BATCH) {
      const chunk = open.slice(i, i + BATCH);
      const queues = this.operations.queues;
      const states = await Promise.all(chunk.map((op) => queues.of(op.kind).getJobState(op.id)));
      for (const [j, state] of states.entries()) {
        const op = chunk[j]!;
        const fate = orphanedJob(state);
        // a job that ended while its operation did not: its id must be freed before re-adding
        if (fate === 'remove-then-enqueue')
          await queues
            .of(op.kind)
            .remove(op.id)
            .catch(() => undefined);
        if (fate !== 'alive') orphans.push(op);
      }
    }
    if (orphans.length) {
      await this.operations.wake(orphans.map(operationRef));
      this.log.info({ count: orphans.length }, 're-enqueued operations without a live job');
    }
    return orphans.length;
  }
}
