import { z } from 'zod';
import { boolVar, intVar } from './env';
import { metricsEnv } from './metrics-env';
import { tracingEnv } from './tracing';

/** Settings every control-plane process shares (api, scheduler, tools). */
export const controlPlaneEnv = tracingEnv.merge(metricsEnv).extend({
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/xenplane'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  // Redis behind Sentinel (docs/OPERATIONS.md): the sentinels as host:port,host:port; the
  // master's address then comes from them (failover included), REDIS_URL giving only the
  // password, user, database (/n) and TLS (rediss:). Unset: REDIS_URL's host is Redis itself
  REDIS_SENTINELS: z
    .string()
    .regex(/^[A-Za-z0-9.:[\]-]+:\d{1,5}(,[A-Za-z0-9.:[\]-]+:\d{1,5})*$/)
    .optional(),
  // the master's name the sentinels watch (sentinel.conf's `sentinel monitor <name> ...`)
  REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster'),
  // BullMQ key prefix: lets several clouds (or test runs) share one Redis
  XENPLANE_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:_-]+$/)
    .default('xenplane'),
  // where the control plane's CA lives (created on first start)
  XENPLANE_PKI_DIR: z.string().default('.xenplane/pki'),
  // the image store: uploaded image content, one file per image id (the API writes it, the
  // scheduler reads it to push images to hosts). Every API and scheduler replica must see the
  // same directory (a shared filesystem when they run on several machines).
  IMAGE_STORE_DIR: z.string().min(1).default('.xenplane/images'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_SIZE: intVar(10, 1, 200),
  // retries of an operation's transient failures: attempts, with exponential backoff from this
  OPERATION_ATTEMPTS: intVar(8, 1, 50),
  OPERATION_BACKOFF_MS: intVar(500, 10, 60_000),
  // webhooks may target private and loopback addresses (10/8, 172.16/12, 192.168/16, 127/8, ::1,
  // fc00::/7, 100.64/10): on for a self-hosted plane whose receivers live next to it; off where
  // tenants must not reach the plane's own network. Link-local (cloud metadata), multicast and
  // unspecified addresses are refused either way (docs/WEBHOOKS.md). The API checks a URL's
  // literal address, the scheduler every address a delivery connects to.
  WEBHOOK_ALLOW_PRIVATE: boolVar(true),
});
