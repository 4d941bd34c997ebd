import { claimHosts, type ClaimOutcome, type ClaimRequest, type Db } from '@xenplane/db';

// claims sent in one statement at most; more wait for the next one
const MAX_BATCH = 64;

/**
 * Gathers the claims this scheduler's concurrent placements make in the same turn of the event
 * loop and sends them to Postgres as one statement (claimHosts): under load, many placements
 * share one round trip; alone, a claim goes out at once, as it would without the batcher.
 */
export class ClaimBatcher {
  private waiting: { claim: ClaimRequest; resolve: (o: ClaimOutcome) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly db: Db) {}

  claim(claim: ClaimRequest): Promise<ClaimOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ claim, resolve, reject });
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
      claimHosts(
        this.db,
        batch.map((w) => w.claim),
      ).then(
        (outcomes) => batch.forEach((w, i) => w.resolve(outcomes[i]!)),
        (err: unknown) => batch.forEach((w) => w.reject(err)),
      );
    }
  }
}
