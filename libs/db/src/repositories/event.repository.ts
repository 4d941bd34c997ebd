import type { EventFilter } from '@xenplane/domain';
import type { Db } from '../client';
import type { Event } from '../generated/prisma/client';

/** The event stream's rows: read by the API's feed, trimmed by the scheduler's GC. */
export class EventRepository {
  constructor(private readonly db: Db) {}

  /** The id of the newest event (0 when there is none). */
  async lastId(): Promise<bigint> {
    const last = await this.db.event.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
    return last?.id ?? 0n;
  }

  /**
   * Events after this id, oldest first, at most `take`; only the project's when a project is
   * given, and only those the filter keeps (the same events libs/domain eventMatches keeps live).
   */
  after(id: bigint, take: number, projectId?: string | null, filter: EventFilter = {}): Promise<Event[]> {
    return this.db.event.findMany({
      where: {
        id: { gt: id },
        ...(projectId ? { projectId } : {}),
        ...(filter.types ? { type: { in: [...filter.types] } } : {}),
        ...(filter.vmId
          ? {
              OR: [{ resourceType: 'vm', resourceId: filter.vmId }, { data: { path: ['vmId'], equals: filter.vmId } }],
            }
          : {}),
      },
      orderBy: { id: 'asc' },
      take,
    });
  }

  /** Forgets events older than the retention window; how many went. */
  async deleteOlderThan(before: Date): Promise<number> {
    return (await this.db.event.deleteMany({ where: { createdAt: { lt: before } } })).count;
  }
}
