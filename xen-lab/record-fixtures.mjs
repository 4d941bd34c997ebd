#!/usr/bin/env node
// Records what the real xl 4.17 prints, for the host agent's unit tests: boots the lab once,
// runs each command below inside dom0 and keeps its stdout, stderr and exit code apart in
//   apps/host-agent/fixtures/xen-4.17/<name>.stdout | .stderr | .rc
// plus recordings.json (command, rc, seconds per fixture, versions, date). The guest is a tiny
// busybox PV domain whose config comes from the agent's own renderer (dist/).
//
// usage: node xen-lab/record-fixtures.mjs [--out <dir>]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirementsMessage, runInXen, say, versions } from './lab.mjs';
import { DOM0_KERNEL, DOM0_RAMDISK, ROOT, baseSpec, loadDriver } from './specs.mjs';

const argv = process.argv.slice(2);
const outIdx = argv.indexOf('--out');
const outDir = outIdx >= 0 ? argv[outIdx + 1] : join(ROOT, 'apps/host-agent/fixtures/xen-4.17');

const missing = requirementsMessage();
if (missing) {
  say(missing);
  process.exit(2);
}

// The guest, rendered exactly as the agent would render it.
const d = loadDriver();
const GUEST_VM_ID = '6f1c2a3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b';
const guestSpec = baseSpec(d, 'GUEST_TYPE_PV', GUEST_VM_ID);
Object.assign(guestSpec, { memoryMb: 128, maxMemoryMb: 256, vcpus: 1, maxVcpus: 2 });
Object.assign(guestSpec.boot, { kernel: DOM0_KERNEL, ramdisk: DOM0_RAMDISK, cmdline: 'console=hvc0 panic=-1' });
guestSpec.onPoweroff = d.LifecycleAction.LIFECYCLE_ACTION_DESTROY;
const render = (spec) => d.renderXlConfig(d.validateDomainSpec(spec), { diskTargets: [] });
const GUEST = `xp-${GUEST_VM_ID}`;
// passes our validation, but needs ~98 GB: the host has 1.5 GB
const hugeSpec = {
  ...structuredClone(guestSpec),
  vmId: '6f1c2a3e-0b4d-4e5f-8a9b-00000000beef',
  memoryMb: 100000,
  maxMemoryMb: 100000,
};

// Hand-written bad configs (the agent never writes these; they are what xl says about them).
const BAD = {
  'syntax-error':
    'name = "bad-syntax"\ntype = "pv"\nkernel = "/boot/vmlinuz"\nmemory = 128\ndisk = [ \'format=raw, vdev=xvda, access=rw, target=/var/lib/xen-lab/a.raw\'\n',
  'bad-type': 'name = "bad-type"\ntype = "pvx"\nkernel = "/boot/vmlinuz"\nmemory = 128\n',
  'bad-disk':
    'name = "bad-disk"\ntype = "pv"\nkernel = "/boot/vmlinuz"\nmemory = 128\ndisk = [ \'format=qcow9, vdev=xvda, access=rw, target=/var/lib/xen-lab/a.raw\' ]\n',
};

const files = {
  '/lab/cfg/guest.cfg': render(guestSpec),
  '/lab/cfg/too-much-memory.cfg': render(hugeSpec),
  ...Object.fromEntries(Object.entries(BAD).map(([n, text]) => [`/lab/cfg/${n}.cfg`, text])),
};

// [fixture name, argv] in the order they run; `step` lines are plain shell between them
const steps = [
  ['xl-info', ['xl', 'info']],
  ['xl-list', ['xl', 'list']],
  ['xl-list-l', ['xl', 'list', '-l']],
  ['xl-destroy-nonexistent', ['xl', 'destroy', 'nonexistent']],
  ['xl-pause-nonexistent', ['xl', 'pause', 'nonexistent']],
  ['xl-shutdown-nonexistent', ['xl', 'shutdown', '-w', 'nonexistent']],
  ['xl-mem-set-nonexistent', ['xl', 'mem-set', 'nonexistent', '256m']],
  ['xl-create-syntax-error', ['xl', 'create', '/lab/cfg/syntax-error.cfg']],
  ['xl-create-bad-type', ['xl', 'create', '/lab/cfg/bad-type.cfg']],
  ['xl-create-bad-disk', ['xl', 'create', '/lab/cfg/bad-disk.cfg']],
  ['xl-create-too-much-memory', ['xl', 'create', '/lab/cfg/too-much-memory.cfg']],
  ['xl-dry-run-guest', ['xl', '-N', 'create', '/lab/cfg/guest.cfg']],
  ['xl-create-guest', ['xl', 'create', '/lab/cfg/guest.cfg']],
  {
    step: `wait_for 120 grep -q TINY-GUEST-UP /var/log/xen/guest-${GUEST}.log && echo "LAB guest-up uptime=$(up)" || echo "LAB warn guest did not say it was up"`,
  },
  ['xl-list-guest', ['xl', 'list']],
  ['xl-list-l-guest', ['xl', 'list', '-l']],
  ['xl-list-guest-by-name', ['xl', 'list', GUEST]],
  ['xl-create-guest-again', ['xl', 'create', '/lab/cfg/guest.cfg']],
  ['xl-pause-guest', ['xl', 'pause', GUEST]],
  ['xl-list-guest-paused', ['xl', 'list', GUEST]],
  ['xl-unpause-guest', ['xl', 'unpause', GUEST]],
  ['xl-destroy-guest', ['xl', 'destroy', GUEST]],
  ['xl-list-after-destroy', ['xl', 'list']],
];
const quote = (a) => (/^[\w./:=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
const script =
  steps.map((s) => (Array.isArray(s) ? `rec ${s[0]} ${s[1].map(quote).join(' ')}` : s.step)).join('\n') +
  `\ncp /var/log/xen/guest-${GUEST}.log /out/guest-console.log 2>/dev/null\n`;

say('recording xl outputs in the lab...');
const run = await runInXen({
  script,
  files,
  name: 'record-fixtures',
  timeoutMs: 420_000,
  onLine: (t, l) => say(`[${t.toFixed(1).padStart(6)}s] ${l}`),
});
if (!run.ok) {
  say(`the lab run failed (${run.reason}); serial log: ${run.logFile}`);
  process.exit(2);
}

const recorded = steps.filter(Array.isArray);
const lost = recorded.filter(([n]) => !run.files[`${n}.rc`]);
if (lost.length) say(`warning: no result for ${lost.map(([n]) => n).join(', ')}`);

// replace the old recordings as a whole, so a fixture never outlives the command that made it
for (const [n] of recorded)
  for (const ext of ['stdout', 'stderr', 'rc']) rmSync(join(outDir, `${n}.${ext}`), { force: true });
mkdirSync(outDir, { recursive: true });
for (const [n] of recorded) {
  if (!run.files[`${n}.rc`]) continue;
  for (const ext of ['stdout', 'stderr', 'rc'])
    writeFileSync(join(outDir, `${n}.${ext}`), run.files[`${n}.${ext}`] ?? '');
}
for (const [n, text] of Object.entries(files)) writeFileSync(join(outDir, `cfg-${n.split('/').pop()}`), text);
const manifest = {
  generatedBy: 'node xen-lab/record-fixtures.mjs',
  date: new Date().toISOString(),
  versions: { ...versions(), kernel: run.kver },
  guestVmId: GUEST_VM_ID,
  guestConsole:
    run.files['guest-console.log']
      ?.toString('utf8')
      .split('\n')
      .filter((l) => l.includes('TINY-GUEST')) ?? [],
  labRunSeconds: Number(run.seconds.toFixed(1)),
  marks: run.marks.map((m) => `${m.t.toFixed(1)}s ${m.line}`),
  recordings: recorded.map(([n, cmd]) => ({
    name: n,
    command: cmd.join(' '),
    rc: run.files[`${n}.rc`] ? Number(run.files[`${n}.rc`].toString().trim()) : null,
    seconds: run.files[`${n}.seconds`] ? Number(run.files[`${n}.seconds`].toString().trim()) : null,
  })),
};
writeFileSync(join(outDir, 'recordings.json'), JSON.stringify(manifest, null, 2) + '\n');
for (const r of manifest.recordings) say(`${r.name.padEnd(28)} rc=${r.rc} ${r.seconds}s  ${r.command}`);
say(`recorded ${manifest.recordings.length} commands in ${manifest.labRunSeconds}s into ${outDir}`);
