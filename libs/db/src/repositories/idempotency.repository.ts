import type { Db } from '../client';
import type { IdempotencyRecord, Prisma } from '../generated/prisma/client';

/** A new claim on an Idempotency-Key. */
export interface IdempotencyClaim {
  scope: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
  lockedUntil: Date;
  expiresAt: Date;
}

/** The records of Idempotency-Keys: who holds a key, and the answer it got. */
export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  find(scope: string, key: string): Promise<IdempotencyRecord | null> {
    return this.db.idempotencyRecord.findUnique({ where: { scope_key: { scope, key } } });
  }

  /** Claims the key for a first answer: a new record, or one past its expiry taken over. False when it is held. */
  async claim(c: IdempotencyClaim): Promise<boolean> {
    const rows = await this.db.$executeRaw`
      INSERT INTO idempotency_records (scope, key, method, path, request_hash, locked_until, expires_at)
      VALUES (${c.scope}, ${c.key}, ${c.method}, ${c.path}, ${c.requestHash}, ${c.lockedUntil}, ${c.expiresAt})
      ON CONFLICT (scope, key) DO UPDATE SET
        request_hash = EXCLUDED.request_hash, method = EXCLUDED.method, path = EXCLUDED.path, status = NULL, body = NULL,
        locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at, created_at = now()
      WHERE idempotency_records.expires_at < now()`;
    return rows === 1;
  }

  /** Takes over a key whose holder's lease ran out without an answer; false when another did. */
  async takeOver(scope: string, key: string, lockedUntil: Date): Promise<boolean> {
    const n = await this.db.idempotencyRecord.updateMany({
      where: { scope, key, status: null, lockedUntil: { lt: new Date() } },
      data: { lockedUntil },
    });
    return n.count === 1;
  }

  /** The answer the request got, replayed to its retries. */
  async recordAnswer(scope: string, key: string, status: number, body: Prisma.InputJsonValue): Promise<void> {
    await this.db.idempotencyRecord.update({ where: { scope_key: { scope, key } }, data: { status, body } });
  }

  /** Frees the key (a failure is no answer); a record gone already is no error. */
  async release(scope: string, key: string): Promise<void> {
    await this.db.idempotencyRecord.delete({ where: { scope_key: { scope, key } } }).catch(() => undefined);
  }

  /** Forgets records past their expiry; how many went. */
  async deleteExpired(now: Date): Promise<number> {
    return (await this.db.idempotencyRecord.deleteMany({ where: { expiresAt: { lt: now } } })).count;
  }

  /**
   * Keeps at most `max` answered keys per caller, the newest: a caller that floods keys shortens
   * its own window instead of growing the table without bound. How many went.
   */
  async trimPerScope(max: number): Promise<number> {
    return this.db.$executeRaw`
      DELETE FROM idempotency_records r
      USING (
        SELECT scope, key FROM (
          SELECT scope, key, row_number() OVER (PARTITION BY scope ORDER BY created_at DESC) AS n
          FROM idempotency_records
          WHERE status IS NOT NULL AND scope IN (
            SELECT scope FROM idempotency_records GROUP BY scope HAVING count(*) > ${max}
          )
        ) ranked
        WHERE n > ${max}
      ) old
      WHERE r.scope = old.scope AND r.key = old.key`;
  }
}
