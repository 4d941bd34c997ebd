/** Every queue of the system. A job is only a wake-up call: Postgres holds the truth. */
export enum QueueName {
  /** One job per operation; job id = operation id, job name = operation kind. */
  Operations = 'operations',
  /** HA restarts, one job per ha_restart operation, by priority (high first): apart from the
   *  operations queue so that no burst of creates delays them. */
  HaRestarts = 'ha-restarts',
  /** Periodic work, run once per tick across all scheduler replicas (BullMQ job schedulers). */
  Periodic = 'periodic',
  /** One job per webhook delivery; job id = delivery id. Retried with the delivery's backoff. */
  Webhooks = 'webhooks',
}

export enum PeriodicJob {
  OutboxSweep = 'outbox-sweep',
  TtlReap = 'ttl-reap',
  GarbageCollect = 'garbage-collect',
  PoolUsageSample = 'pool-usage-sample',
  CertificateRenewal = 'certificate-renewal',
}

export interface OperationJobData {
  operationId: string;
  correlationId?: string;
  /** the W3C trace context of the work that queued it (the API's request): the worker's spans continue that trace */
  traceparent?: string;
  /** steps of the operation done before it was queued (the API's request), for the worker to keep in its timeline (libs/observability encodeSteps) */
  steps?: string;
}

export interface WebhookJobData {
  deliveryId: string;
}
