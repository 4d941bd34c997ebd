import { randomBytes } from 'node:crypto';
import { createDb, type Db, dropDatabase, ensureDatabase, migrateDatabase } from '@xenplane/db';

export const TEST_PG_URL = process.env['XENPLANE_TEST_PG_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env['XENPLANE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file; drop() removes it. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/xp_${label.replace(/[^a-z0-9]/gi, '').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  const dbUrl = url.toString();
  await ensureDatabase(dbUrl);
  await migrateDatabase(dbUrl);
  const db = createDb({ url: dbUrl, poolSize: 20 });
  return {
    url: dbUrl,
    db,
    async drop() {
      await db.$disconnect();
      await dropDatabase(dbUrl);
    },
  };
}
