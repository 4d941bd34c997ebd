import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { migrateDatabase } from '@xenplane/db';
import { tracesExported } from '@xenplane/config';
import { getLogger, initLogging, initTracing, serveMetrics, startLivenessFile } from '@xenplane/observability';
import { loadSchedulerConfig } from './config';
import { markRoles, registry } from './metrics/scheduler-metrics';
import { SchedulerModule } from './scheduler.module';

async function main(): Promise<void> {
  const config = loadSchedulerConfig();
  initLogging('scheduler', config.LOG_LEVEL);
  initTracing('scheduler', { side: 'scheduler', export: tracesExported(config) });
  // the scheduler may start before the API: the schema must be there either way
  await migrateDatabase(config.DATABASE_URL);
  const app = await NestFactory.createApplicationContext(SchedulerModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  if (config.LIVENESS_FILE) startLivenessFile(config.LIVENESS_FILE);
  markRoles(config.SCHEDULER_ROLES);
  const metrics = await serveMetrics({ registry, port: config.METRICS_PORT, host: config.METRICS_HOST });
  if (metrics) getLogger('main').info({ port: metrics.port, host: config.METRICS_HOST }, 'metrics served');
  getLogger('main').info(
    { roles: config.SCHEDULER_ROLES, concurrency: config.SCHEDULER_CONCURRENCY },
    'scheduler started',
  );
}

main().catch((err: unknown) => {
  getLogger('main').fatal({ err }, 'scheduler failed to start');
  process.stderr.write(`scheduler failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
