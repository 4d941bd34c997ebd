// Issue 15's "Real Xen" proof, run by control-plane.e2e.spec.ts against its Cloud and xen-lab:
// an image uploaded through the API boots a PVH guest whose root disk is a device-mapper
// snapshot in dom0 (loop over the cached image + loop over the VM's .cow) and whose config drive
// is an ISO; the guest's init (xen-lab/guest/init.sh) prints what it found on the drive and the
// first line of its xvda, then writes that line back with boot=N+1. Everything is read back
// through the API (GET /v1/vms/:id/console) and dom0's own tools (the lab's debug endpoint).
import { createHash, generateKeyPairSync } from 'node:crypto';
import { type ApiClient, type Cloud, StopWaiting, waitFor } from '@xenplane/testing';

/** What dom0 holds of one VM (or image) id: xen-lab/agent-lab.mjs's GET /storage?vm=<id>. */
export interface Dom0Storage {
  dm: string[];
  mapperNodes: string[];
  loops: string[];
  files: string[];
}

export interface StoryLab {
  cloud: Cloud;
  hostId: string;
  /** the lab's /storage for an id (lines and paths that name it) */
  dom0Storage: (id: string) => Promise<Dom0Storage>;
  /** `xl <args>` in dom0 */
  xl: (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
  dom0File: (path: string) => Promise<string | undefined>;
  stamp: (what: string) => void;
}

// the agent's storage dir in the lab (agent-lab.mjs's XL_WORK_DIR)
const WORK = '/var/lib/xenplane-agent/xl';
const MARKER = 'xenplane-image e2e';
// the whole console, whatever the number of boots xenconsoled appended (the API's maximum)
const CONSOLE_BYTES = 1024 * 1024;
const BOOT_TIMEOUT_MS = 150_000;
const OP_TIMEOUT_MS = 180_000;

/** An OpenSSH public key line for a fresh ed25519 key (what `ssh-keygen -t ed25519` prints). */
export function ed25519PublicKeyLine(comment: string): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

/** A small raw disk image whose first line is the guest's boot marker (boot=0): 1 MiB of it. */
function markerImage(): Buffer {
  const image = Buffer.alloc(1024 * 1024);
  image.write(`${MARKER} boot=0\n`);
  return image;
}

/** What the guest printed at each boot, oldest first (xenconsoled appends boots to one log). */
export interface GuestReport {
  hostnames: string[];
  ips: string[];
  keys: string[];
  markers: string[];
  wrote: string[];
}

export function guestReport(consoleText: string): GuestReport {
  const all = (re: RegExp) => [...consoleText.matchAll(re)].map((m) => m[1]!.trim());
  return {
    hostnames: all(/cidata hostname=([^\r\n]*)/g),
    ips: all(/cidata ip=([^\r\n]*)/g),
    keys: all(/cidata key=([^\r\n]*)/g),
    markers: all(/xvda marker=([^\r\n]*)/g),
    wrote: all(/xvda wrote=([^\r\n]*)/g),
  };
}

/**
 * The guest's report once its boot #n (1-based) on the host now running it has printed its drive
 * and disk and written its marker, read through the API (GET /v1/vms/:id/console); `seen` gets
 * each console text read (for failure messages). A host's console log holds the boots there only.
 */
export function consoleReport(
  api: ApiClient,
  vmId: string,
  n: number,
  { timeoutMs = BOOT_TIMEOUT_MS, seen }: { timeoutMs?: number; seen?: (text: string) => void } = {},
): Promise<GuestReport> {
  return waitFor(
    `boot #${n} of ${vmId} to report its drive and disk on the console (GET /v1/vms/:id/console)`,
    async () => {
      const res = await api.get(`/v1/vms/${vmId}/console?bytes=${CONSOLE_BYTES}`);
      // 409 (no domain yet) and 503 (the host slow to answer) are "not yet"
      if (res.status !== 200) return undefined;
      seen?.(res.body.output as string);
      const report = guestReport(res.body.output as string);
      return report.markers.length >= n && report.wrote.length >= n ? report : undefined;
    },
    { timeoutMs, intervalMs: 2000 },
  );
}

const secs = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

export async function storageStory(lab: StoryLab): Promise<void> {
  const { cloud, stamp } = lab;
  const api = cloud.api;
  const started = Date.now();
  /** the last console text read through the API, per VM: for failure messages */
  const lastConsole = new Map<string, string>();
  const tail = async (vmId: string) => {
    const seen =
      lastConsole.get(vmId) ?? (await lab.dom0File(`/var/log/xen/guest-xp-${vmId}.log`).catch(() => undefined)) ?? '';
    return `\nconsole of ${vmId} ends:\n${seen.split('\n').slice(-25).join('\n')}`;
  };
  const withTail = async <T>(vmId: string, p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (err) {
      throw new Error(`${(err as Error).message}${await tail(vmId)}`);
    }
  };

  const inState = (vmId: string, state: string) =>
    withTail(
      vmId,
      waitFor(
        `vm ${vmId} ${state}`,
        async () => {
          const v = (await api.get(`/v1/vms/${vmId}`)).body;
          if (v.state === 'error') throw new StopWaiting(`vm ${vmId} failed: ${JSON.stringify(v.error)}`);
          return v.state === state ? v : undefined;
        },
        { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 500 },
      ),
    );
  const succeeded = async (vmId: string, res: { status: number; body: any }, what: string) => {
    if (res.status !== 202) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    const since = Date.now();
    const opId = (res.body.operation?.id ?? res.body.id) as string;
    const op = await cloud.waitForOperation(opId, OP_TIMEOUT_MS);
    if (op.status !== 'succeeded')
      throw new Error(`${what}: operation ${op.status}: ${JSON.stringify(op)}${await tail(vmId)}`);
    stamp(`storage: ${what} of ${vmId.slice(0, 8)} succeeded in ${secs(since)}`);
    return op;
  };
  const act = (vmId: string, action: string) =>
    api.post(`/v1/vms/${vmId}/actions`, { action }).then((r) => succeeded(vmId, r, action));
  /** the guest's report once its boot #n (1-based) has printed and written its marker, via the API */
  const booted = (vmId: string, n: number) =>
    withTail(vmId, consoleReport(api, vmId, n, { seen: (text) => lastConsole.set(vmId, text) }));
  const deleted = (vmId: string) =>
    waitFor(
      `vm ${vmId} deleted`,
      async () => {
        const r = await api.get(`/v1/vms/${vmId}`);
        return r.status === 404 || r.body.state === 'deleted' ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
  const cow = (vmId: string) => `${WORK}/disks/${vmId}-xvda.cow`;
  const iso = (vmId: string) => `${WORK}/configs/${vmId}-cidata.iso`;
  /** dom0 has the VM's root disk assembled: its dm device and node, the .cow on a loop, the ISO */
  const expectAssembled = async (vmId: string) => {
    const s = await lab.dom0Storage(vmId);
    expect(s.dm.map((l) => l.split(/\s+/)[0])).toEqual([`xp-${vmId}-xvda`]);
    expect(s.mapperNodes).toEqual([`xp-${vmId}-xvda`]);
    expect(s.loops.filter((l) => l.includes(cow(vmId)))).toHaveLength(1);
    expect(s.files).toEqual(expect.arrayContaining([cow(vmId), iso(vmId), `${WORK}/configs/${vmId}.cfg`]));
    // xl reads the device itself (phy, no loop or qemu of its own), the drive read-only
    const cfg = (await lab.dom0File(`${WORK}/configs/${vmId}.cfg`)) ?? '';
    expect(cfg).toContain(`/dev/mapper/xp-${vmId}-xvda`);
    expect(cfg).toContain(`${vmId}-cidata.iso`);
    return s;
  };
  const inXlList = async (vmId: string) => {
    const r = await lab.xl('list');
    expect(r.code).toBe(0);
    return r.stdout.split('\n').find((l) => l.startsWith(`xp-${vmId} `));
  };

  // 1. the image: the tiny-pvh recipe (kernel, ramdisk, cmdline) with a raw disk holding the marker
  const tinyPvh = ((await api.get('/v1/images')).body.items as any[]).find((i) => i.name === 'tiny-pvh');
  expect(tinyPvh).toBeDefined();
  const made = await api.post('/v1/images', {
    name: 'e2e-marker',
    guestType: 'pvh',
    kernel: tinyPvh.kernel,
    ramdisk: tinyPvh.ramdisk,
    cmdline: tinyPvh.cmdline,
  });
  expect(made.status).toBe(201);
  const imageId = made.body.id as string;
  const content = markerImage();
  const sha256 = createHash('sha256').update(content).digest('hex');
  const uploaded = await api.putBytes(`/v1/images/${imageId}/file`, content, { 'x-checksum-sha256': sha256 });
  expect(uploaded.status).toBe(200);
  expect(uploaded.body).toMatchObject({ status: 'active', sizeBytes: content.length, sha256 });
  const key = ed25519PublicKeyLine('xen-e2e@lab');
  const userData = '#cloud-config\nruncmd:\n  - echo storage-e2e\n';
  stamp(`storage: image ${imageId} uploaded (${content.length} bytes)`);

  // 2. a PVH VM of it, with the key and user-data: the guest finds both and its disk's marker
  const t2 = Date.now();
  const created = await api.post('/v1/vms', {
    name: 'storage-e2e',
    flavor: 'xp.micro',
    image: imageId,
    sshKeys: [key],
    userData,
  });
  expect(created.status).toBe(202);
  const id = created.body.vms[0].id as string;
  await succeeded(id, { status: created.status, body: created.body.operations[0] }, 'create');
  const vm = await inState(id, 'running');
  expect(vm.hostId).toBe(lab.hostId);
  expect(vm.userDataBytes).toBe(Buffer.byteLength(userData));
  expect(vm.disks).toEqual([expect.objectContaining({ device: 'xvda', kind: 'root' })]);
  const ip = vm.addresses[0].ip as string;
  const mac = vm.addresses[0].mac as string;
  expect(ip).toMatch(/^10\.0\.\d+\.\d+$/);
  stamp(`storage: vm ${id} running as domId ${vm.domId} (${secs(t2)} after POST), ip ${ip}`);
  const first = await booted(id, 1);
  expect(first).toEqual({
    hostnames: ['storage-e2e'],
    ips: [ip],
    keys: [key],
    markers: [`${MARKER} boot=0`],
    wrote: [`${MARKER} boot=1`],
  });
  stamp(`storage: boot 1 read through the API (${secs(t2)} after POST): ${JSON.stringify(first)}`);
  expect(await inXlList(id)).toBeDefined();
  await expectAssembled(id);
  // the image reached the host (beside its checksum) and is shared read-only: one loop over it
  const cached = await lab.dom0Storage(imageId);
  expect(cached.files).toContain(`${WORK}/images/${imageId}.raw`);
  expect(cached.loops).toHaveLength(1);

  // 3. snapshot the running VM (paused and its dm device suspended while copying), then boot
  // once more (boot=1 -> 2), stop, revert: the next boot finds the disk as the snapshot had it
  const t3 = Date.now();
  const snap = await api.post(`/v1/vms/${id}/snapshots`, { name: 's1' });
  await succeeded(id, snap, 'snapshot s1');
  const s1 = snap.body.snapshot.id as string;
  expect((await api.get(`/v1/vms/${id}/snapshots/${s1}`)).body).toMatchObject({ name: 's1', state: 'available' });
  expect((await api.get(`/v1/vms/${id}`)).body.state).toBe('running');
  // running again, not left paused or with its disk suspended
  expect(await inXlList(id)).toMatch(/\s[rb-]{2}----\s/);
  expect((await lab.dom0Storage(id)).files).toContain(`${WORK}/snapshots/${id}/${s1}/xvda.cow`);
  stamp(`storage: snapshot s1 of the running vm taken (${secs(t3)})`);

  await act(id, 'stop');
  await inState(id, 'stopped');
  // stopped: the devices are gone, the disk files stay
  const stopped = await lab.dom0Storage(id);
  expect({ dm: stopped.dm, mapperNodes: stopped.mapperNodes, loops: stopped.loops }).toEqual({
    dm: [],
    mapperNodes: [],
    loops: [],
  });
  expect(stopped.files).toContain(cow(id));
  await act(id, 'start');
  await inState(id, 'running');
  const second = await booted(id, 2);
  expect(second.markers).toEqual([`${MARKER} boot=0`, `${MARKER} boot=1`]);
  expect(second.wrote[1]).toBe(`${MARKER} boot=2`);
  stamp(`storage: boot 2 found ${second.markers[1]} (${secs(t3)})`);

  await act(id, 'stop');
  await inState(id, 'stopped');
  const revert = await api.post(`/v1/vms/${id}/snapshots/${s1}/revert`);
  expect(revert.body).toMatchObject({ kind: 'snapshot_revert', vmId: id });
  await succeeded(id, revert, 'revert to s1');
  expect((await api.get(`/v1/vms/${id}`)).body.state).toBe('stopped');
  await act(id, 'start');
  await inState(id, 'running');
  const third = await booted(id, 3);
  // the disk as s1 had it (boot=1), not as boot 2 left it (boot=2)
  expect(third.markers).toEqual([`${MARKER} boot=0`, `${MARKER} boot=1`, `${MARKER} boot=1`]);
  expect(third.wrote[2]).toBe(`${MARKER} boot=2`);
  await expectAssembled(id);
  stamp(`storage: reverted to s1; boot 3 found ${third.markers[2]} (${secs(t3)})`);

  // 4. a clone of the stopped VM: its own id, MAC, IP, hostname and dm device, the source's disk
  const t4 = Date.now();
  await act(id, 'stop');
  await inState(id, 'stopped');
  const cloned = await api.post(`/v1/vms/${id}/actions`, { action: 'clone' });
  expect(cloned.status).toBe(202);
  const cloneId = cloned.body.vm.id as string;
  expect(cloneId).not.toBe(id);
  await succeeded(cloneId, cloned, 'clone');
  const clone = await inState(cloneId, 'running');
  expect(clone).toMatchObject({ name: 'storage-e2e-clone-1', hostId: lab.hostId, clonedFromId: id });
  const cloneIp = clone.addresses[0].ip as string;
  const cloneMac = clone.addresses[0].mac as string;
  expect(cloneIp).not.toBe(ip);
  expect(cloneMac).not.toBe(mac);
  const cloneBoot = await booted(cloneId, 1);
  expect(cloneBoot).toEqual({
    hostnames: ['storage-e2e-clone-1'],
    ips: [cloneIp],
    keys: [key],
    // the source's disk as its last boot left it
    markers: [`${MARKER} boot=2`],
    wrote: [`${MARKER} boot=3`],
  });
  await expectAssembled(cloneId);
  // the clone's vif carries its own MAC in Xen
  const vifs = await lab.xl('network-list', `xp-${cloneId}`);
  expect(vifs.code).toBe(0);
  expect(vifs.stdout.toLowerCase()).toContain(cloneMac.toLowerCase());
  stamp(`storage: clone ${cloneId} running, boot 1 found ${cloneBoot.markers[0]}, ip ${cloneIp} (${secs(t4)})`);

  // 5. delete: the snapshot, then both VMs; dom0 keeps nothing of them, only the cached image
  const t5 = Date.now();
  const dropped = await api.delete(`/v1/vms/${id}/snapshots/${s1}`);
  expect(dropped.body).toMatchObject({ kind: 'snapshot_delete' });
  await succeeded(id, dropped, 'delete s1');
  expect((await lab.dom0Storage(id)).files.filter((f) => f.includes('/snapshots/'))).toEqual([]);
  for (const vmId of [id, cloneId]) {
    expect((await api.delete(`/v1/vms/${vmId}`)).status).toBe(202);
    await deleted(vmId);
  }
  for (const vmId of [id, cloneId]) {
    expect(await lab.dom0Storage(vmId)).toEqual({ dm: [], mapperNodes: [], loops: [], files: [] });
    expect(await inXlList(vmId)).toBeUndefined();
  }
  // the image stays cached for the next VM, with no device left on it
  expect(await lab.dom0Storage(imageId)).toEqual({ dm: [], mapperNodes: [], loops: [], files: cached.files });
  stamp(`storage: snapshot and both vms deleted, nothing left in dom0 (${secs(t5)}); whole story ${secs(started)}`);
}
