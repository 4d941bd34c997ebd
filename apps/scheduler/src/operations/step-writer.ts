import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { OperationStepRepository } from '@xenplane/db';
import { getLogger, type StepRecord } from '@xenplane/observability';

/** At most this many rows a statement. */
const MAX_ROWS = 1_000;
/**
 * A step is written this long after it ends at most: the steps that end meanwhile, of every
 * operation this process runs, go in the same statement. A create makes about ten steps; written
 * one by one they would double its transactions.
 */
export const STEP_WRITE_DELAY_MS = 50;

/**
 * Writes the steps of every operation this scheduler runs as they end, in batches: one statement
 * at a time, each with every step that ended in the STEP_WRITE_DELAY_MS before it.
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
      this.schedule();
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

  private schedule(): void {
    this.writing ??= new Promise<void>((r) => setTimeout(r, STEP_WRITE_DELAY_MS)).then(() => this.writeBatch());
  }

  private async writeBatch(): Promise<void> {
    const rows = this.pending.splice(0, MAX_ROWS);
    // a timeline is an aid: failing to write it never fails an operation
    await this.steps
      .recordRows(rows)
      .catch((err: Error) =>
        this.log.warn({ err: err.message, steps: rows.length }, 'could not write operation steps'),
      );
    this.written += rows.length;
    this.writing = undefined;
    if (this.pending.length) this.schedule();
  }
}
