#!/usr/bin/env node
// npm test: everything CI checks, in the order that fails fastest.
//   static   typecheck (tsc), lint (eslint, zero warnings), protocol lint (buf)
//   unit     pure logic, no I/O
//   integration  real Postgres and Redis, real processes on free ports, and deploy/prometheus
//            checked by promtool (Debian's prometheus: installed as chromium is, below)
//   e2e      the whole cloud as separate processes over HTTP and gRPC, and the web console in
//            Debian's chromium (apt-get installs it when root; else those tests skip, or fail
//            under XENPLANE_REQUIRE_XEN=1/CI, with the reason)
//   xen      the agent against a real Xen 4.17 in QEMU (skipped, with the reason, when impossible;
//            with XENPLANE_REQUIRE_XEN=1, as .ci/run sets, failed with the reason instead)
// usage: npm test [-- --only unit,integration]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInstalled, root, run, runAsync } from './lib.mjs';
import { ensurePostgres, ensureRedis } from './services.mjs';

const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? new Set(process.argv[onlyArg + 1].split(',')) : undefined;
const wanted = (stage) => !only || only.has(stage);

ensureInstalled();
const stops = [
  await ensurePostgres(
    process.env.XENPLANE_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    join(root, '.xenplane'),
  ),
  await ensureRedis(process.env.XENPLANE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'),
];
const started = Date.now();
const timings = [];
const failed = [];

async function stage(name, cmd, args, opts) {
  if (!wanted(name)) return;
  console.log(`\n━━ ${name}`);
  const t0 = Date.now();
  const code = await runAsync(cmd, args, opts);
  timings.push([name, ((Date.now() - t0) / 1000).toFixed(1)]);
  if (code !== 0) failed.push(name);
}

run(process.execPath, [join(root, 'scripts/build.mjs')]);
await stage('static', process.execPath, [join(root, 'scripts/check.mjs')]);
if (!failed.length) {
  const jest = [join(root, 'node_modules/jest/bin/jest.js'), '--ci'];
  await stage('unit', process.execPath, [...jest, '--selectProjects', 'unit']);
  // the agent's Debian package test (libs/testing/src/deploy) checks it with lintian
  if (wanted('integration')) await ensureDebianPackage('/usr/bin/lintian', 'lintian', 'the package lint');
  // deploy/prometheus's check (libs/testing/src/deploy-prometheus.int.spec.ts) runs promtool
  if (wanted('integration')) await ensurePromtool();
  await stage('integration', process.execPath, [...jest, '--selectProjects', 'integration', '--maxWorkers', '2']);
  if (wanted('e2e')) await ensureChromium();
  await stage('e2e', process.execPath, [...jest, '--selectProjects', 'e2e', '--runInBand']);
  if (wanted('xen')) await ensureXenLabPackages();
  // a machine that must run the xen tier (CI) fails it when it finds nothing to run, too
  const requireXen = process.env.XENPLANE_REQUIRE_XEN === '1';
  await stage('xen', process.execPath, [
    ...jest,
    '--selectProjects',
    'xen',
    '--runInBand',
    ...(requireXen ? [] : ['--passWithNoTests']),
  ]);
}
for (const stop of stops) await stop();

/**
 * The xen stage needs Debian's Xen, QEMU and a kernel (xen-lab/lab.mjs says which are missing).
 * A fresh machine where we are root gets them from apt, so the stage runs instead of skipping;
 * elsewhere (XENPLANE_NO_APT=1, not root, no apt) the stage skips and says what to install.
 */
async function ensureXenLabPackages() {
  const { requirements } = await import(join(root, 'xen-lab/lab.mjs'));
  const missing = requirements();
  if (missing.length) {
    const then = process.env.XENPLANE_REQUIRE_XEN === '1' ? 'fails (XENPLANE_REQUIRE_XEN=1)' : 'skips';
    console.log(`› the xen-lab lacks: ${missing.join(' ')}; unless apt-get installs them, the xen stage ${then}`);
  }
  if (!missing.length || process.env.XENPLANE_NO_APT || process.getuid?.() !== 0) return;
  console.log(`› installing the xen-lab's Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const code = await runAsync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
  if (code !== 0) console.log('› apt-get failed: the xen stage will say what is missing');
}

/** deploy/prometheus's check runs Prometheus's promtool (Debian's `prometheus` package). */
async function ensurePromtool() {
  const path = process.env.XENPLANE_PROMTOOL ?? '/usr/bin/promtool';
  // another build named by XENPLANE_PROMTOOL is not apt's to install
  await ensureDebianPackage(path, 'prometheus', 'the Prometheus checks', !process.env.XENPLANE_PROMTOOL);
}

/**
 * The console's e2e tests drive Debian's chromium (libs/testing/src/browser). Like the xen-lab's
 * packages: a fresh machine where we are root gets it from apt, so the tests run instead of
 * skipping; elsewhere they skip (or fail, on CI) saying what to install.
 */
async function ensureChromium() {
  const path = process.env.XENPLANE_CHROMIUM ?? '/usr/bin/chromium';
  // another build named by XENPLANE_CHROMIUM is not apt's to install
  await ensureDebianPackage(path, 'chromium', 'the console tests', !process.env.XENPLANE_CHROMIUM);
}

/** One Debian package a tier's tests use, installed by apt-get when we are root and may. */
async function ensureDebianPackage(path, pkg, who, installable = true) {
  if (existsSync(path)) return;
  const required = process.env.XENPLANE_REQUIRE_XEN === '1' || !['', '0', 'false', undefined].includes(process.env.CI);
  console.log(`› no ${pkg} at ${path}; unless apt-get installs it, ${who} ${required ? 'fail' : 'skip'}`);
  if (!installable || process.env.XENPLANE_NO_APT || process.getuid?.() !== 0) return;
  console.log(`› installing Debian's ${pkg} for ${who}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const code = await runAsync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { env });
  if (code !== 0) console.log(`› apt-get failed: ${who} will say what is missing`);
}

console.log('\n━━ summary');
for (const [name, s] of timings) console.log(`  ${failed.includes(name) ? '✗' : '✓'} ${name.padEnd(12)} ${s}s`);
console.log(`  total ${((Date.now() - started) / 1000).toFixed(1)}s`);
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
