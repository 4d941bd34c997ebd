import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { decodeCursor } from '../common/http/cursor';
import { AnswerHoldsSecret } from '../common/idempotency/answer-holds-secret';
import {
  CreatedWebhookView,
  CreateWebhookDto,
  ListWebhooksQuery,
  UpdateWebhookDto,
  WebhookDeliveryPage,
  WebhookPage,
  WebhookView,
} from './webhook.dto';
import { WebhooksService } from './webhooks.service';

const ProjectId = () => Param('id', new ParseUUIDPipe());
const WebhookId = () => Param('webhookId', new ParseUUIDPipe());

// who may call these is the role matrix's (libs/domain route-access): the project's members
// (viewers read), global admins; the service answers another project's webhooks 404
@ApiTags('webhooks')
@Controller('v1/projects/:id/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @IdempotencyHeader()
  // a replay of the same Idempotency-Key answers without the secret: it is never stored there
  @AnswerHoldsSecret('secret')
  @ApiCreatedResponse({ type: CreatedWebhookView, description: 'The signing secret shown once' })
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  create(@Caller() p: Principal, @ProjectId() id: string, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(p, id, dto);
  }

  @Get()
  @ApiOkResponse({ type: WebhookPage, description: 'Newest first' })
  @ApiProblems([404, 'not_found'])
  list(@Caller() p: Principal, @ProjectId() id: string, @Query() q: ListWebhooksQuery) {
    return this.webhooks.list(p, id, q.limit ?? 50, q.cursor ? decodeCursor(q.cursor) : undefined);
  }

  @Get(':webhookId')
  @ApiOkResponse({ type: WebhookView })
  @ApiProblems([404, 'not_found'])
  get(@Caller() p: Principal, @ProjectId() id: string, @WebhookId() webhookId: string) {
    return this.webhooks.get(p, id, webhookId);
  }

  @Patch(':webhookId')
  @ApiOkResponse({ type: WebhookView })
  @ApiProblems([404, 'not_found'])
  update(
    @Caller() p: Principal,
    @ProjectId() id: string,
    @WebhookId() webhookId: string,
    @Body() dto: UpdateWebhookDto,
  ) {
    return this.webhooks.update(p, id, webhookId, dto);
  }

  @Delete(':webhookId')
  @IdempotencyHeader()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted with its delivery log: nothing more is sent to it' })
  @ApiProblems([404, 'not_found'])
  delete(@Caller() p: Principal, @ProjectId() id: string, @WebhookId() webhookId: string) {
    return this.webhooks.delete(p, id, webhookId);
  }

  @Get(':webhookId/deliveries')
  @ApiOkResponse({ type: WebhookDeliveryPage, description: 'The delivery log, newest first' })
  @ApiProblems([404, 'not_found'])
  deliveries(
    @Caller() p: Principal,
    @ProjectId() id: string,
    @WebhookId() webhookId: string,
    @Query() q: ListWebhooksQuery,
  ) {
    return this.webhooks.deliveries(p, id, webhookId, q.limit ?? 50, q.cursor ? decodeCursor(q.cursor) : undefined);
  }
}
