/**
 * The heartbeats answered in a round, stamped in Postgres as they come in (a batch at most every
 * `everyMs`) rather than once when the round ends. A host's heartbeat age in Postgres is what
 * placement and the pool-wide silence check read: stamped only at the round's end, a round
 * longer than the suspect timeout (thousands of hosts on one replica) would make every host of
 * the share look silent at once, and the pool be taken for cut off from the control plane.
 */
export class HeartbeatStamps {
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private written: Promise<void> = Promise.resolve();

  constructor(
    private readonly record: (hostIds: string[]) => Promise<void>,
    private readonly everyMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The host answered: it is stamped with the next batch. */
  answered(hostId: string): void {
    this.pending.push(hostId);
    this.timer ??= setTimeout(() => void this.flush().catch(this.onError), this.everyMs);
  }

  /** Stamps what is pending now; resolves once every batch so far is written (rejects if this one fails). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const hostIds = this.pending.splice(0);
    // batches are written one after the other: one failed batch does not stop the next
    const previous = this.written.catch(() => undefined);
    this.written = hostIds.length ? previous.then(() => this.record(hostIds)) : previous;
    return this.written;
  }
}
