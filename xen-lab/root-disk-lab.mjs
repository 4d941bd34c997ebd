#!/usr/bin/env node
// Root disks of images on the real Xen, in one boot of the lab (issue 15):
//  1. the benchmark: in dom0, a VM's root disk made the way the design says (a read-only loop
//     device over the image, a loop device over a sparse .cow file, a device-mapper `snapshot`
//     over the two), timed for a 200 MiB and a 2 GiB image, each created and removed N times;
//  2. the proof: a PVH guest boots with that device as xvda and a NoCloud config drive (built by
//     genisoimage in dom0 with the agent's own arguments, from the agent's own files) as xvdz;
//     its console must show the drive's hostname, address and key and the image's marker line.
//     The devices are torn down, re-assembled from the same .cow and the guest booted again: it
//     must find what its first boot wrote (the copy-on-write layer kept it; the image did not);
//  3. teardown: no dm device, no loop device, no file of the VM left in dom0.
// The guest config is rendered by the agent's renderer (dist/, so build first).
//
// usage: node xen-lab/root-disk-lab.mjs [--runs N (default 5)] [--name <run name>] [--timeout <s>]
// Prints one JSON document and a table (the BENCHMARKS.md format); exit 0 when every check passed.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { requirementsMessage, runInXen, say, versions } from './lab.mjs';
import { DOM0_KERNEL, DOM0_RAMDISK, ROOT, baseSpec, loadDriver } from './specs.mjs';

const argv = process.argv.slice(2);
const opt = (flag, dflt) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : dflt);
const RUNS = Number(opt('--runs', 5));

const missing = requirementsMessage();
if (missing) {
  say(missing);
  process.exit(2);
}

const d = loadDriver();
const require = createRequire(import.meta.url);
const DRIVERS = join(process.env.XENPLANE_DIST_DIR ?? join(ROOT, 'dist'), 'apps/host-agent/src/drivers');
const { configDriveOf } = require(join(DRIVERS, 'config-drive.js'));
const { genisoimageArgs } = require(join(DRIVERS, 'xl/config-drive-iso.js'));

const VM = '00000000-0000-4000-8000-00000000cafe';
const WORK = '/var/lib/xenplane'; // the agent's storage dir layout: images/, disks/, configs/
const DEVICE = `xp-${VM}-xvda`;
const ISO = `${WORK}/configs/${VM}-cidata.iso`;
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINiqwxncYm3IIQv2wTbF8Dg/PkGhR5whU/SSNi3EZnfJ lab@xenplane';
const IMAGES = [
  { id: 'img-200m', mib: 200 },
  { id: 'img-2g', mib: 2048 },
];

// the guest as the agent would write it: PVH, xvda on the dm device, the config drive
const spec = baseSpec(d, 'GUEST_TYPE_PVH', VM);
Object.assign(spec.boot, { kernel: DOM0_KERNEL, ramdisk: DOM0_RAMDISK, cmdline: 'console=hvc0' });
spec.memoryMb = 128;
spec.disks = [{ target: `/dev/mapper/${DEVICE}`, format: 'raw', vdev: 'xvda', access: 'rw', sizeGb: 0, imageId: '' }];
spec.cloudInit = {
  instanceId: VM,
  hostname: 'lab-guest-1',
  sshKeys: [KEY],
  userData: Buffer.from('#cloud-config\n'),
  interfaces: [
    { mac: '00:16:3e:00:ca:fe', addresses: ['10.0.0.5/24'], gateway: '10.0.0.1', nameservers: ['10.0.0.1'] },
  ],
};
const valid = d.validateDomainSpec(spec);
const cfg = d.renderXlConfig(valid, { diskTargets: [spec.disks[0].target], configDrive: ISO });
const drive = configDriveOf(spec);
const isoArgs = genisoimageArgs(ISO, '/lab/cidata', drive.label);

// bash for the timings: $EPOCHREALTIME has microseconds, /proc/uptime only 10 ms ticks
const rootDiskSh = `
W=${WORK}
us() { echo "\${EPOCHREALTIME/./}"; }
# create_root_disk VM IMAGE: the design's steps; prints "losetup_image_ms losetup_cow_ms dmsetup_ms total_ms"
create_root_disk() {
  local vm=$1 img=$2 t0 t1 t2 t3 size origin cow
  t0=$(us)
  size=$(stat -c %s "$W/images/$img.raw")
  origin=$(losetup -f --show -r "$W/images/$img.raw") || return 1
  t1=$(us)
  # sparse: as big as the image plus the snapshot's metadata (16 bytes per 4 KiB chunk), so a
  # guest that rewrites every block cannot overflow it; only what the guest writes is allocated
  [ -f "$W/disks/$vm-xvda.cow" ] || truncate -s $((size + size / 128 + 1048576)) "$W/disks/$vm-xvda.cow"
  cow=$(losetup -f --show "$W/disks/$vm-xvda.cow") || return 1
  t2=$(us)
  dmsetup create "xp-$vm-xvda" --table "0 $((size / 512)) snapshot $origin $cow P 8" || return 1
  t3=$(us)
  echo "$origin $cow" >"/run/$vm.loops"
  awk -v a="$t0" -v b="$t1" -v c="$t2" -v e="$t3" 'BEGIN { printf "%.3f %.3f %.3f %.3f\\n", (b-a)/1000, (c-b)/1000, (e-c)/1000, (e-a)/1000 }'
}
# the emulation's fixed price: the same programs doing nothing (exec, dynamic loading)
baseline() {
  local t0 t1 t2
  t0=$(us); losetup --version >/dev/null; t1=$(us); dmsetup version >/dev/null; t2=$(us)
  awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "%.3f %.3f\\n", (b-a)/1000, (c-b)/1000 }'
}
remove_root_disk() {
  local vm=$1
  dmsetup remove "xp-$vm-xvda" || return 1
  for l in $(cat "/run/$vm.loops"); do losetup -d "$l"; done
  rm -f "/run/$vm.loops"
}
`;

const benchSh = `
. /lab/root-disk.sh
for i in $(seq 1 ${RUNS}); do
  for img in ${IMAGES.map((i) => i.id).join(' ')}; do
    vm=bench-$img-$i
    r=$(create_root_disk $vm $img) || r=FAILED
    echo "$img $i $r" >>/out/bench.txt
    echo "$(baseline)" >>/out/baseline.txt
    remove_root_disk $vm
    rm -f "$W/disks/$vm-xvda.cow"
  done
done
`;

const guestLog = `/var/log/xen/guest-xp-${VM}.log`;
const script = `
W=${WORK}
mkdir -p $W && mount -t tmpfs -o size=16g tmpfs $W && mkdir -p $W/images $W/disks $W/configs
${IMAGES.map((i) => `truncate -s ${i.mib}M $W/images/${i.id}.raw && printf 'xenplane-image ${i.id} boot=0\\n' | dd of=$W/images/${i.id}.raw conv=notrunc 2>/dev/null`).join('\n')}
rec versions sh -c 'dmsetup version; genisoimage --version; uname -r'
rec bench bash /lab/bench.sh
rec loops-after-bench losetup -a
rec dm-after-bench dmsetup ls
rec dm-nodes-after-bench ls /dev/mapper

# the guest's root disk and config drive, then the guest
rec create-root-disk bash -c '. /lab/root-disk.sh; create_root_disk ${VM} img-200m'
rec dev-mapper ls -l /dev/mapper
rec genisoimage genisoimage ${isoArgs.join(' ')}
rec iso-ls sh -c 'ls -l ${ISO}; od -A d -c -j 32808 -N 32 ${ISO} | head -2'
rec xl-create-1 xl create /lab/root-disk.cfg
wait_for 90 grep -q 'xvda wrote=' ${guestLog}
rec console-1 cat ${guestLog}
rec xl-destroy-1 xl destroy xp-${VM}
rec dm-first-line-1 sh -c 'head -c 512 /dev/mapper/${DEVICE} | head -n 1'
rec image-first-line-1 sh -c 'head -c 512 ${WORK}/images/img-200m.raw | head -n 1'
rec cow-allocated du -k $W/disks/${VM}-xvda.cow

# torn down and re-assembled from the same files (what the agent does at destroy and create)
rec remove-root-disk-1 bash -c '. /lab/root-disk.sh; remove_root_disk ${VM}'
rec create-root-disk-2 bash -c '. /lab/root-disk.sh; create_root_disk ${VM} img-200m'
rec xl-create-2 xl create /lab/root-disk.cfg
# the same domain name: xenconsoled appends to the same log
wait_for 90 sh -c '[ "$(grep -c "xvda wrote=" ${guestLog})" -ge 2 ]'
rec console-2 cat ${guestLog}
rec xl-destroy-2 xl destroy xp-${VM}

# teardown: nothing of the VM may stay
rec remove-root-disk-2 bash -c '. /lab/root-disk.sh; remove_root_disk ${VM}'
rm -f $W/disks/${VM}-xvda.cow ${ISO}
rec left-dm dmsetup ls
rec left-dm-nodes ls /dev/mapper
rec left-loops losetup -a
rec left-files ls -A ${WORK}/disks ${WORK}/configs
rec left-xl xl list
`;

const files = {
  '/lab/root-disk.sh': rootDiskSh,
  '/lab/bench.sh': benchSh,
  '/lab/root-disk.cfg': cfg,
  ...Object.fromEntries(drive.files.map((f) => [`/lab/cidata/${f.name}`, Buffer.from(f.data)])),
};

say(`root disks and config drive on the real Xen: ${RUNS} runs per image size, one boot...`);
const run = await runInXen({
  script,
  files,
  name: opt('--name', 'root-disk'),
  timeoutMs: Number(opt('--timeout', 600)) * 1000,
  onLine: (t, l) => /^LAB (xen-ready|done|rec)|panic/i.test(l) && process.stderr.write(`[${t.toFixed(1)}s] ${l}\n`),
});
if (!run.ok) {
  say(`the lab run failed (${run.reason}); serial log: ${run.logFile}`);
  process.exit(2);
}
const text = (n) => run.files[n]?.toString('utf8') ?? '';
const out = (n) => text(`${n}.stdout`).trim();
const rc = (n) => Number(text(`${n}.rc`).trim() || -1);

// the benchmark's figures: per image, the create times of every run
const samples = text('bench.txt')
  .trim()
  .split('\n')
  .map((l) => l.split(/\s+/))
  .filter((f) => f.length === 6)
  .map(([img, i, losetupImage, losetupCow, dmsetup, total]) => ({
    img,
    run: Number(i),
    losetupImage: Number(losetupImage),
    losetupCow: Number(losetupCow),
    dmsetup: Number(dmsetup),
    total: Number(total),
  }));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const baseline = text('baseline.txt')
  .trim()
  .split('\n')
  .map((l) => l.split(/\s+/).map(Number))
  .filter((f) => f.length === 2);
const rows = IMAGES.map((img) => {
  const mine = samples.filter((s) => s.img === img.id);
  const col = (k) => mine.map((s) => s[k]);
  return {
    image: `${img.mib} MiB raw`,
    n: mine.length,
    total_ms_median: median(col('total')),
    total_ms_min: Math.min(...col('total')),
    total_ms_max: Math.max(...col('total')),
    losetup_image_ms: median(col('losetupImage')),
    losetup_cow_ms: median(col('losetupCow')),
    dmsetup_create_ms: median(col('dmsetup')),
  };
});
// the same three program starts doing nothing: what the emulation costs before any work
rows.push({
  image: 'no work (losetup --version x2, dmsetup version)',
  n: baseline.length,
  total_ms_median: Number(median(baseline.map(([l, dm]) => 2 * l + dm)).toFixed(3)),
  total_ms_min: Number(Math.min(...baseline.map(([l, dm]) => 2 * l + dm)).toFixed(3)),
  total_ms_max: Number(Math.max(...baseline.map(([l, dm]) => 2 * l + dm)).toFixed(3)),
  losetup_image_ms: median(baseline.map(([l]) => l)),
  losetup_cow_ms: median(baseline.map(([l]) => l)),
  dmsetup_create_ms: median(baseline.map(([, dm]) => dm)),
});

const console1 = out('console-1');
const console2 = out('console-2'); // both boots: the log is appended to
// a console line holding key, from key on (the kernel may print on the same console); the last one with last
const line = (c, key, last = false) => {
  const hits = c
    .split('\n')
    .map((l) => l.replace(/\r/g, ''))
    .filter((l) => l.includes(key))
    .map((l) => l.slice(l.indexOf(key)));
  return (last ? hits.at(-1) : hits[0]) ?? '';
};
const checks = {
  'bench: every create succeeded': samples.length === RUNS * IMAGES.length && !text('bench.txt').includes('FAILED'),
  'bench: no device left':
    out('loops-after-bench') === '' &&
    /No devices found/.test(out('dm-after-bench')) &&
    out('dm-nodes-after-bench') === 'control',
  'the dm device has its /dev/mapper node': out('dev-mapper').includes(DEVICE),
  'genisoimage built the drive': rc('genisoimage') === 0,
  'xl create with the dm device and the drive': rc('xl-create-1') === 0,
  'console: cidata hostname': line(console1, 'cidata hostname=') === 'cidata hostname=lab-guest-1',
  'console: cidata ip': line(console1, 'cidata ip=') === 'cidata ip=10.0.0.5',
  'console: cidata key': line(console1, 'cidata key=') === `cidata key=${KEY}`,
  'console: image marker on first boot':
    line(console1, 'xvda marker=') === 'xvda marker=xenplane-image img-200m boot=0',
  'the write went to the cow, the image kept its line':
    out('dm-first-line-1') === 'xenplane-image img-200m boot=1' &&
    out('image-first-line-1') === 'xenplane-image img-200m boot=0',
  're-assembled disk keeps the first boot':
    line(console2, 'xvda marker=', true) === 'xvda marker=xenplane-image img-200m boot=1',
  'teardown: no dm device': /No devices found/.test(out('left-dm')),
  'teardown: no /dev/mapper node': out('left-dm-nodes') === 'control',
  'teardown: no loop device': out('left-loops') === '',
  'teardown: no file of the VM': !out('left-files').includes(VM),
};

const doc = {
  benchmark: 'xen-root-disk',
  at: new Date().toISOString(),
  command: `node xen-lab/root-disk-lab.mjs --runs ${RUNS}`,
  versions: { ...versions(), kernel: run.kver, dom0: out('versions').split('\n') },
  bootSeconds: Number(run.seconds.toFixed(1)),
  goal: 'root disk of an image < 100 ms, independent of the image size',
  timings: {
    genisoimage_s: Number(text('genisoimage.seconds').trim()),
    xl_create_s: Number(text('xl-create-1.seconds').trim()),
  },
  checks,
  samples,
  config: cfg,
  console: console1.split('\n').filter((l) => / (cidata|xvda) /.test(l)),
  results: rows,
};
console.log(JSON.stringify(doc, null, 2));
const columns = Object.keys(rows[0]);
const width = (c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length));
const tr = (cells) => `| ${cells.map((c, i) => String(c).padEnd(width(columns[i]))).join(' | ')} |`;
console.log();
console.log(tr(columns));
console.log(`|${columns.map((c) => '-'.repeat(width(c) + 2)).join('|')}|`);
for (const r of rows) console.log(tr(columns.map((c) => r[c])));
console.log();
for (const [name, pass] of Object.entries(checks)) console.log(`${pass ? 'PASS' : 'FAIL'} ${name}`);
console.log(`serial log: ${run.logFile}; results: ${run.outDir}`);
process.exit(Object.values(checks).every(Boolean) ? 0 : 1);
