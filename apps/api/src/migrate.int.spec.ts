// The upgrade's first step as an operator runs it: the built migrate entry point against a
// database no process has migrated, then again (nothing left to apply).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { dropDatabase, ensureDatabase, findMigrationsDir, listMigrations } from '@xenplane/db';
import { TEST_PG_URL } from '@xenplane/testing';

const dist = process.env['XENPLANE_DIST_DIR'] ?? resolve(__dirname, '../../../dist');

describe('node dist/apps/api/src/migrate.js', () => {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/xp_migrate_${randomBytes(4).toString('hex')}`;
  const dbUrl = url.toString();

  beforeAll(() => ensureDatabase(dbUrl));
  afterAll(() => dropDatabase(dbUrl));

  const migrate = () =>
    execFileSync(process.execPath, [join(dist, 'apps/api/src/migrate.js')], {
      env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: dbUrl, LOG_LEVEL: 'info' },
      encoding: 'utf8',
    });
  const recorded = async () => {
    const client = new Client({ connectionString: dbUrl });
    await client.connect();
    try {
      return (
        await client.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations" ORDER BY 1')
      ).rows.map((r) => r.migration_name);
    } finally {
      await client.end();
    }
  };

  it('applies every migration of the release, then finds nothing left to apply', async () => {
    const all = listMigrations(findMigrationsDir());
    expect(migrate()).toContain(`"applied":${JSON.stringify(all)}`);
    expect(await recorded()).toEqual(all);
    expect(migrate()).toContain(`"applied":[],"alreadyApplied":${all.length}`);
    expect(await recorded()).toEqual(all);
  });
});
