import { Inject, Injectable } from '@nestjs/common';
import { EnrollmentRepository, EventRepository, IdempotencyRepository, OperationStepRepository } from '@xenplane/db';
import { getLogger } from '@xenplane/observability';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

const DAY_MS = 86_400_000;

/**
 * Rows with an end of life: events past retention, operations' timeline steps with them,
 * idempotency answers past their window or beyond a token's bound.
 */
@Injectable()
export class GarbageCollector {
  private readonly log = getLogger('gc');

  constructor(
    private readonly events: EventRepository,
    private readonly idempotency: IdempotencyRepository,
    private readonly enrollments: EnrollmentRepository,
    private readonly steps: OperationStepRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async collect(): Promise<void> {
    const now = Date.now();
    const retained = new Date(now - this.config.EVENT_RETENTION_DAYS * DAY_MS);
    const [events, steps, keys, tokens] = await Promise.all([
      this.events.deleteOlderThan(retained),
      this.steps.deleteBefore(retained),
      this.idempotency.deleteExpired(new Date(now)),
      this.enrollments.deleteExpiredBefore(new Date(now - 30 * DAY_MS)),
    ]);
    const overflow = await this.idempotency.trimPerScope(this.config.IDEMPOTENCY_KEYS_PER_TOKEN);
    if (events + steps + keys + tokens + overflow > 0) {
      this.log.info(
        {
          events,
          operationSteps: steps,
          idempotencyKeys: keys,
          idempotencyKeysOverBound: overflow,
          enrollmentTokens: tokens,
        },
        'collected',
      );
    }
  }
}
