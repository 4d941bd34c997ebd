import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuditRepository } from '@xenplane/db';
import { statusRange } from '@xenplane/domain';
import { invalid } from '../common/errors/api-errors';
import { ApiProblems } from '../common/http/api-responses';
import { decodeCursor, page } from '../common/http/cursor';
import { AuditPage, ListAuditQuery, presentAuditEntry } from './audit.dto';

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditRepository) {}

  /** The audit trail, newest first: global admins only (a project token gets 403). */
  @Get()
  @ApiOkResponse({ type: AuditPage })
  @ApiProblems()
  async list(@Query() q: ListAuditQuery): Promise<AuditPage> {
    const limit = q.limit ?? 50;
    const since = q.since ? new Date(q.since) : undefined;
    const until = q.until ? new Date(q.until) : undefined;
    if (since && until && since >= until) throw invalid('until', 'must be after since');
    const rows = await this.audit.listPage(
      {
        ...(q.tokenId ? { tokenId: q.tokenId } : {}),
        ...(q.projectId ? { projectId: q.projectId } : {}),
        ...(q.resourceType ? { resourceType: q.resourceType } : {}),
        ...(q.resourceId ? { resourceId: q.resourceId } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.method ? { method: q.method } : {}),
        ...(q.outcome ? { status: statusRange(q.outcome) } : {}),
        ...(since ? { since } : {}),
        ...(until ? { until } : {}),
      },
      q.cursor ? decodeCursor(q.cursor) : undefined,
      limit + 1,
    );
    return page(rows, limit, presentAuditEntry);
  }
}
