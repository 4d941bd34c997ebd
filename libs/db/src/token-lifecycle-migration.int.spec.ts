import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { TEST_PG_URL } from '@xenplane/testing';
import { dropDatabase, ensureDatabase, findMigrationsDir, listMigrations, migrateDatabase } from './migrate';

const MIGRATION = '20261205000000_token_lifecycle';

/**
 * The token-lifecycle migration on a database that has tokens already: it adds expires_at and
 * forgets the prefixes of global tokens (made from XENPLANE_ADMIN_TOKEN, or indistinguishable
 * from one), keeping those of project tokens (always generated).
 */
describe(`migration ${MIGRATION} (real Postgres)`, () => {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/xp_tokmig_${randomBytes(4).toString('hex')}`;
  const dbUrl = url.toString();
  const before = mkdtempSync(join(tmpdir(), 'xp-migrations-'));
  let client: Client;

  beforeAll(async () => {
    const all = findMigrationsDir();
    for (const name of listMigrations(all).filter((n) => n < MIGRATION))
      cpSync(join(all, name), join(before, name), { recursive: true });
    await ensureDatabase(dbUrl);
    await migrateDatabase(dbUrl, before);
    client = new Client({ connectionString: dbUrl });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await dropDatabase(dbUrl);
    rmSync(before, { recursive: true, force: true });
  });

  it('keeps the prefixes of project tokens only, and lets tokens expire', async () => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO projects (id, name, updated_at) VALUES (gen_random_uuid(), 'p', now()) RETURNING id`,
    );
    await client.query(
      `INSERT INTO tokens (id, project_id, name, role, token_hash, prefix) VALUES
        (gen_random_uuid(), NULL, 'bootstrap-admin', 'admin', 'h1', 'my-chosen'),
        (gen_random_uuid(), $1, 'ci', 'member', 'h2', 'xp_abcdefg')`,
      [rows[0]!.id],
    );
    // this one first, then any later one
    expect((await migrateDatabase(dbUrl)).applied[0]).toBe(MIGRATION);
    const tokens = await client.query(`SELECT name, prefix, expires_at FROM tokens ORDER BY name`);
    expect(tokens.rows).toEqual([
      { name: 'bootstrap-admin', prefix: null, expires_at: null },
      { name: 'ci', prefix: 'xp_abcdefg', expires_at: null },
    ]);
  });
});
