// xen-lab: a real Xen 4.17 hypervisor booted under QEMU (software emulation), with a tiny dom0
// built from this machine's own Debian packages. See xen-lab/README.md for how and why.
//
// The library has three parts:
//   requirements()   what is missing on this machine, as an apt-get line
//   buildDom0()      the dom0 initramfs (cached in xen-lab/work/), built without root or cpio
//   runInXen()       boots Xen with a test script baked into the initramfs, captures the serial
//                    console to a log, collects the files the script wrote to /out, and always
//                    kills QEMU (its whole process group) when done, failed or timed out.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  writeFileSync,
  createWriteStream,
  renameSync,
  rmSync,
} from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

export const LAB_DIR = dirname(fileURLToPath(import.meta.url));
export const WORK_DIR = join(LAB_DIR, 'work');
export const XEN_GZ = '/boot/xen-4.17-amd64.gz';
export const XEN_BIN_DIR = '/usr/lib/xen-4.17/bin';
export const QEMU = 'qemu-system-x86_64';
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p)) ?? '/bin/busybox';

// Xen's own command line: serial console on COM1 (QEMU's stdio), a fixed 512 MB dom0 so the rest
// is left for guests, no reboot on a crash (QEMU would loop), and no scrubbing of free memory at
// boot (it costs seconds under emulation).
export const XEN_CMDLINE =
  'console=com1 com1=115200,8n1 dom0_mem=512M,max:512M noreboot bootscrub=false loglvl=warning guest_loglvl=none';
export const DOM0_CMDLINE = 'console=hvc0 loglevel=4';

// KVM does not work for this on these machines (guests hang; Xen dies on its first shadow-stack
// instruction), so QEMU emulates. svm+npt give Xen HVM with HAP (Debian's Xen has no shadow
// paging, so PVH/HVM guests need HAP); rdrand makes each xl call seconds faster; -cpu max
// crashes dom0; one CPU is faster and steadier than two under TCG. (+ssse3,+aes,+pclmulqdq, to
// speed up the TLS that carries a migration, makes node in dom0 die of SIGILL.)
export const QEMU_CPU_ARGS = ['-accel', 'tcg,thread=multi', '-cpu', 'qemu64,+svm,+npt,+nrip-save,+rdrand', '-smp', '1'];

// Files of the host's packages copied into dom0 (their shared libraries follow via ldd).
const DOM0_PROGRAMS = [
  `${XEN_BIN_DIR}/xl`,
  `${XEN_BIN_DIR}/xenstored`,
  `${XEN_BIN_DIR}/xenconsoled`,
  `${XEN_BIN_DIR}/xen-init-dom0`,
  `${XEN_BIN_DIR}/xenconsole`,
  `${XEN_BIN_DIR}/libxl-save-helper`, // libxl forks it to write and read a domain's memory (save, restore, migrate)
  '/usr/bin/xenstore',
  '/usr/bin/xenstore-read',
  '/usr/bin/xenstore-write',
  '/usr/bin/xenstore-ls',
  '/usr/bin/xenstore-list',
  '/usr/bin/xenstore-rm',
  '/usr/bin/xenstore-exists',
  '/bin/bash', // the hotplug scripts in /etc/xen/scripts are bash
  '/sbin/losetup', // block hotplug: file-backed disks become loop devices
  '/usr/bin/flock', // the hotplug scripts take locks with it
  '/usr/sbin/dmsetup', // root disks of images: device-mapper snapshots over loop devices
  '/sbin/blkdiscard', // shared disks: a new extent zeroed on the LUN (--zeroout; libblkid follows via ldd)
  '/usr/bin/genisoimage', // config drives: the NoCloud files as an ISO 9660 image labelled cidata
];
// not linked but loaded: without it `xl create` aborts when a thread exits
const DOM0_EXTRA_LIBS = ['libgcc_s.so.1'];
// dom0 kernel modules, dependencies are added and ordered from modules.dep
const DOM0_MODULES = [
  'xen-privcmd',
  'xenfs',
  'xen-evtchn',
  'xen-gntdev',
  'xen-gntalloc',
  'xen-blkback',
  'xen-netback',
  'bridge',
  'loop',
  'dm-mod',
  'dm-snapshot', // the `snapshot` target: a root disk as a copy-on-write layer over its image
  'virtio_pci',
  'virtio_blk',
];
// isofs (with cdrom, its dependency) lets the guest's init read its config drive
const GUEST_MODULES = ['xen-blkfront', 'xen-netfront', 'isofs'];

/** What this machine lacks for the lab: [] when it can run, else Debian package names. */
export function requirements() {
  const missing = [];
  const onPath = (cmd) => process.env.PATH.split(':').some((d) => existsSync(join(d, cmd)));
  if (!onPath(QEMU)) missing.push('qemu-system-x86');
  if (!existsSync(XEN_GZ)) missing.push('xen-hypervisor-4.17-amd64');
  if (!existsSync(`${XEN_BIN_DIR}/xl`)) missing.push('xen-utils-4.17');
  if (!existsSync(BUSYBOX)) missing.push('busybox-static');
  if (!existsSync('/usr/sbin/dmsetup')) missing.push('dmsetup');
  if (!existsSync('/usr/bin/genisoimage')) missing.push('genisoimage');
  if (!kernelVersion()) missing.push('linux-image-amd64');
  return missing;
}

/** The one-line answer to "can the lab run here?": null if yes, else what to install. */
export function requirementsMessage() {
  const missing = requirements();
  return missing.length ? `xen-lab needs: apt-get install -y --no-install-recommends ${missing.join(' ')}` : null;
}

/** The newest kernel with both an image in /boot and its modules installed. */
export function kernelVersion() {
  if (!existsSync('/lib/modules')) return null;
  const versions = readdirSync('/lib/modules').filter(
    (v) => existsSync(`/boot/vmlinuz-${v}`) && existsSync(`/lib/modules/${v}/modules.dep`),
  );
  return versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1) ?? null;
}

// ---------------------------------------------------------------------------------------------
// A cpio "newc" archive, the format the kernel unpacks as an initramfs. Entries are written as
// root-owned whatever the builder's uid, so no fakeroot or root is needed.

const hex8 = (n) => n.toString(16).padStart(8, '0');
const pad4 = (n) => (4 - (n % 4)) % 4;

/**
 * entries: { path, dir: true } | { path, data: Buffer|string, mode? } | { path, symlink: target }
 * Returns the gzipped archive.
 */
export function cpioGz(entries) {
  const chunks = [];
  let ino = 1;
  const push = (name, mode, data) => {
    const nameBuf = Buffer.from(`${name}\0`);
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBuf.length, 0];
    chunks.push(Buffer.from(`070701${fields.map(hex8).join('')}`), nameBuf, Buffer.alloc(pad4(110 + nameBuf.length)));
    chunks.push(data, Buffer.alloc(pad4(data.length)));
  };
  const seen = new Set();
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    // parent directories first, once each
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!seen.has(dir)) push(dir, 0o040755, Buffer.alloc(0));
      seen.add(dir);
    }
    if (seen.has(path)) continue;
    seen.add(path);
    if (e.dir) push(path, 0o040755, Buffer.alloc(0));
    else if (e.symlink !== undefined) push(path, 0o120777, Buffer.from(e.symlink));
    else push(path, 0o100000 | (e.mode ?? 0o644), Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data));
  }
  push('TRAILER!!!', 0, Buffer.alloc(0));
  const gz = gzipSync(Buffer.concat(chunks), { level: 1 });
  // keep the next concatenated archive 4-byte aligned (the kernel skips the zero padding)
  return Buffer.concat([gz, Buffer.alloc(pad4(gz.length))]);
}

const fileEntry = (path, source = path) => ({ path, data: readFileSync(source), mode: statSync(source).mode & 0o777 });

/** Shared libraries a set of ELF programs load (ldd), with their real files. */
function sharedLibraries(programs) {
  const libs = new Set();
  for (const p of programs) {
    let out = '';
    try {
      out = execFileSync('ldd', [p], { encoding: 'utf8' });
    } catch {
      continue; // not dynamic
    }
    for (const m of out.matchAll(/(\/\S+\.so[^\s]*)/g)) libs.add(m[1]);
  }
  return [...libs];
}

function findLibrary(name) {
  const dirs = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64'];
  const hit = dirs.map((d) => join(d, name)).find((p) => existsSync(p));
  if (!hit) throw new Error(`xen-lab: ${name} not found on this machine`);
  return hit;
}

/** Modules with their dependencies, dependencies first, as "name" -> absolute .ko path. */
function modulesInOrder(kver, wanted) {
  const base = `/lib/modules/${kver}`;
  const deps = new Map(); // relative path -> [relative paths]
  for (const line of readFileSync(`${base}/modules.dep`, 'utf8').split('\n')) {
    const [mod, rest] = line.split(':');
    if (mod) deps.set(mod, rest.trim().split(/\s+/).filter(Boolean));
  }
  const nameOf = (rel) => posix.basename(rel).replace(/\.ko(\.\w+)?$/, '');
  const byName = new Map([...deps.keys()].map((rel) => [nameOf(rel).replace(/-/g, '_'), rel]));
  const ordered = [];
  const visit = (rel) => {
    if (ordered.includes(rel)) return;
    for (const d of deps.get(rel) ?? []) visit(d);
    ordered.push(rel);
  };
  for (const name of wanted) {
    const rel = byName.get(name.replace(/-/g, '_'));
    if (rel) visit(rel);
    else if (!readFileSync(`${base}/modules.builtin`, 'utf8').includes(`/${name}.ko`))
      throw new Error(`xen-lab: kernel module ${name} not found for ${kver}`);
  }
  for (const rel of ordered)
    if (!rel.endsWith('.ko')) throw new Error(`xen-lab: ${rel} is compressed; busybox insmod wants plain .ko files`);
  return ordered.map((rel) => ({ name: nameOf(rel), file: join(base, rel) }));
}

function busyboxEntries(prefix = '') {
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return [
    fileEntry(`${prefix}/bin/busybox`, BUSYBOX),
    ...applets.map((a) => ({ path: `${prefix}/bin/${a}`, symlink: 'busybox' })),
  ];
}

/** The tiny PV guest's initramfs: busybox, the Xen front-end drivers, guest/init.sh. */
export function buildGuestInitramfs(kver = kernelVersion()) {
  const mods = modulesInOrder(kver, GUEST_MODULES);
  return cpioGz([
    ...['proc', 'sys', 'dev'].map((d) => ({ path: d, dir: true })),
    ...busyboxEntries(),
    ...mods.map((m) => ({ path: `lib/modules/${m.name}.ko`, data: readFileSync(m.file) })),
    { path: 'lib/modules.list', data: mods.map((m) => m.name).join('\n') + '\n' },
    { path: 'init', data: readFileSync(join(LAB_DIR, 'guest/init.sh')), mode: 0o755 },
  ]);
}

/**
 * Builds (or reuses) xen-lab/work/dom0-base.cpio.gz: busybox, bash, xl and the Xen daemons with
 * their libraries, /etc/xen (hotplug scripts), the dom0 modules, the guest kernel and initramfs,
 * and dom0/init.sh as /init. Rebuilt when an input file changes (a hash of their paths, sizes
 * and mtimes) or with force.
 */
export function buildDom0({ force = false, log = () => {} } = {}) {
  const kver = kernelVersion();
  if (!kver) throw new Error(requirementsMessage() ?? 'xen-lab: no kernel found');
  mkdirSync(WORK_DIR, { recursive: true });
  const out = join(WORK_DIR, 'dom0-base.cpio.gz');
  const stampFile = join(WORK_DIR, 'dom0-base.stamp');

  const programs = DOM0_PROGRAMS.filter((p) => existsSync(p));
  const missing = DOM0_PROGRAMS.filter((p) => !existsSync(p));
  if (missing.length)
    throw new Error(
      `xen-lab: missing on this machine: ${missing.join(', ')} (${requirementsMessage() ?? 'install util-linux, bash'})`,
    );
  const libs = [...sharedLibraries(programs), ...DOM0_EXTRA_LIBS.map(findLibrary)];
  const mods = modulesInOrder(kver, DOM0_MODULES);
  const inputs = [
    ...programs,
    ...libs,
    ...mods.map((m) => m.file),
    BUSYBOX,
    `/boot/vmlinuz-${kver}`,
    join(LAB_DIR, 'dom0/init.sh'),
    join(LAB_DIR, 'dom0/lib.sh'),
    join(LAB_DIR, 'guest/init.sh'),
    join(LAB_DIR, 'lab.mjs'),
  ];
  const stamp = createHash('sha256')
    .update(inputs.map((p) => `${p}:${statSync(p).size}:${statSync(p).mtimeMs}`).join('\n'))
    .digest('hex');
  if (!force && existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    log(`dom0 initramfs up to date: ${out}`);
    return { file: out, kver };
  }

  const t0 = Date.now();
  const entries = [
    ...['proc', 'sys', 'dev', 'run', 'tmp', 'out', 'var/lib/xen', 'var/lib/xenstored', 'var/log/xen', 'usr/sbin'].map(
      (d) => ({ path: d, dir: true }),
    ),
    { path: 'var/run', symlink: '../run' },
    { path: 'var/lock', symlink: '../run/lock' },
    ...busyboxEntries(),
    // real files win over busybox applets of the same name (bash, losetup, flock)
    ...programs.map((p) => fileEntry(p)),
    ...libs.map((p) => ({ path: p, data: readFileSync(p), mode: 0o755 })),
    ...mods.map((m) => ({ path: `lib/modules/${m.name}.ko`, data: readFileSync(m.file) })),
    { path: 'lab/modules.list', data: mods.map((m) => m.name).join('\n') + '\n' },
    ...treeEntries('/etc/xen'),
    { path: 'boot/vmlinuz', data: readFileSync(`/boot/vmlinuz-${kver}`) },
    { path: 'boot/tiny.cpio.gz', data: buildGuestInitramfs(kver) },
    { path: 'init', data: readFileSync(join(LAB_DIR, 'dom0/init.sh')), mode: 0o755 },
    { path: 'lab/lib.sh', data: readFileSync(join(LAB_DIR, 'dom0/lib.sh')), mode: 0o644 },
  ];
  // the symlinked busybox applets come first in the list, so drop those a real file replaces
  const real = new Set(entries.filter((e) => e.data !== undefined).map((e) => e.path.replace(/^\/+/, '')));
  const kept = entries.filter((e) => e.symlink === undefined || !real.has(e.path.replace(/^\/+/, '')));
  const archive = cpioGz(kept);
  writeFileAtomic(out, archive);
  writeFileAtomic(stampFile, stamp);
  log(
    `dom0 initramfs built in ${Date.now() - t0} ms: ${out} (${(archive.length / 1e6).toFixed(1)} MB, kernel ${kver})`,
  );
  return { file: out, kver };
}

function treeEntries(root) {
  if (!existsSync(root)) return [];
  const out = [];
  const walk = (p) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out.push({ path: p, symlink: readlinkSync(p) });
    else if (st.isDirectory()) {
      out.push({ path: p, dir: true });
      for (const n of readdirSync(p)) walk(join(p, n));
    } else if (st.isFile()) out.push({ path: p, data: readFileSync(p), mode: st.mode & 0o777 });
  };
  walk(root);
  return out;
}

/** The Xen binary QEMU boots (multiboot wants it uncompressed). */
export function xenImage() {
  mkdirSync(WORK_DIR, { recursive: true });
  const out = join(WORK_DIR, 'xen-4.17');
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(XEN_GZ).mtimeMs)
    writeFileAtomic(out, gunzipSync(readFileSync(XEN_GZ)));
  return out;
}

/**
 * Writes a file of the work dir's cache whole or not at all (a process-unique temporary file
 * renamed over it): a pool lab's two hosts start at once, each its own process, and on a fresh
 * machine both build the same caches; neither may read what the other is halfway through writing.
 */
export function writeFileAtomic(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

// ---------------------------------------------------------------------------------------------
// Booting

const running = new Set(); // QEMU process groups this process started

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
// whatever happens to this process, its QEMUs go with it
process.on('exit', () => running.forEach(killGroup));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    running.forEach(killGroup);
    process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGTERM' ? 143 : 129);
  });
}

/** PIDs of QEMU processes this library started and has not seen exit (for tests). */
export const runningQemuPids = () => [...running];

/** Kills a QEMU this library started, with everything in its process group. */
export const killQemu = (pid) => killGroup(pid);

/**
 * Starts QEMU in its own process group (killed with this process, whatever ends it), writes its
 * serial console to logFile with each line's time since start, and hands every line to onLine.
 * Returns { child, exited (resolves { code, signal }), elapsed(), closeLog() }.
 */
export function startQemu(args, logFile, onLine) {
  const logStream = createWriteStream(logFile);
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const child = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child.pid);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child.pid);
      resolve({ code, signal });
    }),
  );
  let partial = '';
  const onData = (chunk) => {
    const lines = (partial + chunk.toString('latin1')).split('\n');
    partial = lines.pop();
    for (const raw of lines) {
      const line = raw.replace(/\r/g, '');
      const t = elapsed();
      logStream.write(`[${t.toFixed(2).padStart(7)}] ${line}\n`);
      onLine(t, line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const closeLog = () => new Promise((resolve) => logStream.end(resolve));
  return { child, exited, elapsed, closeLog };
}

/**
 * Boots Xen + dom0 under QEMU, runs `script` (shell, sourced after dom0/lib.sh, so rec() and
 * wait_for() are there) inside dom0, and returns what it wrote to /out.
 *
 * files: extra files for the dom0 image, { '/lab/cfg/a.cfg': 'text', ... }
 * Returns { ok, reason, pid (QEMU's, now dead), files: { name: Buffer }, outDir, log, logFile,
 *   marks: [{ t, line }], seconds, kver }
 * ok is false when the run timed out or dom0 never handed its results back.
 */
export async function runInXen({
  script,
  files = {},
  timeoutMs = 300_000,
  name = 'run',
  onLine = () => {},
  memoryMb = 1536,
}) {
  const missing = requirementsMessage();
  if (missing) throw new Error(missing);
  const { file: base, kver } = buildDom0();
  const xen = xenImage();
  const runDir = join(WORK_DIR, 'runs', name);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });

  // the test script and its files ride in a second archive appended to the cached base one
  const overlay = cpioGz([
    { path: 'lab/test.sh', data: script, mode: 0o755 },
    ...Object.entries(files).map(([p, data]) => ({ path: p, data, mode: 0o644 })),
  ]);
  const initrd = join(runDir, 'dom0.cpio.gz');
  writeFileSync(initrd, Buffer.concat([readFileSync(base), overlay]));
  // dom0's results come back as a tar written onto this (virtio) disk
  const outDisk = join(runDir, 'out.img');
  writeFileSync(outDisk, Buffer.alloc(0));
  execFileSync('truncate', ['-s', '64M', outDisk]);

  const args = [
    ...QEMU_CPU_ARGS,
    '-m',
    String(memoryMb),
    '-nographic',
    '-no-reboot',
    '-monitor',
    'none',
    '-serial',
    'stdio',
    '-kernel',
    xen,
    '-append',
    XEN_CMDLINE,
    // multiboot modules: dom0's kernel (with its command line), then its initramfs
    '-initrd',
    `/boot/vmlinuz-${kver} ${DOM0_CMDLINE},${initrd}`,
    '-drive',
    `file=${outDisk},if=virtio,format=raw,cache=unsafe`,
  ];
  if (/[ ,]/.test(initrd)) throw new Error(`xen-lab: ${initrd} must not hold spaces or commas (QEMU -initrd syntax)`);

  const logFile = join(runDir, 'serial.log');
  const marks = [];
  let done = false;
  let reason = 'qemu exited';
  const { child, exited, elapsed, closeLog } = startQemu(args, logFile, (t, line) => {
    if (/^LAB |Kernel panic|\(XEN\) Panic|FATAL/.test(line)) {
      marks.push({ t, line });
      onLine(t, line);
    }
    if (/^LAB done/.test(line)) done = true;
    if (/Kernel panic|\*\*\*\* PANIC/.test(line)) reason = `panic: ${line}`;
  });

  // stop: QEMU usually exits on dom0's poweroff; give it a moment after "LAB done", then kill
  let timer;
  const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const doneWatch = new Promise((resolve) => {
    const iv = setInterval(() => {
      if (done) {
        clearInterval(iv);
        setTimeout(() => resolve('done'), 3000);
      }
    }, 100);
    exited.then(() => clearInterval(iv));
  });
  const first = await Promise.race([exited.then(() => 'exited'), timedOut, doneWatch]);
  clearTimeout(timer);
  if (first === 'timeout') reason = `timeout after ${timeoutMs / 1000}s`;
  killGroup(child.pid);
  await exited;
  await closeLog();
  const seconds = elapsed();

  // unpack the results tar (tar stops at its end-of-archive blocks; the rest is zeros)
  const outDir = join(runDir, 'out');
  mkdirSync(outDir, { recursive: true });
  const result = {};
  try {
    execFileSync('tar', ['-xf', outDisk, '-C', outDir], { stdio: 'ignore' });
    for (const n of readdirSync(outDir))
      if (statSync(join(outDir, n)).isFile()) result[n] = readFileSync(join(outDir, n));
  } catch {
    // nothing written: the run did not reach the end
  }
  const ok = done && Object.keys(result).length > 0;
  if (done) reason = 'done';
  return {
    ok,
    reason,
    pid: child.pid,
    files: result,
    outDir,
    logFile,
    log: readFileSync(logFile, 'latin1'),
    marks,
    seconds,
    kver,
  };
}

/** Versions of what the lab runs, for fixture provenance. */
export function versions() {
  const pkg = (name) => {
    try {
      return execFileSync('dpkg-query', ['-W', '-f', '${Version}', name], { encoding: 'utf8' });
    } catch {
      return 'unknown';
    }
  };
  const kver = kernelVersion();
  return {
    'xen-hypervisor-4.17-amd64': pkg('xen-hypervisor-4.17-amd64'),
    'xen-utils-4.17': pkg('xen-utils-4.17'),
    'qemu-system-x86': pkg('qemu-system-x86'),
    [`linux-image-${kver}`]: pkg(`linux-image-${kver}`),
    'busybox-static': pkg('busybox-static'),
  };
}

/** Output lines a test can print: "name: value". */
export const say = (...a) => process.stdout.write(`${a.join(' ')}\n`);
