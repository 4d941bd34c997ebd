import { Inject, Injectable } from '@nestjs/common';
import { PoolUsageRepository } from '@xenplane/db';
import { sampleSlot, usageRetentionCutoff } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

/**
 * Pools' usage history: at each tick (POOL_USAGE_SAMPLE_INTERVAL_MS, one replica at a time: a
 * periodic task) files every pool's capacity and usage under the tick's slot, then forgets the
 * samples past POOL_USAGE_RETENTION_DAYS. The table stays bounded: one row per pool per slot.
 */
@Injectable()
export class PoolUsageSampler {
  private readonly log = getLogger('pool-usage');

  constructor(
    private readonly usage: PoolUsageRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  /** One tick, at `now` (epoch milliseconds): the pools sampled and the old samples deleted. */
  async sample(now = Date.now()): Promise<{ pools: number; deleted: number }> {
    const pools = await this.usage.record(new Date(sampleSlot(now, this.config.POOL_USAGE_SAMPLE_INTERVAL_MS)));
    const deleted = await this.usage.deleteBefore(
      new Date(usageRetentionCutoff(now, this.config.POOL_USAGE_RETENTION_DAYS)),
    );
    if (deleted > 0) this.log.debug({ pools, deleted }, 'pool usage sampled, old samples deleted');
    return { pools, deleted };
  }
}
