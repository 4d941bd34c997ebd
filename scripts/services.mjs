// Makes sure PostgreSQL and Redis answer before the cloud starts: uses what runs, starts what
// is installed but stopped, and otherwise says in one line what is missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';

export function reachable(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

async function waitReachable(host, port, seconds) {
  for (let i = 0; i < seconds * 4; i++) {
    if (await reachable(host, port)) return true;
    await wait(250);
  }
  return false;
}

const which = (cmd) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' }).stdout.trim();

/** Returns a stop() for what it started (nothing, if the service was already up). */
export async function ensurePostgres(url, stateDir) {
  const { hostname, port } = new URL(url);
  const p = Number(port || 5432);
  if (await reachable(hostname, p)) return async () => {};
  // Debian's own cluster (docs/DEVELOPMENT.md)
  if (which('pg_ctlcluster') && existsSync('/etc/postgresql')) {
    const version = readdirSync('/etc/postgresql')[0];
    console.log(`› starting PostgreSQL ${version} (pg_ctlcluster)`);
    spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
    if (await waitReachable(hostname, p, 20)) {
      return async () =>
        void spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'stop'], { stdio: 'inherit' });
    }
  }
  const bin = postgresBin();
  if (bin && process.getuid?.() !== 0) {
    const data = join(stateDir, 'postgres');
    if (!existsSync(join(data, 'PG_VERSION'))) {
      mkdirSync(data, { recursive: true });
      spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust'], { stdio: 'ignore' });
    }
    console.log(`› starting a private PostgreSQL in ${data}`);
    const child = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(p), '-k', data, '-c', `listen_addresses=${hostname}`],
      { stdio: 'ignore' },
    );
    if (await waitReachable(hostname, p, 20)) return async () => void child.kill('SIGINT');
    child.kill('SIGKILL');
  }
  throw new Error(
    `PostgreSQL does not answer at ${hostname}:${p}: install it (apt-get install postgresql), start it, or set DATABASE_URL`,
  );
}

export async function ensureRedis(url) {
  const { hostname, port } = new URL(url);
  const p = Number(port || 6379);
  if (await reachable(hostname, p)) return async () => {};
  if (which('redis-server')) {
    console.log('› starting redis-server');
    const child = spawn('redis-server', ['--bind', hostname, '--port', String(p), '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    if (await waitReachable(hostname, p, 10)) return async () => void child.kill('SIGTERM');
    child.kill('SIGKILL');
  }
  throw new Error(
    `Redis does not answer at ${hostname}:${p}: install it (apt-get install redis-server), start it, or set REDIS_URL`,
  );
}

function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return which('postgres') ? join(which('postgres'), '..') : undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : undefined;
}
