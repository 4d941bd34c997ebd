import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { JOB_STATES, type JobState } from '@xenplane/queue';
import { Optional } from '../common/http/optional';

/** The states a job list can be asked for (BullMQ's, but for paused and waiting-children, which Xenplane never uses). */
export const LISTED_STATES = ['failed', 'waiting', 'prioritized', 'active', 'delayed', 'completed'] as const;
export type ListedState = (typeof LISTED_STATES)[number];

export class JobCounts implements Record<JobState, number> {
  @ApiProperty() waiting!: number;
  @ApiProperty() prioritized!: number;
  @ApiProperty() active!: number;
  @ApiProperty() delayed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() paused!: number;
  @ApiProperty({ name: 'waiting-children' }) 'waiting-children'!: number;
}

export class QueueView {
  @ApiProperty({ example: 'operations', description: 'operations, ha-restarts, periodic, webhooks' }) name!: string;
  @ApiProperty({ type: JobCounts, description: `jobs by state (${JOB_STATES.join(', ')})` }) counts!: JobCounts;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'seconds the longest-waiting job has waited for a worker; null when none waits',
  })
  oldestWaitingAgeSeconds!: number | null;
}

export class QueueList {
  @ApiProperty({ type: [QueueView] }) items!: QueueView[];
}

export class JobView {
  @ApiProperty({ description: "the job's id: an operation's or a webhook delivery's id, a periodic job's tick" })
  id!: string;
  @ApiProperty({ example: 'create', description: "the job's name: an operation's kind, a periodic job's" })
  name!: string;
  @ApiProperty({ enum: [...LISTED_STATES] }) state!: ListedState;
  @ApiProperty({ description: 'attempts made so far' }) attemptsMade!: number;
  @ApiPropertyOptional({ description: 'why its last attempt failed' }) failedReason?: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'when its last attempt started' }) processedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) finishedAt?: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'what the job points at: operationId, deliveryId, correlationId (Postgres holds the rest)',
  })
  data!: Record<string, string>;
}

export class JobList {
  @ApiProperty({ type: [JobView] }) items!: JobView[];
}

export class ListJobsQuery {
  @ApiPropertyOptional({ enum: [...LISTED_STATES], default: 'failed' })
  @Optional()
  @IsIn([...LISTED_STATES])
  state?: ListedState;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50, description: 'the newest this many' })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
