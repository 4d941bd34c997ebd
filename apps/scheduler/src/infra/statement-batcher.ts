// items sent in one statement at most; more go in the next one
const MAX_BATCH = 64;

/**
 * Gathers the items concurrent operations submit in the same turn of the event loop and sends
 * them as one statement: under load many operations share a round trip, alone an item goes out
 * at once. If a batch fails (a deadlock, one bad item), each of its items is tried alone, so one
 * item's failure is only ever its own.
 */
export class StatementBatcher<I, O> {
  private waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly send: (items: readonly I[]) => Promise<O[]>) {}

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      this.send(batch.map((w) => w.item)).then(
        (outcomes) => batch.forEach((w, i) => w.resolve(outcomes[i]!)),
        (err: unknown) => {
          if (batch.length === 1) return batch[0]!.reject(err);
          for (const w of batch) this.send([w.item]).then((o) => w.resolve(o[0]!), w.reject);
        },
      );
    }
  }
}
