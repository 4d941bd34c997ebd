import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiPropertyOptional, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import { type Event, EventRepository, VmRepository } from '@xenplane/db';
import {
  EVENT_TYPES,
  type EventFilter,
  eventMatches,
  eventVisibleTo,
  isEventId,
  MAX_EVENT_ID,
  parseEventTypes,
} from '@xenplane/domain';
import { type Principal, visibleProject } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { invalid, notFound } from '../common/errors/api-errors';
import { ApiProblems } from '../common/http/api-responses';
import { EventFeed } from './event-feed';
import { EventMessage, EventView } from './event.view';
import { Optional } from '../common/http/optional';

const KEEPALIVE_MS = 15_000;
const REPLAY_LIMIT = 10_000;
/** What a client waits before reconnecting (the stream's `retry:`): soon, but not in a tight loop. */
export const SSE_RETRY_MS = 3_000;

export class EventsQuery {
  @ApiPropertyOptional({
    description: `Resume after this event id, 0 to ${MAX_EVENT_ID} (same as the Last-Event-ID header)`,
    pattern: '^\\d{1,19}$',
  })
  @Optional()
  @Matches(/^\d{1,19}$/)
  since?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: "only events about this VM: its own (vm.state, ...) and its operations' (operation.status)",
  })
  @Optional()
  @IsUUID()
  vmId?: string;

  @ApiPropertyOptional({
    description: `only events of these types, a comma list of: ${EVENT_TYPES.join(', ')}`,
    example: 'vm.state,operation.status',
  })
  @Optional()
  @IsString()
  @MaxLength(500)
  types?: string;
}

/** Who sees an event: a project's own, or everything (host events included) for global tokens. */
export function visibleTo(p: Principal, e: Pick<Event, 'projectId'>): boolean {
  return eventVisibleTo(p.projectId, e.projectId);
}

export function formatSse(e: Event): string {
  const payload = {
    id: e.id.toString(),
    type: e.type,
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    projectId: e.projectId,
    data: e.data,
    createdAt: e.createdAt.toISOString(),
  };
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(payload)}\n\n`;
}

@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly events: EventRepository,
    private readonly vms: VmRepository,
    private readonly feed: EventFeed,
  ) {}

  /**
   * Server-Sent Events of state changes the caller may see. Reconnecting with Last-Event-ID
   * replays what was missed (within the retention window), then goes on live. `vmId` and
   * `types` narrow both the replay and the live events.
   */
  @Get()
  @ApiExtraModels(EventMessage, EventView)
  @ApiOkResponse({
    description: `A \`retry: ${SSE_RETRY_MS}\` message, then the events, one EventMessage each, as long as the connection stays open`,
    content: { 'text/event-stream': { schema: { $ref: getSchemaPath(EventMessage) } } },
  })
  @ApiProblems([404, 'not_found (vmId)'])
  async stream(
    @Caller() p: Principal,
    @Query() q: EventsQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const resumeFrom = q.since ?? req.header('last-event-id');
    // checked before the stream starts: once its headers are out, a refusal can no longer be sent
    if (resumeFrom !== undefined && !isEventId(resumeFrom))
      throw invalid(q.since !== undefined ? 'since' : 'Last-Event-ID', `must be an event id (0 to ${MAX_EVENT_ID})`);
    const filter = await this.filterOf(p, q);
    res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    res.write(`retry: ${SSE_RETRY_MS}\n\n`);
    let last = resumeFrom !== undefined ? BigInt(resumeFrom) : await this.feed.position();
    const buffered: Event[] = [];
    let live = false;
    const send = (events: Event[]) => {
      for (const e of events) {
        if (e.id <= last || !visibleTo(p, e) || !eventMatches(filter, e)) continue;
        last = e.id;
        res.write(formatSse(e));
      }
    };
    const unsubscribe = await this.feed.subscribe((events) => (live ? send(events) : buffered.push(...events)));
    if (resumeFrom !== undefined) {
      const missed = await this.events.after(last, REPLAY_LIMIT, p.projectId, filter);
      send(missed);
    }
    send(buffered);
    live = true;
    res.write(': connected\n\n');
    const keepalive = setInterval(() => res.write(': ping\n\n'), KEEPALIVE_MS);
    req.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
    });
  }

  /** The stream's filter, checked before it starts: a bad type 400, a VM the caller cannot see 404. */
  private async filterOf(p: Principal, q: EventsQuery): Promise<EventFilter> {
    const filter: { vmId?: string; types?: EventFilter['types'] } = {};
    if (q.types !== undefined) {
      const parsed = parseEventTypes(q.types);
      if ('unknown' in parsed)
        throw invalid(
          'types',
          `unknown event types ${parsed.unknown.map((t) => JSON.stringify(t)).join(', ')}; known: ${EVENT_TYPES.join(', ')}`,
        );
      filter.types = parsed.types;
    }
    if (q.vmId !== undefined) {
      if (!(await this.vms.findVisible(q.vmId, visibleProject(p)))) throw notFound('vm', q.vmId);
      filter.vmId = q.vmId;
    }
    return filter;
  }
}
