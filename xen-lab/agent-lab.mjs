// xen-lab "agent mode": Xen + dom0 under QEMU that stays up, with the real host agent (Node and
// the built dist/) running inside dom0 on the `xl` driver, reachable from the host through QEMU
// user networking (slirp):
//   host 127.0.0.1:<hostPort>  -> dom0 :<agentPort>   the agent's gRPC (mutual TLS)
//   host 127.0.0.1:<debugPort> -> dom0 :9001          a lab-only HTTP endpoint running xl (tests)
//   dom0 -> 10.0.2.2:<port>    == host 127.0.0.1:<port> (the control plane's API)
//
// startAgentLab() boots it and returns a handle; stop() kills QEMU's whole process group (also
// done when the Node process exits). The agent comes from its Debian package
// (scripts/package-agent.mjs), unpacked into dom0 as dpkg would install it (dom0 has no dpkg),
// and is started as the package's systemd unit starts it (dom0 has no systemd either: same
// ExecStart, environment and settings file, read by scripts/systemd-unit.mjs, and the unit's
// NoNewPrivileges= and CapabilityBoundingSet= applied with setpriv). That bundle (the package's
// files, node as the nodejs package installs it, setpriv, the virtio-net module) is a cpio cached
// in xen-lab/work/ and appended to the lab's base dom0 archive, so lab.mjs's image is unchanged.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { agentFiles } from '../scripts/agent-files.mjs';
import { buildAgentPackage } from '../scripts/package-agent.mjs';
import { describeUnit, setprivArgs } from '../scripts/systemd-unit.mjs';
import {
  buildDom0,
  cpioGz,
  kernelVersion,
  killQemu,
  LAB_DIR,
  QEMU_CPU_ARGS,
  requirementsMessage,
  startQemu,
  WORK_DIR,
  writeFileAtomic,
  xenImage,
} from './lab.mjs';

export const ROOT = join(LAB_DIR, '..');
export const DIST = process.env.XENPLANE_DIST_DIR ?? join(ROOT, 'dist');
const NODE = process.execPath;
// the package's unit and settings file, as installed
const UNIT = 'usr/lib/systemd/system/xenplane-agent.service';
const ENV_FILE = 'etc/xenplane/agent.env';
const DEBUG_PORT_IN_DOM0 = 9001;
// a pool lab's debug link (startAgentLab's poolLink): the same in every host, each its own QEMU's
const DEBUG_NIC = { mac: '52:54:00:de:b0:01', address: '10.0.3.15' };

function ldd(program) {
  const out = execFileSync('ldd', [program], { encoding: 'utf8' });
  return [...out.matchAll(/(\/\S+\.so[^\s]*)/g)].map((m) => m[1]);
}

// Modules the agent bundle adds to dom0: virtio-net (the management link, and the pool link of a
// two-host lab) and ext4 (a pool lab's per-host state disk). crc32c: ext4 asks for it by name.
const BUNDLE_MODULES = ['virtio_net', 'crc32c_generic', 'ext4'];

/** The bundle's modules and what they depend on, dependencies first (for insmod). */
function bundleModules(kver) {
  const base = `/lib/modules/${kver}`;
  const deps = new Map();
  for (const line of readFileSync(`${base}/modules.dep`, 'utf8').split('\n')) {
    const [mod, rest] = line.split(':');
    if (mod) deps.set(mod, rest.trim().split(/\s+/).filter(Boolean));
  }
  const builtin = readFileSync(`${base}/modules.builtin`, 'utf8');
  const ordered = [];
  const visit = (r) => {
    if (ordered.includes(r)) return;
    for (const d of deps.get(r) ?? []) visit(d);
    ordered.push(r);
  };
  for (const name of BUNDLE_MODULES) {
    const rel = [...deps.keys()].find((k) => k.endsWith(`/${name}.ko`));
    if (rel) visit(rel);
    else if (!builtin.includes(`/${name}.ko`)) throw new Error(`agent-lab: ${name} module not found`);
  }
  return ordered.map((r) => ({ name: r.split('/').pop().replace(/\.ko$/, ''), file: join(base, r) }));
}

/**
 * The agent bundle (cached in work/agent-bundle.cpio.gz): the files of the agent's Debian package
 * at their installed paths, node at /usr/bin/node (what the package's Depends: nodejs gives a
 * host) with its libraries, setpriv, virtio-net. Rebuilt when the package's inputs or node change.
 * Returns { file, unit, envFile, deb }: the unit's and the settings file's packaged text.
 */
export function buildAgentBundle({ log = () => {} } = {}) {
  const kver = kernelVersion();
  const SETPRIV = '/usr/bin/setpriv';
  const libs = [...new Set([...ldd(NODE), ...ldd(SETPRIV)])];
  const mods = bundleModules(kver);
  const debInputs = [
    ...agentFiles(DIST, ROOT).map((f) => f.file),
    ...readdirSync(join(ROOT, 'deploy/debian')).map((n) => join(ROOT, 'deploy/debian', n)),
    join(ROOT, 'scripts/package-agent.mjs'),
    join(ROOT, 'scripts/agent-files.mjs'),
  ];
  const stampInputs = [
    NODE,
    SETPRIV,
    ...libs,
    ...debInputs,
    ...mods.map((m) => m.file),
    join(LAB_DIR, 'agent-lab.mjs'),
  ];
  const stamp = createHash('sha256')
    .update(stampInputs.map((p) => `${p}:${statSync(p).size}:${statSync(p).mtimeMs}`).join('\n'))
    .digest('hex');
  const out = join(WORK_DIR, 'agent-bundle.cpio.gz');
  const stampFile = join(WORK_DIR, 'agent-bundle.stamp');
  // the package's name and its unit's and settings file's text, beside the bundle
  const metaFile = join(WORK_DIR, 'agent-bundle.json');
  const packaged = () => ({ file: out, ...JSON.parse(readFileSync(metaFile, 'utf8')) });
  if (existsSync(out) && existsSync(metaFile) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp)
    return packaged();
  const t0 = Date.now();
  // this process's own package and tree: a pool's two hosts may both build at once (each
  // result written whole, writeFileAtomic)
  const scratch = join(WORK_DIR, `agent-package.${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  const tree = join(scratch, 'root');
  mkdirSync(tree, { recursive: true });
  const deb = buildAgentPackage({ dist: DIST, outDir: scratch });
  execFileSync('dpkg-deb', ['-x', deb, tree]);
  const meta = {
    deb: basename(deb),
    unit: readFileSync(join(tree, UNIT), 'utf8'),
    envFile: readFileSync(join(tree, ENV_FILE), 'utf8'),
  };
  const installed = walkTree(tree).map((p) => ({
    path: relative(tree, p),
    data: readFileSync(p),
    mode: statSync(p).mode & 0o777,
  }));
  const entries = [
    ...installed,
    { path: 'usr/bin/node', data: readFileSync(NODE), mode: 0o755 },
    { path: SETPRIV, data: readFileSync(SETPRIV), mode: 0o755 },
    ...libs.map((p) => ({ path: p, data: readFileSync(p), mode: 0o755 })),
    ...mods.map((m) => ({ path: `lib/modules/${m.name}.ko`, data: readFileSync(m.file) })),
    { path: 'lab/bundle-modules.list', data: mods.map((m) => m.name).join('\n') + '\n' },
    { path: 'lab/xl-server.js', data: XL_SERVER },
    { path: 'lab/guest-extra.cpio.gz', data: guestExtra() },
  ];
  const archive = cpioGz(entries);
  rmSync(scratch, { recursive: true, force: true });
  writeFileAtomic(out, archive);
  writeFileAtomic(metaFile, JSON.stringify(meta));
  writeFileAtomic(stampFile, stamp);
  log(
    `agent bundle built in ${Date.now() - t0} ms from ${basename(deb)}: ${out} (${(archive.length / 1e6).toFixed(1)} MB, ${installed.length} packaged files)`,
  );
  return packaged();
}

function walkTree(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walkTree(p, out);
    else out.push(p);
  }
  return out;
}

// Lab-only: runs `xl <args>` in dom0 for the tests (GET /xl?a=list&a=-l), reads a file (GET /file?p=),
// lists what dom0 holds of a VM's storage (GET /storage?vm=<id>). Never part of the agent.
const XL_SERVER = `
const http = require('node:http');
const { execFile } = require('node:child_process');
http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  const send = (code, body) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
  if (u.pathname === '/xl') {
    execFile('xl', u.searchParams.getAll('a'), { timeout: 60000, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      send(200, { code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  } else if (u.pathname === '/file') {
    try { send(200, { text: require('node:fs').readFileSync(u.searchParams.get('p'), 'utf8') }); } catch (e) { send(404, { error: String(e) }); }
  } else if (u.pathname === '/storage') {
    // what dom0 holds (of one VM with ?vm=<id>): dm devices, their /dev/mapper nodes, loop
    // devices and files under the agent's work dir, for "delete leaves nothing on the host"
    const vm = u.searchParams.get('vm') || '';
    const fs = require('node:fs');
    const path = require('node:path');
    const out = (cmd, args) => new Promise((resolve) =>
      execFile(cmd, args, { timeout: 60000 }, (err, stdout) => resolve(err ? '' : stdout)));
    const walk = (d) => {
      try {
        return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]);
      } catch { return []; }
    };
    const mine = (lines) => lines.filter((l) => l && l.includes(vm));
    const ls = (d) => { try { return fs.readdirSync(d); } catch { return []; } };
    Promise.all([out('dmsetup', ['ls']), out('losetup', ['-a'])]).then(([dm, loops]) => send(200, {
      dm: mine(dm.split('\\n')).filter((l) => !/No devices found/.test(l)),
      mapperNodes: mine(ls('/dev/mapper')).filter((n) => n !== 'control'),
      loops: mine(loops.split('\\n')),
      files: mine(walk(process.env.XL_WORK_DIR || '/var/lib/xenplane-agent/xl')),
    }));
  } else send(404, {});
}).listen(${DEBUG_PORT_IN_DOM0}, '0.0.0.0', () => console.log('LAB xl-server up'));
`;

/**
 * Appended to the tiny guest's initramfs: /sbin/poweroff and /sbin/reboot, which the guest kernel
 * runs when Xen asks it to shut down or reboot (xl shutdown/reboot). Its /init is a shell, which
 * ignores busybox's signals to PID 1, so these act at once (-f).
 */
function guestExtra() {
  return cpioGz([
    {
      path: 'sbin/poweroff',
      data: '#!/bin/sh\necho TINY-GUEST-POWEROFF >/dev/console 2>/dev/null\nexec /bin/poweroff -f\n',
      mode: 0o755,
    },
    { path: 'sbin/halt', data: '#!/bin/sh\nexec /bin/poweroff -f\n', mode: 0o755 },
    {
      path: 'sbin/reboot',
      data: '#!/bin/sh\necho TINY-GUEST-REBOOT >/dev/console 2>/dev/null\nexec /bin/reboot -f\n',
      mode: 0o755,
    },
  ]);
}

/** A host's state disk: a small ext4 image (no metadata checksums: dom0 has no crc32c-intel). */
export function makeStateDisk(path, sizeMb = 64) {
  mkdirSync(dirname(path), { recursive: true });
  execFileSync('truncate', ['-s', `${sizeMb}M`, path]);
  execFileSync('mkfs.ext4', ['-q', '-F', '-O', '^metadata_csum,^orphan_file', '-L', 'xp-state', path], {
    stdio: 'ignore',
  });
}

const shq = (v) => `'${String(v).replace(/'/g, `'\\''`)}'`;

/**
 * /etc/xenplane/agent.env as the operator leaves it: the packaged file (every setting commented)
 * with the lab's settings added at its end.
 */
function labSettingsFile(packaged, settings) {
  const lines = Object.entries(settings).map(([k, v]) => {
    if (!/^[A-Z][A-Z0-9_]*$/.test(k) || /[\n'"\\$]/.test(String(v))) throw new Error(`agent-lab: bad setting ${k}`);
    return `${k}=${v}`;
  });
  return `${packaged}\n## the xen lab's settings (xen-lab/agent-lab.mjs)\n${lines.join('\n')}\n`;
}

/**
 * The dom0 script: network, guest image, tmpfs work dirs, the package's postinst steps, then the
 * agent as its unit starts it (forever, as Restart= would): the unit's ExecStart with the unit's
 * environment and settings file and nothing else (env -i), NoNewPrivileges= and the capability
 * bounding set applied by setpriv. PATH is dom0's: its xl lives in /usr/lib/xen-4.17/bin, where a
 * Debian host has /usr/sbin/xl on systemd's PATH.
 */
function agentScript(pkg, settingsText, pool = {}) {
  const unit = describeUnit(pkg.unit, { envFiles: { [`/${ENV_FILE}`]: settingsText } });
  const env = Object.entries(unit.env)
    .filter(([k]) => k !== 'PATH')
    .map(([k, v]) => `${k}=${shq(v)}`)
    .join(' ');
  const argv = [...setprivArgs(pkg.unit), ...unit.argv].map(shq).join(' ');
  return `
for m in $(cat /lab/bundle-modules.list); do [ -d /sys/module/$m ] || insmod "/lib/modules/$m.ko" || echo "LAB warn insmod $m failed"; done
# /dev/vdX of the virtio disk with this serial (QEMU's serial=), waiting for it a little
virtio_disk() {
  j=0
  while [ $j -lt 40 ]; do
    for b in /sys/block/vd*; do [ "$(cat $b/serial 2>/dev/null)" = "$1" ] && { echo /dev/$(basename $b); return; }; done
    sleep 0.25; j=$((j + 1))
  done
}
i=0; while ! ip link show eth0 >/dev/null 2>&1 && [ $i -lt 40 ]; do sleep 0.25; i=$((i + 1)); done
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
echo "LAB net-up uptime=$(up) $(ip -4 addr show eth0 | grep inet)"
${pool.link ? nicScript('pool-link', pool.link) : ''}${pool.debugNic ? nicScript('debug-link', pool.debugNic) : ''}# the guests' bridge (vifs name it); not connected anywhere
ip link add xenbr0 type bridge 2>/dev/null || brctl addbr xenbr0
ip link set xenbr0 up
# the seeded tiny-pv / tiny-pvh images point here
mkdir -p /var/lib/xenplane/images/tiny
cp /boot/vmlinuz /var/lib/xenplane/images/tiny/vmlinuz
cat /boot/tiny.cpio.gz /lab/guest-extra.cpio.gz >/var/lib/xenplane/images/tiny/initrd.gz
mkdir -p /var/lib/xenplane-agent
${
  pool.stateDisk
    ? `# the agent's state (its identity) on the host's own disk, kept across reboots and power loss;
# its work dir (the VMs' disks, sparse) on a 64 GB tmpfs over it, as without a state disk
state_dev=$(virtio_disk xp-state)
mount -t ext4 "$state_dev" /var/lib/xenplane-agent || echo "LAB warn state disk $state_dev not mounted"
echo "LAB state-disk $(ls /var/lib/xenplane-agent | tr '\\n' ' ')"
mkdir -p /var/lib/xenplane-agent/xl
mount -t tmpfs -o size=64G tmpfs /var/lib/xenplane-agent/xl`
    : 'mount -t tmpfs -o size=64G tmpfs /var/lib/xenplane-agent'
}
${
  pool.sharedDisk
    ? `# the LUN both hosts of the pool see
shared_dev=$(virtio_disk xp-shared)
[ -n "$shared_dev" ] && ln -sf "$shared_dev" /dev/xp-shared
echo "LAB shared-disk $shared_dev"`
    : ''
}
# the package's postinst
mkdir -p /var/lib/xenplane-agent/xl
chmod 0700 /var/lib/xenplane-agent
chmod 0600 /${ENV_FILE}
/usr/bin/node /lab/xl-server.js &
${
  pool.extraScript
    ? `( echo "LAB extra-start"; ${pool.extraScript}
 echo "LAB extra-done $?" ) &`
    : ''
}
echo "LAB agent-starting package=${pkg.deb} uptime=$(up)"
cd ${shq(unit.cwd)}
while true; do
  env -i PATH="$PATH" ${env} /usr/bin/setpriv ${argv} &
  echo $! >/run/xenplane-agent.pid
  wait $!
  echo "LAB agent-exited rc=$? uptime=$(up)"
  sleep 5
done
`;
}

/**
 * A NIC of a two-host lab (pool-lab.mjs), found by its MAC, given its address: the pool link
 * (its peers dial the agent there: AGENT_PEER_ADVERTISE_ADDRESS) or the test's debug link.
 */
function nicScript(what, { mac, address }) {
  return `
nic=
i=0
while [ -z "$nic" ] && [ $i -lt 40 ]; do
  for n in /sys/class/net/*; do [ "$(cat $n/address)" = ${shq(mac)} ] && nic=$(basename $n); done
  [ -n "$nic" ] || sleep 0.25; i=$((i + 1))
done
ip link set "$nic" up
ip addr add ${shq(address)}/24 dev "$nic"
echo "LAB ${what}-up if=$nic $(ip -4 addr show "$nic" | grep inet)"
`;
}

/**
 * Boots the lab with the agent. agentEnv: settings added to /etc/xenplane/agent.env (AGENT_* ...);
 * the lab adds AGENT_PORT, AGENT_ADVERTISE_ADDRESS, AGENT_NAME and DM_DISABLE_UDEV=1 (dom0 has no
 * udev: docs/OPERATIONS.md) unless given; the rest is the unit's. The agent's pid is in dom0's
 * /run/xenplane-agent.pid. Returns { pid, logFile, runDir, marks, waitForLine(re, ms), xl(args),
 * stop() }.
 */
export async function startAgentLab({
  agentEnv = {},
  hostPort,
  debugPort,
  agentPort = 7443,
  name = 'agent',
  memoryMb = 2048,
  dom0MemMb = 768,
  cpus = 2,
  poolLink,
  qmpSocket,
  stateDisk,
  sharedDisk,
  // shell run in dom0 in the background just before the agent starts (pool-link-tput.mjs)
  extraScript,
  onLine = () => {},
  log = () => {},
}) {
  const missing = requirementsMessage();
  if (missing) throw new Error(missing);
  const { file: base, kver } = buildDom0({ log });
  const pkg = buildAgentBundle({ log });
  const runDir = join(WORK_DIR, 'runs', name);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const settings = labSettingsFile(pkg.envFile, {
    AGENT_PORT: String(agentPort),
    AGENT_ADVERTISE_ADDRESS: `127.0.0.1:${hostPort}`,
    AGENT_NAME: 'xen-lab',
    DM_DISABLE_UDEV: '1',
    ...agentEnv,
  });
  // dom0 (no udev) finds the state and shared disks by their virtio serials, xp-state, xp-shared
  if (stateDisk && !existsSync(stateDisk)) makeStateDisk(stateDisk);
  const overlay = cpioGz([
    {
      path: 'lab/test.sh',
      data: agentScript(pkg, settings, {
        link: poolLink,
        stateDisk: !!stateDisk,
        sharedDisk: !!sharedDisk,
        extraScript,
        debugNic: poolLink && DEBUG_NIC,
      }),
      mode: 0o755,
    },
    { path: ENV_FILE, data: settings, mode: 0o600 },
  ]);
  const initrd = join(runDir, 'dom0.cpio.gz');
  writeFileSync(initrd, Buffer.concat([readFileSync(base), readFileSync(pkg.file), overlay]));
  const outDisk = join(runDir, 'out.img');
  writeFileSync(outDisk, Buffer.alloc(0));
  execFileSync('truncate', ['-s', '16M', outDisk]);
  const xenCmdline = `console=com1 com1=115200,8n1 dom0_mem=${dom0MemMb}M,max:${dom0MemMb}M dom0_max_vcpus=1 noreboot bootscrub=false loglvl=warning guest_loglvl=none`;
  // a pool lab's tests cut the management link (n0) and still watch dom0: its debug endpoint
  // then has a link of its own (dbg), which no test cuts
  const debugFwd = debugPort ? [`hostfwd=tcp:127.0.0.1:${debugPort}-:${DEBUG_PORT_IN_DOM0}`] : [];
  const fwd = [`hostfwd=tcp:127.0.0.1:${hostPort}-:${agentPort}`, ...(poolLink ? [] : debugFwd)];
  const args = [
    // two CPUs: dom0 keeps one (dom0_max_vcpus=1), so the control plane sees one for guests
    ...QEMU_CPU_ARGS.map((a, i, all) => (all[i - 1] === '-smp' ? String(cpus) : a)),
    '-m',
    String(memoryMb),
    '-nographic',
    '-no-reboot',
    '-monitor',
    'none',
    '-serial',
    'stdio',
    '-kernel',
    xenImage(),
    '-append',
    xenCmdline,
    '-initrd',
    `/boot/vmlinuz-${kver} console=hvc0 loglevel=4,${initrd}`,
    '-drive',
    `file=${outDisk},if=virtio,format=raw,cache=unsafe`,
    ...(stateDisk
      ? [
          '-drive',
          `file=${stateDisk},if=none,id=state,format=raw,cache=writeback`,
          '-device',
          'virtio-blk-pci,drive=state,serial=xp-state',
        ]
      : []),
    // a LUN both hosts see (pool-lab.mjs): one raw file opened by both QEMUs, unlocked, shared
    ...(sharedDisk
      ? [
          '-drive',
          `file=${sharedDisk},if=none,id=shared,format=raw,file.locking=off,cache=writeback`,
          '-device',
          'virtio-blk-pci,drive=shared,share-rw=on,serial=xp-shared',
        ]
      : []),
    // n0: the management link (the control plane); pool: the link between the hosts' dom0s
    '-netdev',
    `user,id=n0,${fwd.join(',')}`,
    '-device',
    'virtio-net-pci,netdev=n0',
    ...(poolLink
      ? [
          '-netdev',
          `socket,id=pool,udp=127.0.0.1:${poolLink.remotePort},localaddr=127.0.0.1:${poolLink.localPort}`,
          '-device',
          `virtio-net-pci,netdev=pool,mac=${poolLink.mac}`,
        ]
      : []),
    ...(poolLink
      ? [
          '-netdev',
          ['user', 'id=dbg', 'net=10.0.3.0/24', 'restrict=on', ...debugFwd].join(','),
          '-device',
          `virtio-net-pci,netdev=dbg,mac=${DEBUG_NIC.mac}`,
        ]
      : []),
    // QMP, for tests that cut links (set_link n0|pool off) or ask QEMU about itself
    ...(qmpSocket ? ['-qmp', `unix:${qmpSocket},server=on,wait=off`] : []),
  ];
  const logFile = join(runDir, 'serial.log');
  const marks = [];
  const waiters = [];
  let exitInfo = null;
  const { child, exited, elapsed, closeLog } = startQemu(args, logFile, (t, line) => {
    if (/^LAB |Kernel panic|\(XEN\) Panic|agent failed|"level":[56]0/.test(line)) {
      marks.push({ t, line });
      onLine(t, line);
    }
    for (const w of [...waiters]) {
      if (w.re.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve({ t, line });
      }
    }
  });
  exited.then((info) => {
    exitInfo = info;
    for (const w of waiters.splice(0))
      w.reject(new Error(`QEMU exited (${info.code ?? info.signal}) before ${w.re}; log: ${logFile}`));
  });

  const waitForLine = (re, timeoutMs = 120_000) => {
    const hit = marks.find((m) => re.test(m.line));
    if (hit) return Promise.resolve(hit);
    if (exitInfo) return Promise.reject(new Error(`QEMU already exited; log: ${logFile}`));
    return new Promise((resolve, reject) => {
      const w = { re, resolve, reject };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`timeout after ${timeoutMs / 1000}s waiting for ${re}; log: ${logFile}`));
      }, timeoutMs);
      w.resolve = (v) => (clearTimeout(timer), resolve(v));
      w.reject = (e) => (clearTimeout(timer), reject(e));
      waiters.push(w);
    });
  };

  /** `xl <args>` in dom0 through the lab-only endpoint: { code, stdout, stderr } */
  const xl = async (...xlArgs) => {
    if (!debugPort) throw new Error('agent-lab: started without debugPort');
    const q = xlArgs.map((a) => `a=${encodeURIComponent(a)}`).join('&');
    const res = await fetch(`http://127.0.0.1:${debugPort}/xl?${q}`, { signal: AbortSignal.timeout(90_000) });
    return res.json();
  };
  const readDom0File = async (p) => {
    const res = await fetch(`http://127.0.0.1:${debugPort}/file?p=${encodeURIComponent(p)}`, {
      signal: AbortSignal.timeout(30_000),
    });
    return (await res.json()).text;
  };

  const stop = async () => {
    killQemu(child.pid);
    await exited;
    await closeLog();
  };
  return { pid: child.pid, runDir, logFile, marks, elapsed, waitForLine, xl, readDom0File, stop, exited };
}
