import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsString, MaxLength } from 'class-validator';
import type { Webhook, WebhookDelivery } from '@xenplane/db';
import { MAX_WEBHOOK_EVENT_TYPES, MAX_WEBHOOK_URL_LENGTH, WEBHOOK_EVENT_PATTERNS } from '@xenplane/domain';
import { Optional } from '../common/http/optional';
import { PageQuery } from '../common/http/page-query';

const MAX_DESCRIPTION = 200;

const URL_DOC = {
  maxLength: MAX_WEBHOOK_URL_LENGTH,
  example: 'https://ci.example.com/xenplane-hook',
  description:
    'http or https, without credentials or fragment; never a link-local, multicast or unspecified address, nor a private or loopback one when the operator turned WEBHOOK_ALLOW_PRIVATE off',
};

const EVENT_TYPES_DOC: ApiPropertyOptions = {
  type: String,
  isArray: true,
  enum: [...WEBHOOK_EVENT_PATTERNS],
  example: ['vm.*'],
  description: 'At least one: an event type, every type of a resource (`vm.*`), or every type (`*`)',
};

export class CreateWebhookDto {
  @ApiProperty(URL_DOC)
  @IsString()
  // the domain's check gives the precise refusal; this only bounds what reaches it
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  url!: string;

  @ApiProperty(EVENT_TYPES_DOC)
  @IsArray()
  @ArrayMaxSize(MAX_WEBHOOK_EVENT_TYPES)
  @IsString({ each: true })
  eventTypes!: string[];

  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION })
  @Optional()
  @IsString()
  @MaxLength(MAX_DESCRIPTION)
  description?: string;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional(URL_DOC)
  @Optional()
  @IsString()
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  url?: string;

  @ApiPropertyOptional(EVENT_TYPES_DOC)
  @Optional()
  @IsArray()
  @ArrayMaxSize(MAX_WEBHOOK_EVENT_TYPES)
  @IsString({ each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION })
  @Optional()
  @IsString()
  @MaxLength(MAX_DESCRIPTION)
  description?: string;

  @ApiPropertyOptional({ description: 'false: no new deliveries, and pending ones end failed' })
  @Optional()
  @IsBoolean()
  enabled?: boolean;
}

/** A webhook as listed: never its secret. */
export class WebhookView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() url!: string;
  @ApiPropertyOptional() description?: string;
  @ApiProperty({ type: String, isArray: true, enum: [...WEBHOOK_EVENT_PATTERNS] }) eventTypes!: string[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class CreatedWebhookView extends WebhookView {
  @ApiProperty({ description: 'The signing secret: shown once, never again (docs/WEBHOOKS.md)' }) secret!: string;
}

export class WebhookPage {
  @ApiProperty({ type: [WebhookView] }) items!: WebhookView[];
  @ApiPropertyOptional() nextCursor?: string;
}

export class WebhookDeliveryView {
  @ApiProperty({ format: 'uuid', description: 'X-Xenplane-Delivery of its requests' }) id!: string;
  @ApiProperty({ description: "The event's id (as in GET /v1/events)" }) eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status!: string;
  @ApiProperty({ description: 'Attempts made so far' }) attempts!: number;
  @ApiPropertyOptional({ description: "The last attempt's HTTP status, if the receiver answered" })
  lastStatusCode?: number;
  @ApiPropertyOptional({ description: 'Why the last attempt failed, in one line' }) lastError?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'When a pending delivery is tried again' })
  nextAttemptAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) deliveredAt?: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class WebhookDeliveryPage {
  @ApiProperty({ type: [WebhookDeliveryView] }) items!: WebhookDeliveryView[];
  @ApiPropertyOptional() nextCursor?: string;
}

export class ListWebhooksQuery extends PageQuery {}

export function presentWebhook(w: Webhook): WebhookView {
  return {
    id: w.id,
    projectId: w.projectId,
    url: w.url,
    ...(w.description !== null ? { description: w.description } : {}),
    eventTypes: w.eventTypes,
    enabled: w.enabled,
    createdAt: w.createdAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
  };
}

export function presentDelivery(d: WebhookDelivery): WebhookDeliveryView {
  return {
    id: d.id,
    eventId: d.eventId.toString(),
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    ...(d.lastStatusCode !== null ? { lastStatusCode: d.lastStatusCode } : {}),
    ...(d.lastError !== null ? { lastError: d.lastError } : {}),
    ...(d.nextAttemptAt ? { nextAttemptAt: d.nextAttemptAt.toISOString() } : {}),
    ...(d.deliveredAt ? { deliveredAt: d.deliveredAt.toISOString() } : {}),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}
