import { Inject, Injectable } from '@nestjs/common';
import { ProjectRepository, WebhookRepository } from '@xenplane/db';
import {
  checkEventTypes,
  checkWebhookUrl,
  type Cursor,
  MAX_WEBHOOKS_PER_PROJECT,
  newWebhookSecret,
} from '@xenplane/domain';
import { canSeeProject, type Principal } from '../common/auth/principal';
import { ApiError, invalid, notFound } from '../common/errors/api-errors';
import { page } from '../common/http/cursor';
import { API_CONFIG, type ApiConfig } from '../config';
import {
  type CreatedWebhookView,
  type CreateWebhookDto,
  presentDelivery,
  presentWebhook,
  type UpdateWebhookDto,
  type WebhookDeliveryPage,
  type WebhookPage,
  type WebhookView,
} from './webhook.dto';

/**
 * A project's webhooks (docs/WEBHOOKS.md). Who may call is the role matrix's; another project's
 * answer 404, as if the project did not exist. The scheduler's webhooks role sends deliveries.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly projects: ProjectRepository,
    private readonly webhooks: WebhookRepository,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async create(principal: Principal, projectId: string, dto: CreateWebhookDto): Promise<CreatedWebhookView> {
    await this.ensureVisible(principal, projectId);
    const url = this.checkedUrl(dto.url);
    const eventTypes = checkedEventTypes(dto.eventTypes);
    const secret = newWebhookSecret();
    const made = await this.webhooks.create(
      {
        projectId,
        url,
        eventTypes,
        description: dto.description ?? null,
        secret,
        createdByTokenId: principal.tokenId,
      },
      MAX_WEBHOOKS_PER_PROJECT,
    );
    if (!made)
      throw new ApiError(
        'conflict',
        `the project already has ${MAX_WEBHOOKS_PER_PROJECT} webhooks, the most it may: delete one first`,
      );
    return { ...presentWebhook(made), secret };
  }

  async list(principal: Principal, projectId: string, limit: number, after?: Cursor): Promise<WebhookPage> {
    await this.ensureVisible(principal, projectId);
    return page(await this.webhooks.list(projectId, limit + 1, after), limit, presentWebhook);
  }

  async get(principal: Principal, projectId: string, id: string): Promise<WebhookView> {
    await this.ensureVisible(principal, projectId);
    return presentWebhook(await this.found(projectId, id));
  }

  async update(principal: Principal, projectId: string, id: string, dto: UpdateWebhookDto): Promise<WebhookView> {
    await this.ensureVisible(principal, projectId);
    const change = {
      ...(dto.url !== undefined ? { url: this.checkedUrl(dto.url) } : {}),
      ...(dto.eventTypes !== undefined ? { eventTypes: checkedEventTypes(dto.eventTypes) } : {}),
      ...(dto.description !== undefined ? { description: dto.description } : {}),
      ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
    };
    const updated = await this.webhooks.update(projectId, id, change);
    if (!updated) throw notFound('webhook', id);
    return presentWebhook(updated);
  }

  async delete(principal: Principal, projectId: string, id: string): Promise<void> {
    await this.ensureVisible(principal, projectId);
    if (!(await this.webhooks.delete(projectId, id))) throw notFound('webhook', id);
  }

  async deliveries(
    principal: Principal,
    projectId: string,
    id: string,
    limit: number,
    after?: Cursor,
  ): Promise<WebhookDeliveryPage> {
    await this.ensureVisible(principal, projectId);
    await this.found(projectId, id);
    return page(await this.webhooks.deliveries(id, limit + 1, after), limit, presentDelivery);
  }

  private checkedUrl(raw: string): string {
    const checked = checkWebhookUrl(raw, this.config.WEBHOOK_ALLOW_PRIVATE);
    if ('refusal' in checked) throw invalid('url', checked.refusal);
    return checked.url;
  }

  private async found(projectId: string, id: string) {
    const hook = await this.webhooks.find(projectId, id);
    if (!hook) throw notFound('webhook', id);
    return hook;
  }

  private async ensureVisible(principal: Principal, projectId: string): Promise<void> {
    if (!canSeeProject(principal, projectId) || !(await this.projects.find(projectId))) {
      throw notFound('project', projectId);
    }
  }
}

function checkedEventTypes(patterns: string[]): string[] {
  const checked = checkEventTypes(patterns);
  if ('refusal' in checked) throw invalid('eventTypes', checked.refusal);
  return checked.eventTypes;
}
