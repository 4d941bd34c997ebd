import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601 } from 'class-validator';
import type { PoolRepository, PoolUsageRepository } from '@xenplane/db';
import { downsampleUsage, USAGE_MAX_POINTS, usageWindow } from '@xenplane/domain';
import { invalid, notFound } from '../common/errors/api-errors';
import { Optional } from '../common/http/optional';

export class UsageHistoryQuery {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'samples at or after this time (default: a day before until)',
  })
  @Optional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'samples before this time (default: now)' })
  @Optional()
  @IsISO8601({ strict: true })
  until?: string;
}

class CapacityView {
  @ApiProperty() vcpus!: number;
  @ApiProperty() memoryMb!: number;
  @ApiProperty() diskGb!: number;
}

class UsedView extends CapacityView {
  @ApiProperty() instances!: number;
}

class UsagePointView {
  @ApiProperty({ format: 'date-time', description: "the start of the point's bucket: it covers [at, at + bucketMs)" })
  at!: string;
  @ApiProperty({ description: 'samples averaged into this point' }) samples!: number;
  @ApiProperty({
    type: CapacityView,
    description:
      "what the pool's up hosts offer ((total - dom0) x the allocation ratios), the mean over the bucket; instances have no capacity (no host caps them)",
  })
  capacity!: CapacityView;
  @ApiProperty({ type: UsedView, description: "what claims hold on the pool's hosts, the mean over the bucket" })
  used!: UsedView;
  @ApiProperty({ type: UsedView, description: 'the highest usage sampled in the bucket' })
  peak!: UsedView;
}

export class PoolUsageHistoryView {
  @ApiProperty({ format: 'uuid' }) poolId!: string;
  @ApiProperty({ format: 'date-time' }) since!: string;
  @ApiProperty({ format: 'date-time' }) until!: string;
  @ApiProperty({
    description: `the width of each point in milliseconds: a round figure for which the window has at most ${USAGE_MAX_POINTS} points`,
  })
  bucketMs!: number;
  @ApiProperty({
    type: [UsagePointView],
    description: `oldest first, ${USAGE_MAX_POINTS} at most; a bucket with no sample has no point (the scheduler was not sampling)`,
  })
  points!: UsagePointView[];
}

/** A pool's usage history over a window, downsampled: GET /v1/pools/:id/usage-history. */
export async function poolUsageHistory(
  repos: { pools: PoolRepository; usage: PoolUsageRepository },
  poolId: string,
  q: UsageHistoryQuery,
  now = Date.now(),
): Promise<PoolUsageHistoryView> {
  const window = usageWindow(
    {
      ...(q.since !== undefined ? { since: Date.parse(q.since) } : {}),
      ...(q.until !== undefined ? { until: Date.parse(q.until) } : {}),
    },
    now,
  );
  if ('error' in window) throw invalid('since', window.error);
  if (!(await repos.pools.exists(poolId))) throw notFound('pool', poolId);
  const samples = await repos.usage.window(poolId, new Date(window.since), new Date(window.until));
  const { bucketMs, points } = downsampleUsage(samples, window);
  return {
    poolId,
    since: new Date(window.since).toISOString(),
    until: new Date(window.until).toISOString(),
    bucketMs,
    points: points.map((p) => ({ ...p, at: new Date(p.at).toISOString() })),
  };
}
