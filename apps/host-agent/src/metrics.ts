import { CALL_SECONDS_BUCKETS, createMetricsRegistry, STEP_SECONDS_BUCKETS } from '@xenplane/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

/**
 * The agent process's metrics, served on METRICS_PORT (docs/METRICS.md). Failures and domain
 * counts carry a `host` label (the host's name): one value in a real agent, one per simulated
 * host in a fleet process, so bounded by AGENT_FLEET_SIZE (≤ 5,000) rather than by anything
 * callers choose. Latency histograms do not: 5,000 hosts × 3 methods × 16 series made a 15 MB
 * scrape that held a fleet's event loop for over a second (docs/METRICS.md, cost).
 */
export const registry = createMetricsRegistry('xenplane_agent_');

export const rpcSeconds = new Histogram({
  name: 'xenplane_agent_rpc_seconds',
  help: 'HostAgent RPCs served, by method (failed ones too), all hosts of the process together',
  labelNames: ['method'],
  buckets: CALL_SECONDS_BUCKETS,
  registers: [registry],
});

export const rpcFailures = new Counter({
  name: 'xenplane_agent_rpc_failures_total',
  help: 'HostAgent RPCs answered with an error, by host, method and gRPC status code',
  labelNames: ['host', 'method', 'code'],
  registers: [registry],
});

export const xlCommandSeconds = new Histogram({
  name: 'xenplane_agent_xl_command_seconds',
  help: '`xl` commands run, by subcommand (failed ones too)',
  labelNames: ['subcommand'],
  buckets: STEP_SECONDS_BUCKETS,
  registers: [registry],
});

export const xlCommandFailures = new Counter({
  name: 'xenplane_agent_xl_command_failures_total',
  help: '`xl` commands that exited non-zero or could not be started, by subcommand',
  labelNames: ['subcommand'],
  registers: [registry],
});

/** Each host's domain count, read when scraped (hosts register themselves while they serve). */
const domainCounts = new Map<string, () => Promise<number>>();

new Gauge({
  name: 'xenplane_agent_domains',
  help: 'Domains (VMs) running or paused on the host, dom0 not counted',
  labelNames: ['host'],
  registers: [registry],
  async collect() {
    this.reset();
    await Promise.all(
      [...domainCounts].map(async ([host, count]) => {
        // a host whose hypervisor does not answer now is left out of this scrape, not the scrape failed
        const n = await count().catch(() => undefined);
        if (n !== undefined) this.set({ host }, n);
      }),
    );
  },
});

/** Counts `host`'s domains at each scrape until the function returned is called. */
export function countDomains(host: string, count: () => Promise<number>): () => void {
  domainCounts.set(host, count);
  return () => domainCounts.delete(host);
}

/**
 * The xl subcommand of an argument array (`create`, `list`...): its first argument that is not
 * a flag. Only a plain word, else `other`: a label's values must stay few.
 */
export function xlSubcommand(args: readonly string[]): string {
  const sub = args.find((a) => !a.startsWith('-'));
  return sub && /^[a-z][a-z0-9-]{0,31}$/.test(sub) ? sub : 'other';
}
