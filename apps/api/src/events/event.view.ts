import { ApiProperty } from '@nestjs/swagger';
import { EVENT_TYPES } from '@xenplane/domain';

/** One event as the stream's `data:` line carries it, in JSON (formatSse makes it). */
export class EventView {
  @ApiProperty({
    pattern: '^\\d{1,19}$',
    description: 'Increasing: reconnecting with Last-Event-ID (or ?since=) set to it resumes after it',
  })
  id!: string;

  @ApiProperty({ enum: EVENT_TYPES, example: 'vm.state', description: 'What happened' })
  type!: string;

  @ApiProperty({ example: 'vm', description: 'The kind of resource it happened to' })
  resourceType!: string;

  @ApiProperty({ format: 'uuid' })
  resourceId!: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: "The resource's project; null for events only global tokens see (hosts, pools)",
  })
  projectId!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What changed; its shape depends on type' })
  data!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

/**
 * One message of the text/event-stream, by its fields. The stream opens with a `retry:` message
 * (how long a client waits before reconnecting) and no event. Lines starting with `:` (`: connected`,
 * `: ping` every 15 s) are comments that keep the connection open, and carry no event.
 */
export class EventMessage {
  @ApiProperty({ description: "`id:` the event's id (EventView.id)" })
  id!: string;

  @ApiProperty({ description: "`event:` the event's type (EventView.type)", example: 'vm.state' })
  event!: string;

  @ApiProperty({ type: () => EventView, description: '`data:` the event, as one line of JSON' })
  data!: EventView;
}
