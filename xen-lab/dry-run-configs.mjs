#!/usr/bin/env node
// Renders every DomainSpec of specs.mjs through the host agent's real renderer
// (validateDomainSpec + renderXlConfig from dist/), then, in ONE boot of the lab, runs
// `xl -N create` (xl's dry run: parse the config and print the domain it would build as JSON) on
// each of them with the real xl 4.17, and reports pass/fail per config. Also runs `xl info` in
// the same boot so callers can check our parser against it.
//
// usage: node xen-lab/dry-run-configs.mjs [--out <file.json>] [--no-write] [--name <run name>]
//        [--timeout <seconds for the whole lab run, default 600>]
//   default out: apps/host-agent/fixtures/xen-4.17/config-dry-run.json
// exit code: 0 all pass, 1 some config failed, 2 the lab could not run
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { requirementsMessage, runInXen, say, versions } from './lab.mjs';
import { DISK_DIR, ROOT, renderTable } from './specs.mjs';

const argv = process.argv.slice(2);
const outIdx = argv.indexOf('--out');
const outFile = outIdx >= 0 ? argv[outIdx + 1] : join(ROOT, 'apps/host-agent/fixtures/xen-4.17/config-dry-run.json');
const nameIdx = argv.indexOf('--name');
const runName = nameIdx >= 0 ? argv[nameIdx + 1] : 'dry-run';
const timeoutIdx = argv.indexOf('--timeout');
const timeoutMs = (timeoutIdx >= 0 ? Number(argv[timeoutIdx + 1]) : 600) * 1000;

const missing = requirementsMessage();
if (missing) {
  say(missing);
  process.exit(2);
}

const rows = renderTable();
const files = Object.fromEntries(rows.map((r) => [`/lab/cfg/${r.name}.cfg`, r.cfg]));
// the disks the configs name, as empty files (the dry run does not open them, but a later
// real create would)
const diskNames = [
  ...new Set(rows.flatMap((r) => [...r.spec.disks.map((d) => d.target), ...(r.configDrive ? [r.configDrive] : [])])),
];
const script =
  [
    'rec xl-info xl info',
    `mkdir -p ${DISK_DIR}`,
    ...diskNames.map((t) => `truncate -s 16M ${t}`),
    ...rows.map((r) => `rec dry-${r.name} xl -N create /lab/cfg/${r.name}.cfg`),
  ].join('\n') + '\n';

say(`dry-running ${rows.length} rendered configs in one boot of the lab...`);
const run = await runInXen({
  script,
  files,
  name: runName,
  timeoutMs,
  onLine: (t, l) => /^LAB (xen-ready|done)|panic/i.test(l) && say(`[${t.toFixed(1)}s] ${l}`),
});
if (!run.ok) {
  say(`the lab run failed (${run.reason}); serial log: ${run.logFile}`);
  process.exit(2);
}

const text = (n) => run.files[n]?.toString('utf8') ?? '';
// libxl's names for the actions in its JSON (xl.cfg's "rename-restart" is libxl's restart_rename)
const ACTION_NAMES = {
  LIFECYCLE_ACTION_DESTROY: 'destroy',
  LIFECYCLE_ACTION_RESTART: 'restart',
  LIFECYCLE_ACTION_PRESERVE: 'preserve',
  LIFECYCLE_ACTION_RENAME_RESTART: 'restart_rename',
  LIFECYCLE_ACTION_COREDUMP_DESTROY: 'coredump_destroy',
  LIFECYCLE_ACTION_COREDUMP_RESTART: 'coredump_restart',
  LIFECYCLE_ACTION_SOFT_RESET: 'soft_reset',
};

/** What xl understood, checked against what the spec meant: [] when they agree. */
function mismatches(spec, parsed, configDrive) {
  const out = [];
  const c = parsed.c_info ?? {};
  const b = parsed.b_info ?? {};
  const expect = (what, got, want) => {
    if (got !== want) out.push(`${what}: xl has ${JSON.stringify(got)}, spec meant ${JSON.stringify(want)}`);
  };
  expect('c_info.type', c.type, { GUEST_TYPE_PV: 'pv', GUEST_TYPE_PVH: 'pvh', GUEST_TYPE_HVM: 'hvm' }[spec.guestType]);
  expect('c_info.uuid', c.uuid, spec.vmId);
  expect('b_info.target_memkb', b.target_memkb, spec.memoryMb * 1024);
  expect('b_info.max_memkb', b.max_memkb, (spec.maxMemoryMb || spec.memoryMb) * 1024);
  expect('b_info.max_vcpus', b.max_vcpus, spec.maxVcpus || spec.vcpus);
  expect('disks', (parsed.disks ?? []).length, spec.disks.length + (configDrive ? 1 : 0));
  (parsed.disks ?? []).forEach((d, i) => {
    const s = spec.disks[i];
    if (!s && configDrive && i === spec.disks.length) {
      // the config drive: read-only after the spec's disks; a cdrom for hvm
      const hvm = spec.guestType === 'GUEST_TYPE_HVM';
      expect(`disks[${i}] (config drive).vdev`, d.vdev, hvm ? 'hdd' : 'xvdz');
      expect(`disks[${i}] (config drive).pdev_path`, d.pdev_path, configDrive);
      expect(`disks[${i}] (config drive).readwrite`, d.readwrite ?? 0, 0);
      expect(`disks[${i}] (config drive).is_cdrom`, d.is_cdrom ?? 0, hvm ? 1 : 0);
      return;
    }
    if (!s) return;
    expect(`disks[${i}].vdev`, d.vdev, s.vdev);
    expect(`disks[${i}].pdev_path`, d.pdev_path, s.target);
    expect(`disks[${i}].format`, d.format, s.format);
    expect(`disks[${i}].readwrite`, d.readwrite ?? 0, s.access === 'rw' ? 1 : 0);
  });
  expect('nics', (parsed.nics ?? []).length, spec.vifs.length);
  (parsed.nics ?? []).forEach((n, i) => {
    const s = spec.vifs[i];
    if (!s) return;
    expect(`nics[${i}].mac`, n.mac, s.mac);
    expect(`nics[${i}].bridge`, n.bridge, s.bridge);
    if (s.rate) {
      // xl keeps a rate as bytes per interval (default 50 ms); K/M/G are powers of 1000
      const m = /^(\d+)([KMG]?)([bB])\/s$/.exec(s.rate);
      const perSecond = m ? (Number(m[1]) * { '': 1, K: 1e3, M: 1e6, G: 1e9 }[m[2]]) / (m[3] === 'b' ? 8 : 1) : NaN;
      expect(
        `nics[${i}].rate_bytes_per_interval (${s.rate})`,
        n.rate_bytes_per_interval,
        (perSecond * (n.rate_interval_usecs ?? 50000)) / 1e6,
      );
    }
    if (s.model) expect(`nics[${i}].model`, n.model, s.model);
  });
  for (const [key, field] of [
    ['on_poweroff', 'onPoweroff'],
    ['on_reboot', 'onReboot'],
    ['on_crash', 'onCrash'],
  ]) {
    const want = ACTION_NAMES[spec[field]];
    // libxl's JSON leaves out "destroy" (its first, default value), so absent means destroy
    if (want) expect(key, parsed[key] ?? 'destroy', want);
  }
  return out;
}

const results = rows.map((r) => {
  const n = `dry-${r.name}`;
  const rc = Number(text(`${n}.rc`).trim() || -1);
  const stdout = text(`${n}.stdout`);
  let parsed = null;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    // not JSON: the create was refused
  }
  const semantic = parsed ? mismatches(r.spec, parsed, r.configDrive) : [];
  return {
    name: r.name,
    guestType: r.spec.guestType,
    pass: rc === 0 && parsed !== null,
    rc,
    seconds: Number(text(`${n}.seconds`).trim()),
    stderr: text(`${n}.stderr`),
    semanticMismatches: semantic,
    spec: r.spec,
    configDrive: r.configDrive,
    config: r.cfg,
    xlJson: parsed,
  };
});

const summary = {
  generatedBy: 'node xen-lab/dry-run-configs.mjs',
  date: new Date().toISOString(),
  versions: { ...versions(), kernel: run.kver },
  bootSeconds: Number(run.seconds.toFixed(1)),
  qemuPid: run.pid,
  runDir: relative(ROOT, dirname(run.logFile)),
  xenReadySeconds: run.marks.find((m) => m.line.startsWith('LAB xen-ready'))?.t,
  total: results.length,
  passed: results.filter((r) => r.pass).length,
  failed: results.filter((r) => !r.pass).map((r) => r.name),
  withSemanticMismatches: results.filter((r) => r.semanticMismatches.length).map((r) => r.name),
  xlInfo: text('xl-info.stdout'),
  results,
};
if (!argv.includes('--no-write')) {
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(summary, null, 2) + '\n');
}
for (const r of results) {
  say(
    `${r.pass ? 'PASS' : 'FAIL'} ${r.name.padEnd(36)} rc=${r.rc} ${r.seconds}s${r.pass ? '' : `  ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`}${r.semanticMismatches.length ? `  MISMATCH ${r.semanticMismatches.join('; ')}` : ''}`,
  );
}
say(
  `${summary.passed}/${summary.total} configs pass xl -N create; lab run ${summary.bootSeconds}s${argv.includes('--no-write') ? '' : `; written ${outFile}`}`,
);
process.exit(summary.failed.length ? 1 : 0);
