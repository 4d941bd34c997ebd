import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDb, ensureDatabase, migrateDatabase } from '@xenplane/db';
import { hashSecret, secretPrefix } from '@xenplane/domain';
import { Cloud } from './cloud';

export interface DevCloudSettings {
  stateDir: string;
  databaseUrl: string;
  redisUrl: string;
  apiPort: number;
  hosts: number;
}

/**
 * `npm start`: the whole cloud on its default settings, kept across runs in stateDir (CA,
 * agents' certificates, logs, the admin token), until Ctrl-C.
 */
export async function runDevCloud(s: DevCloudSettings): Promise<Cloud> {
  mkdirSync(s.stateDir, { recursive: true });
  const adminToken = loadOrCreateAdminToken(s.stateDir);
  await ensureDatabase(s.databaseUrl);
  await migrateDatabase(s.databaseUrl);
  await ensureTokenRegistered(s.databaseUrl, adminToken);
  const fleetName = await loadOrChooseFleetName(s.stateDir, s.databaseUrl);
  // agents enrolled against another database would never be polled: enroll them afresh
  if (!(await hostsEnrolled(s.databaseUrl, fleetName, s.hosts))) rmSync(join(s.stateDir, 'agents'), { recursive: true, force: true });
  const enrolled = existsSync(join(s.stateDir, 'agents'));
  return Cloud.start({
    hosts: s.hosts,
    apiPort: s.apiPort,
    databaseUrl: s.databaseUrl,
    redisUrl: s.redisUrl,
    queuePrefix: 'xenplane',
    stateDir: s.stateDir,
    adminToken,
    timings: 'production',
    reuseEnrollment: enrolled,
    fleetName,
  });
}

function loadOrCreateAdminToken(stateDir: string): string {
  const file = join(stateDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `xp_${randomBytes(32).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** The token in stateDir works even against a database another run bootstrapped. */
async function ensureTokenRegistered(databaseUrl: string, token: string): Promise<void> {
  const db = createDb({ url: databaseUrl, poolSize: 1 });
  try {
    await db.token.upsert({
      where: { tokenHash: hashSecret(token) },
      create: { name: 'devcloud-admin', role: 'admin', tokenHash: hashSecret(token), prefix: secretPrefix(token) },
      update: { revokedAt: null },
    });
  } finally {
    await db.$disconnect();
  }
}

async function hostsEnrolled(databaseUrl: string, fleetName: string, count: number): Promise<boolean> {
  const db = createDb({ url: databaseUrl, poolSize: 1 });
  try {
    const names = Array.from({ length: count }, (_, i) => `${fleetName}-${i + 1}`);
    return (await db.host.count({ where: { name: { in: names } } })) === count;
  } finally {
    await db.$disconnect();
  }
}

/**
 * This state dir's simulated hosts are named sim-1..N, unless the database already has hosts of
 * that name that another checkout (another state dir) enrolled: then sim-<random>-1..N. Kept in
 * stateDir, so the same checkout finds its hosts again.
 */
async function loadOrChooseFleetName(stateDir: string, databaseUrl: string): Promise<string> {
  const file = join(stateDir, 'fleet-name');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const db = createDb({ url: databaseUrl, poolSize: 1 });
  let name = 'sim';
  try {
    const taken = await db.host.findUnique({ where: { name: 'sim-1' } });
    const mine = join(stateDir, 'agents', 'sim-1', 'identity.json');
    const ours = existsSync(mine) && (JSON.parse(readFileSync(mine, 'utf8')) as { hostId?: string }).hostId === taken?.id;
    if (taken && !ours) name = `sim-${randomBytes(2).toString('hex')}`;
  } finally {
    await db.$disconnect();
  }
  writeFileSync(file, `${name}\n`);
  return name;
}
