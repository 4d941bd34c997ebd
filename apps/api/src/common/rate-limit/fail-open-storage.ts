import type { ThrottlerStorage } from '@nestjs/throttler';
import { getLogger } from '@xenplane/observability';

type Record = Awaited<ReturnType<ThrottlerStorage['increment']>>;

// a counter Redis does not answer within this is skipped, not waited for
const TIMEOUT_MS = 500;
const WARN_EVERY_MS = 10_000;

/**
 * The shared counters (Redis), failing open: while Redis is unreachable or slow, requests are not
 * limited rather than refused, as the rest of the API keeps working without Redis (the outbox
 * catches up on queued work). A warning says so, at most every 10 s.
 */
export class FailOpenStorage implements ThrottlerStorage {
  private readonly log = getLogger('rate-limit');
  private lastWarnAt = 0;

  constructor(
    private readonly inner: ThrottlerStorage,
    private readonly timeoutMs = TIMEOUT_MS,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string): Promise<Record> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.inner.increment(key, ttl, limit, blockDuration, name),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
    } catch (err) {
      if (Date.now() - this.lastWarnAt >= WARN_EVERY_MS) {
        this.lastWarnAt = Date.now();
        this.log.warn({ err: (err as Error).message }, 'rate-limit counters unavailable; not limiting');
      }
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    } finally {
      clearTimeout(timer);
    }
  }
}
