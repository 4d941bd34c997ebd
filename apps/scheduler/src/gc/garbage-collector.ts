import { Inject, Injectable } from '@nestjs/common';
import { DB, type Db } from '@xenplane/db';
import { getLogger } from '@xenplane/observability';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

const DAY_MS = 86_400_000;

/** Rows with an end of life: events past retention, idempotency answers past their window. */
@Injectable()
export class GarbageCollector {
  private readonly log = getLogger('gc');

  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async collect(): Promise<void> {
    const now = Date.now();
    const [events, keys, tokens] = await Promise.all([
      this.db.event.deleteMany({ where: { createdAt: { lt: new Date(now - this.config.EVENT_RETENTION_DAYS * DAY_MS) } } }),
      this.db.idempotencyRecord.deleteMany({ where: { expiresAt: { lt: new Date(now) } } }),
      this.db.enrollmentToken.deleteMany({ where: { expiresAt: { lt: new Date(now - 30 * DAY_MS) } } }),
    ]);
    if (events.count + keys.count + tokens.count > 0) {
      this.log.info({ events: events.count, idempotencyKeys: keys.count, enrollmentTokens: tokens.count }, 'collected');
    }
  }
}
