// Helpers for the project's own scripts (plain Node, no dependencies: they run before npm install).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Runs a command (argument array, never a shell string); exits the script on failure. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`✗ ${cmd} ${args.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

/** Like run, but resolves with the exit code instead of exiting. */
export function runAsync(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    // a command that is not there (no apt-get, say) fails like a shell's "not found"
    child.on('error', () => resolve(127));
  });
}

/** npm install when node_modules does not hold what the lock file pins. */
export function ensureInstalled() {
  if (installedAsLocked()) return;
  // `npm install` rather than `npm ci`: the registry here omits other platforms' optional
  // packages (msgpackr-extract-darwin-*, …), so `npm ci` rejects any lock file as out of sync.
  // With a lock file present, install still resolves exactly the locked versions.
  console.log('› installing dependencies (npm install, from package-lock.json)');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

/**
 * Every package the lock file pins is in node_modules at its locked version (npm's own record
 * of what it installed, node_modules/.package-lock.json). By content, not by file times: a
 * fresh checkout or a git worktree sharing node_modules has a newer lock file, not a different one.
 */
function installedAsLocked() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return false;
  const locked = readJson('package-lock.json').packages ?? {};
  const installed = JSON.parse(readFileSync(marker, 'utf8')).packages ?? {};
  return Object.entries(locked).every(
    ([path, p]) => path === '' || p.optional || installed[path]?.version === p.version,
  );
}

export function nodeMajor() {
  return Number(process.versions.node.split('.')[0]);
}

export function readJson(path) {
  return JSON.parse(readFileSync(join(root, path), 'utf8'));
}
