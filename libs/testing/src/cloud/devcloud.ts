import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDb, ensureDatabase, migrateDatabase } from '@xenplane/db';
import { DEFAULT_RATE_LIMITS, hashSecret } from '@xenplane/domain';
import { Cloud, type CloudOptions } from './cloud';

export interface DevCloudSettings {
  stateDir: string;
  databaseUrl: string;
  redisUrl: string;
  apiPort: number;
  /** METRICS_PORT: the API's metrics port, the scheduler's the next, the agents' the one after (0: no metrics) */
  metricsPort: number;
  hosts: number;
  queuePrefix: string;
  logLevel: string;
  /** XENPLANE_ADMIN_TOKEN; without it, the one kept in stateDir (made on first start) */
  adminToken?: string;
  /** the environment npm start was given, passed on to every process it starts */
  env: Record<string, string>;
}

/** npm start's first metrics port (the API's; the scheduler 9461, the agents 9462): next to nothing common. */
export const DEV_METRICS_PORT = 9460;

/** The addresses npm start reaches the API on 127.0.0.1 through. */
const LOOPBACK_LISTENERS = ['127.0.0.1', '0.0.0.0', '::'];

/**
 * npm start's settings from its environment. The cloud's processes get the rest of that
 * environment as they would anywhere else (each reads the settings README.md lists), except
 * NODE_ENV: the dev cloud runs them as in production.
 */
export function devCloudSettings(env: Record<string, string | undefined>, stateDir: string): DevCloudSettings {
  const hosts = Number(env['XENPLANE_SIM_HOSTS'] ?? 3);
  if (!Number.isInteger(hosts) || hosts < 1)
    throw new Error(
      `XENPLANE_SIM_HOSTS must be a whole number of hosts, at least 1 (not ${env['XENPLANE_SIM_HOSTS']})`,
    );
  const metricsPort = Number(env['METRICS_PORT'] ?? DEV_METRICS_PORT);
  if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65_000)
    throw new Error(`METRICS_PORT must be a port number, or 0 for no metrics (not ${env['METRICS_PORT']})`);
  const adminToken = env['XENPLANE_ADMIN_TOKEN'] || undefined;
  if (adminToken !== undefined && adminToken.length < 24)
    throw new Error('XENPLANE_ADMIN_TOKEN must be at least 24 characters long');
  const apiHost = env['API_HOST'];
  if (apiHost && !LOOPBACK_LISTENERS.includes(apiHost)) {
    throw new Error(
      `npm start reaches the API on 127.0.0.1: API_HOST must be one of ${LOOPBACK_LISTENERS.join(', ')} (not ${apiHost})`,
    );
  }
  const passed: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && name !== 'NODE_ENV') passed[name] = value;
  // every simulated host enrolls from 127.0.0.1, and enrollment is limited per address: unless
  // told otherwise, the limit admits a fleet larger than half the default on top of it
  const perAddress = DEFAULT_RATE_LIMITS.perAddressUnauthenticated;
  if (passed['RATE_LIMIT_PER_ADDRESS_UNAUTHENTICATED'] === undefined && hosts > perAddress / 2)
    passed['RATE_LIMIT_PER_ADDRESS_UNAUTHENTICATED'] = String(perAddress + hosts);
  return {
    stateDir,
    databaseUrl: env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/xenplane',
    redisUrl: env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    apiPort: Number(env['API_PORT'] ?? 8080),
    metricsPort,
    hosts,
    queuePrefix: env['XENPLANE_QUEUE_PREFIX'] ?? 'xenplane',
    logLevel: env['LOG_LEVEL'] ?? 'info',
    ...(adminToken ? { adminToken } : {}),
    env: passed,
  };
}

/** The Cloud a dev cloud of these settings starts, once its admin token and fleet are known. */
export function devCloudOptions(
  s: DevCloudSettings,
  run: { adminToken: string; fleetName: string; reuseEnrollment: boolean },
): CloudOptions {
  return {
    hosts: s.hosts,
    apiPort: s.apiPort,
    metricsBasePort: s.metricsPort,
    databaseUrl: s.databaseUrl,
    redisUrl: s.redisUrl,
    queuePrefix: s.queuePrefix,
    stateDir: s.stateDir,
    logLevel: s.logLevel,
    env: s.env,
    adminToken: run.adminToken,
    timings: 'production',
    rateLimits: 'configured',
    reuseEnrollment: run.reuseEnrollment,
    fleetName: run.fleetName,
  };
}

/**
 * `npm start`: the whole cloud on the settings of devCloudSettings, kept across runs in stateDir
 * (CA, agents' certificates, logs, the admin token), until Ctrl-C.
 */
export async function runDevCloud(s: DevCloudSettings): Promise<Cloud> {
  mkdirSync(s.stateDir, { recursive: true });
  const adminToken = s.adminToken ? keepAdminToken(s.stateDir, s.adminToken) : loadOrCreateAdminToken(s.stateDir);
  await ensureDatabase(s.databaseUrl);
  await migrateDatabase(s.databaseUrl);
  await ensureTokenRegistered(s.databaseUrl, adminToken);
  const fleetName = await loadOrChooseFleetName(s.stateDir, s.databaseUrl);
  // agents enrolled against another database would never be polled: enroll them afresh
  if (!(await hostsEnrolled(s.databaseUrl, fleetName, s.hosts)))
    rmSync(join(s.stateDir, 'agents'), { recursive: true, force: true });
  const enrolled = existsSync(join(s.stateDir, 'agents'));
  return Cloud.start(devCloudOptions(s, { adminToken, fleetName, reuseEnrollment: enrolled }));
}

/** The token XENPLANE_ADMIN_TOKEN chose is the one stateDir keeps from now on. */
function keepAdminToken(stateDir: string, token: string): string {
  writeFileSync(join(stateDir, 'admin-token'), `${token}\n`, { mode: 0o600 });
  return token;
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
      // the token may be one XENPLANE_ADMIN_TOKEN chose: nothing of its secret is kept
      create: { name: 'devcloud-admin', role: 'admin', tokenHash: hashSecret(token), prefix: null },
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
    const ours =
      existsSync(mine) && (JSON.parse(readFileSync(mine, 'utf8')) as { hostId?: string }).hostId === taken?.id;
    if (taken && !ours) name = `sim-${randomBytes(2).toString('hex')}`;
  } finally {
    await db.$disconnect();
  }
  writeFileSync(file, `${name}\n`);
  return name;
}
