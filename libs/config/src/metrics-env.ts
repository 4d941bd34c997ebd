import { z } from 'zod';
import { intVar } from './env';

/**
 * Where a process serves its Prometheus metrics (docs/METRICS.md), the same two settings in every
 * process (api, scheduler, host agent). Off by default: a port nobody chose could clash with
 * another process of the same machine (several schedulers, agents); an operator who scrapes sets
 * one per process. Loopback by default: metrics say much about the fleet and need no token, so
 * reaching them from elsewhere is a choice (METRICS_HOST=0.0.0.0 on a private network).
 */
export const metricsEnv = z.object({
  // 0: no metrics server
  METRICS_PORT: intVar(0, 0, 65535),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});
