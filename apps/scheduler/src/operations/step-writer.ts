import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { OperationStepRepository } from '@xenplane/db';
import { getLogger, type StepRecord } from '@xenplane/observability';

/** At most this many rows a statement: a burst of creates writes its steps in a few. */
const MAX_ROWS = 1_000;

/**
 * Writes the steps of every operation this scheduler runs, as they end, with one statement in
 * flight at a time taking every step that ended meanwhile: idle, a step is written at once;
 * under a burst of operations, hundreds go in one statement instead of one transaction each.
 */
@Injectable()
export class StepWriter implements OnApplicationShutdown {
  private readonly log = getLogger('step-writer');
  private pending: { operationId: string; step: StepRecord }[] = [];
  private writing: Promise<void> | undefined;
  private queued = 0;
  private written = 0;

  constructor(private readonly steps: OperationStepRepository) {}

  /** The sink of an operation's work (its WorkContext's `steps`): returns at once. */
  sinkFor(operationId: string): (steps: readonly StepRecord[]) => Promise<void> {
    return async (steps) => {
      for (const step of steps) this.pending.push({ operationId, step });
      this.queued += steps.length;
      this.writing ??= this.drain();
    };
  }

  /** Until the steps handed over so far are written (or failed to be), not those that come after. */
  async flushed(): Promise<void> {
    const upTo = this.queued;
    while (this.written < upTo && this.writing) await this.writing;
  }

  /** A scheduler that stops writes what it holds first. */
  onApplicationShutdown(): Promise<void> {
    return this.flushed();
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const rows = this.pending.splice(0, MAX_ROWS);
      // a timeline is an aid: failing to write it never fails an operation
      await this.steps
        .recordRows(rows)
        .catch((err: Error) =>
          this.log.warn({ err: err.message, steps: rows.length }, 'could not write operation steps'),
        );
      this.written += rows.length;
    }
    this.writing = undefined;
  }
}
