import type { Db } from '../client';
import type { AuditEntry, Prisma } from '../generated/prisma/client';
import { prepared } from '../prepared';
import { afterPage, NEWEST_FIRST, type PageCursor } from './page';

export type NewAuditEntry = Omit<Prisma.AuditEntryUncheckedCreateInput, 'id' | 'createdAt'>;

/** What `GET /v1/audit` narrows the trail to; every given filter must hold. */
export interface AuditFilter {
  tokenId?: string;
  projectId?: string;
  resourceType?: string;
  /** a row naming this resource among its targets */
  resourceId?: string;
  action?: string;
  method?: string;
  /** statuses in [from, to) */
  status?: { from: number; to: number };
  since?: Date;
  until?: Date;
}

/**
 * The audit trail: rows are only ever added (the table refuses UPDATE and DELETE, see the
 * audit_trail migration), so this repository has no method that changes or removes one.
 */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  /**
   * One row, by a prepared INSERT: every change pays for it before its answer leaves, and the
   * ORM's create (its query compiler, RETURNING the row) cost the API more CPU than the insert.
   */
  async record(e: NewAuditEntry): Promise<void> {
    await this.db.$executeRaw`${prepared('audit_record')}
      INSERT INTO audit_entries (id, actor_type, token_id, token_name, role, project_id, enrollment_token_id,
        method, route, action, resource_type, resource_ids, operation_ids, summary, status, problem_code,
        correlation_id, source_address)
      VALUES (gen_random_uuid(), ${e.actorType}, ${e.tokenId ?? null}::uuid, ${e.tokenName ?? null},
        ${e.role ?? null}::"Role", ${e.projectId ?? null}::uuid, ${e.enrollmentTokenId ?? null}::uuid,
        ${e.method}, ${e.route}, ${e.action}, ${e.resourceType}, ${idsOf(e.resourceIds)}::uuid[],
        ${idsOf(e.operationIds)}::uuid[], ${JSON.stringify(e.summary ?? {})}::jsonb, ${e.status},
        ${e.problemCode ?? null}, ${e.correlationId ?? null}, ${e.sourceAddress})`;
  }

  /** A page of the trail, newest first, after the cursor: `take` rows at most. */
  listPage(filter: AuditFilter, after: PageCursor | undefined, take: number): Promise<AuditEntry[]> {
    const f = filter;
    return this.db.auditEntry.findMany({
      where: {
        AND: [
          f.tokenId ? { tokenId: f.tokenId } : {},
          f.projectId ? { projectId: f.projectId } : {},
          f.resourceType ? { resourceType: f.resourceType } : {},
          f.resourceId ? { resourceIds: { has: f.resourceId } } : {},
          f.action ? { action: f.action } : {},
          f.method ? { method: f.method } : {},
          f.status ? { status: { gte: f.status.from, lt: f.status.to } } : {},
          f.since ? { createdAt: { gte: f.since } } : {},
          f.until ? { createdAt: { lt: f.until } } : {},
          afterPage(after),
        ],
      },
      orderBy: NEWEST_FIRST,
      take,
    });
  }
}

function idsOf(ids: NewAuditEntry['resourceIds']): string[] {
  return Array.isArray(ids) ? ids : (ids?.set ?? []);
}
