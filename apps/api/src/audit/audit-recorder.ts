import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { AuditRepository, EnrollmentRepository, type NewAuditEntry, type Role, TokenRepository } from '@xenplane/db';
import {
  type AuditTarget,
  auditTargetOf,
  createdResources,
  hashSecret,
  plainAddress,
  recordsStatus,
  startedOperations,
} from '@xenplane/domain';
import { CORRELATION_HEADER, getLogger } from '@xenplane/observability';
import type { AuthedRequest } from '../common/auth/auth.guard';
import { auditWriteFailures } from './audit-metrics';

// a bearer header the guard would read (the guard's own pattern): anything else names nobody
const BEARER = /^Bearer ([A-Za-z0-9_-]{10,200})$/;
// answers longer than this are not read for the ids they name (no create answers anything near)
const ANSWER_READ_MAX = 1 << 20;

type Actor = Pick<NewAuditEntry, 'actorType' | 'tokenId' | 'tokenName' | 'role' | 'projectId' | 'enrollmentTokenId'>;

/**
 * Writes the audit row of a request once its outcome is known (audit.middleware.ts calls it as
 * the answer is about to leave). It never throws: a row that cannot be written is logged at
 * error level, whole, and counted (xenplane_api_audit_write_failures_total); the answer goes
 * out as it is, because the change it reports is already made (docs/API.md, "Audit trail").
 */
@Injectable()
export class AuditRecorder {
  private readonly log = getLogger('audit');

  constructor(
    private readonly audit: AuditRepository,
    private readonly tokens: TokenRepository,
    private readonly enrollments: EnrollmentRepository,
  ) {}

  async record(req: AuthedRequest, res: Response, answer: unknown): Promise<void> {
    let entry: NewAuditEntry | undefined;
    try {
      const route = routeOf(req);
      const target = auditTargetOf({
        method: req.method,
        route,
        params: req.params as Record<string, string | undefined>,
        body: req.body as unknown,
      });
      if (!target || !route || !recordsStatus(res.statusCode)) return;
      entry = await this.entryOf(req, res, route, target, answer);
      await this.audit.record(entry);
    } catch (err) {
      auditWriteFailures.inc();
      // the whole row, so the log holds what the table could not (it carries no secret)
      this.log.error({ err, audit: entry ?? { method: req.method, path: req.path } }, 'audit write failed');
    }
  }

  private async entryOf(
    req: AuthedRequest,
    res: Response,
    route: string,
    target: AuditTarget,
    answer: unknown,
  ): Promise<NewAuditEntry> {
    const status = res.statusCode;
    const body = parseAnswer(res, answer);
    const actor = await this.actorOf(req, target);
    const correlationId = res.getHeader(CORRELATION_HEADER);
    const problemCode = status >= 400 && isRecord(body) && typeof body['code'] === 'string' ? body['code'] : null;
    return {
      ...actor,
      projectId: actor.projectId ?? target.projectId,
      method: req.method,
      route,
      action: target.action,
      resourceType: target.resourceType,
      resourceIds: [...target.resourceIds, ...createdResources({ method: req.method, route }, status, body)],
      operationIds: startedOperations(status, body),
      summary: target.summary,
      status,
      problemCode,
      correlationId: typeof correlationId === 'string' && correlationId ? correlationId : null,
      // req.ip honours X-Forwarded-For only from XENPLANE_TRUSTED_PROXIES (Express's trust proxy)
      sourceAddress: plainAddress(req.ip ?? req.socket.remoteAddress),
    };
  }

  /**
   * Who asked: the principal the guard attached; when the guard refused before attaching one
   * (unknown, revoked or under-privileged token), whoever the bearer token names; for an
   * enrollment, the one-time token in the body (by its id: the secret is only hashed).
   */
  private async actorOf(req: AuthedRequest, target: AuditTarget): Promise<Actor> {
    const p = req.principal;
    if (p) return token(p.tokenId, p.tokenName, p.role, p.projectId);
    if (target.actor === 'enrollment') {
      const secret = isRecord(req.body) ? req.body['token'] : undefined;
      const used =
        typeof secret === 'string' && secret.length <= 200
          ? await this.enrollments.findTokenByHash(hashSecret(secret))
          : null;
      return { actorType: 'enrollment', enrollmentTokenId: used?.id ?? null };
    }
    const bearer = BEARER.exec(req.headers.authorization ?? '');
    const named = bearer ? await this.tokens.findByHash(hashSecret(bearer[1]!)) : null;
    return named ? token(named.id, named.name, named.role, named.projectId) : { actorType: 'anonymous' };
  }
}

/** The route template Express matched (`/v1/vms/:id`); null when none did. */
function routeOf(req: AuthedRequest): string | null {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : null;
}

function token(tokenId: string, tokenName: string, role: Role, projectId: string | null): Actor {
  return { actorType: 'token', tokenId, tokenName, role, projectId };
}

/** The JSON answer, when there is one worth reading (created ids, operations, a problem's code). */
function parseAnswer(res: Response, chunk: unknown): unknown {
  const type = String(res.getHeader('content-type') ?? '');
  if (!type.includes('json')) return undefined;
  const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
  if (text === undefined || text.length > ANSWER_READ_MAX) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
