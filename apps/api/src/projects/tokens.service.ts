import { Injectable } from '@nestjs/common';
import { ProjectRepository, TokenRepository } from '@xenplane/db';
import { expiryRefusal, hashSecret, newSecret, storedPrefix } from '@xenplane/domain';
import { canSeeProject, type Principal } from '../common/auth/principal';
import { TokenRevocations } from '../common/auth/token-revocations';
import { forbidden, invalid, notFound } from '../common/errors/api-errors';
import { readPage } from '../common/http/cursor';
import type { PageQuery } from '../common/http/page-query';
import type { Page } from '../common/http/page-view';
import {
  type CreatedTokenView,
  type CreateGlobalTokenDto,
  type CreateTokenDto,
  presentToken,
  type TokenView,
} from './token.dto';

/**
 * A project's tokens: project admins for their project, global admins for any; never operators,
 * members or viewers. Another project's tokens answer 404, as if the project did not exist.
 */
@Injectable()
export class TokensService {
  constructor(
    private readonly projects: ProjectRepository,
    private readonly tokens: TokenRepository,
    private readonly revocations: TokenRevocations,
  ) {}

  async create(principal: Principal, projectId: string, dto: CreateTokenDto): Promise<CreatedTokenView> {
    await this.ensureAdminOf(principal, projectId, 'create');
    return this.issue(projectId, dto);
  }

  /** A global token (operator or admin): global admins only, the route says so. */
  createGlobal(dto: CreateGlobalTokenDto): Promise<CreatedTokenView> {
    return this.issue(null, dto);
  }

  private async issue(projectId: string | null, dto: CreateTokenDto | CreateGlobalTokenDto): Promise<CreatedTokenView> {
    const expiresAt = dto.expiresAt === undefined ? null : new Date(dto.expiresAt);
    const refusal = expiresAt && expiryRefusal(expiresAt, new Date());
    if (refusal) throw invalid('expiresAt', refusal);
    const secret = newSecret('xp');
    const token = await this.tokens.create({
      projectId,
      name: dto.name,
      role: dto.role,
      tokenHash: hashSecret(secret),
      prefix: storedPrefix(secret, 'generated'),
      expiresAt,
    });
    return { ...presentToken(token), token: secret };
  }

  async listForProject(principal: Principal, projectId: string, q: PageQuery): Promise<Page<TokenView>> {
    await this.ensureAdminOf(principal, projectId, 'list');
    return this.page(projectId, q);
  }

  /** The global tokens (global admins only: the route says so). */
  listGlobal(q: PageQuery): Promise<Page<TokenView>> {
    return this.page(null, q);
  }

  private page(projectId: string | null, q: PageQuery): Promise<Page<TokenView>> {
    return readPage(
      q,
      (after, take) => this.tokens.listPage(projectId, after, take),
      (rows) => rows.map(presentToken),
    );
  }

  /** Answers once no API replica honours the token any more (TokenRevocations.announce). */
  async revoke(principal: Principal, id: string): Promise<void> {
    const token = await this.tokens.find(id);
    // a tenant only revokes its own project's tokens; nobody learns other tokens exist
    if (!token || token.revokedAt || !canSeeProject(principal, token.projectId)) throw notFound('token', id);
    if (principal.role !== 'admin') throw forbidden('only admins revoke tokens');
    // a concurrent revocation won: this one did nothing, as if it came second
    if (!(await this.tokens.revoke(id))) throw notFound('token', id);
    await this.revocations.announce(id);
  }

  private async ensureAdminOf(principal: Principal, projectId: string, verb: 'create' | 'list'): Promise<void> {
    if (!canSeeProject(principal, projectId)) throw notFound('project', projectId);
    if (principal.role !== 'admin') throw forbidden(`only admins ${verb} tokens`);
    if (!(await this.projects.find(projectId))) throw notFound('project', projectId);
  }
}
