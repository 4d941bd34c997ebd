import { boolVar, controlPlaneEnv, intVar, loadConfig } from '@xenplane/config';
import { DEFAULT_RATE_LIMITS, parseTrustedProxies } from '@xenplane/domain';
import { z } from 'zod';

export const apiEnv = controlPlaneEnv.extend({
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: intVar(8080, 0, 65535),
  // Sets the bootstrap admin token instead of a random one (first start only).
  XENPLANE_ADMIN_TOKEN: z.string().min(24).optional(),
  // Apply pending migrations at start (advisory-locked, safe with several replicas).
  XENPLANE_MIGRATE_ON_START: boolVar(true),
  IDEMPOTENCY_TTL_HOURS: intVar(24, 24, 24 * 30),
  ENROLLMENT_TOKEN_TTL_MINUTES: intVar(60, 1, 7 * 24 * 60),
  BODY_LIMIT_KB: intVar(256, 1, 10_240),
  // the largest image content PUT /v1/images/:id/file accepts (8 GiB by default)
  IMAGE_MAX_BYTES: intVar(8 * 1024 ** 3, 1, 2 ** 50),
  // Proxies whose X-Forwarded-For names the client (addresses, CIDRs, loopback...): none by default
  XENPLANE_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      try {
        return parseTrustedProxies(raw);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  // A token lookup is cached this long at most: the bound on honouring a revoked token when a
  // revocation's message is lost (Redis unreachable); while it is not, revocation is immediate.
  AUTH_CACHE_MS: intVar(2_000, 0, 60_000),
  // Tokens' lastUsedAt is written in one batch this often (and at shutdown), not per request.
  TOKEN_LAST_USED_FLUSH_MS: intVar(5_000, 100, 600_000),
  // The deadline of the API's own calls to host agents (reading a VM's console): a host that
  // does not answer within it makes the request a 503, never a hang.
  CONSOLE_TIMEOUT_MS: intVar(3_000, 100, 60_000),
  // The built web console served at `/` (default: dist/apps/console/web beside the API's build)
  CONSOLE_DIR: z.string().min(1).optional(),
  // Rate limits, shared by the API replicas through Redis: requests per window, per token once
  // authenticated, per source address otherwise (no or a bad token, and host enrollment). 0: none.
  RATE_LIMIT_WINDOW_SECONDS: intVar(DEFAULT_RATE_LIMITS.windowSeconds, 1, 3_600),
  RATE_LIMIT_PER_TOKEN: intVar(DEFAULT_RATE_LIMITS.perToken, 0, 1_000_000_000),
  RATE_LIMIT_PER_ADDRESS_UNAUTHENTICATED: intVar(DEFAULT_RATE_LIMITS.perAddressUnauthenticated, 0, 1_000_000_000),
});

export type ApiConfig = z.infer<typeof apiEnv>;

export const API_CONFIG = Symbol('API_CONFIG');

export function loadApiConfig(env?: Record<string, string | undefined>): ApiConfig {
  return loadConfig(apiEnv, env);
}
