import { z } from 'zod';

/**
 * OpenTelemetry's own settings, as every process reads them (api, scheduler, agent). Spans are
 * always made (their ids are in the logs and the operations' timelines); they leave the process
 * only when one of these names an OTLP/HTTP collector. The SDK reads the rest of the standard
 * variables itself (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, OTEL_TRACES_SAMPLER, OTEL_BSP_*).
 */
export const tracingEnv = z.object({
  // the collector's base URL: spans go to <url>/v1/traces
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  // the traces URL itself, when it is not <base>/v1/traces
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
  // `none` turns export off even with an endpoint set (the standard switch)
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).default('otlp'),
});

export type TracingEnv = z.infer<typeof tracingEnv>;

/** Whether spans are exported: an endpoint is set and export is not switched off. */
export function tracesExported(env: TracingEnv): boolean {
  return (
    env.OTEL_TRACES_EXPORTER !== 'none' &&
    Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT)
  );
}
