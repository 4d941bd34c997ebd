import { tracesExported } from '@xenplane/config';
import { getLogger, initLogging, initTracing, serveMetrics, startLivenessFile } from '@xenplane/observability';
import { loadAgentConfig } from './config';
import { startHosts } from './fleet/start-hosts';
import type { AgentHost } from './host/agent-host';
import { registry } from './metrics';

async function main(): Promise<void> {
  const config = loadAgentConfig();
  initLogging('host-agent', config.LOG_LEVEL);
  const tracing = initTracing('host-agent', { side: 'agent', export: tracesExported(config) });
  const log = getLogger('main');
  // which runtime and flags (the Dockerfile's host-agent CMD, the package's unit) this agent runs with
  log.info({ node: process.version, nodeFlags: process.execArgv, driver: config.AGENT_DRIVER }, 'agent starting');
  let hosts: AgentHost[] = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await Promise.all(hosts.map((h) => h.stop(config.AGENT_SHUTDOWN_GRACE_MS)));
    // the spans still in the export batch leave before the process does
    await tracing.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // served before the hosts start: a fleet's enrollment of thousands is watched as it goes
  const metrics = await serveMetrics({ registry, port: config.METRICS_PORT, host: config.METRICS_HOST });
  if (metrics) log.info({ port: metrics.port, host: config.METRICS_HOST }, 'metrics served');
  hosts = await startHosts(config);
  if (config.LIVENESS_FILE) startLivenessFile(config.LIVENESS_FILE);
}

main().catch((err: unknown) => {
  getLogger('main').fatal({ err }, 'agent failed to start');
  process.stderr.write(`agent failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
