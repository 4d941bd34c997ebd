// `node dist/apps/api/src/migrate.js`: applies this release's pending migrations to DATABASE_URL
// and exits, the first step of an upgrade (docs/OPERATIONS.md), before any process of the new
// release starts. The same step the API (XENPLANE_MIGRATE_ON_START) and the scheduler take at start.
import { migrateDatabase } from '@xenplane/db';
import { getLogger, initLogging } from '@xenplane/observability';
import { loadApiConfig } from './config';

async function main(): Promise<void> {
  const config = loadApiConfig();
  initLogging('migrate', config.LOG_LEVEL);
  const result = await migrateDatabase(config.DATABASE_URL);
  getLogger('migrate').info({ applied: result.applied, alreadyApplied: result.alreadyApplied }, 'database migrated');
}

main().catch((err: unknown) => {
  getLogger('migrate').fatal({ err }, 'migration failed');
  process.stderr.write(`migration failed: ${(err as Error).message}\n`);
  process.exit(1);
});
