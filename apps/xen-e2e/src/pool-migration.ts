// Issue 19's live migration across two real Xen hosts, run by pool-ha.e2e.spec.ts on its pool:
// a PVH guest on the pool's shared storage (its disk an extent of the LUN both hosts see) that
// prints a numbered tick with its uptime five times a second (xen-lab/guest/init.sh, `xp.tick`)
// moves from host A to host B through the agents' own channel (the scheduler's migrate operation:
// PrepareIncomingMigration on B, MigrateDomain on A, ReceiveMigration and `xl migrate-receive` on
// B), then back. After each move: one domain with the VM's uuid, on the host the API names, none
// on the other; the ticks go on from where they were; the downtime is the longest gap between
// two ticks across the move, as the guest's own clock saw it. Its root disk is a clone of an
// uploaded image (copied into its extent at the first build); a reboot on A after both moves shows
// the marker the guest wrote on it at its first boot: the disk moved with it.
import { createHash } from 'node:crypto';
import { type Cloud, waitFor } from '@xenplane/testing';
import type { PoolHost } from './pool-host';
import { guestReport } from './storage-story';

export interface MigrationLab {
  cloud: Cloud;
  /** the pool's two hosts, and their ids in the control plane */
  hosts: PoolHost[];
  idOf: (h: PoolHost) => string;
  stamp: (what: string) => void;
}

export interface Tick {
  n: number;
  uptime: number;
}

/** The guest's ticks in a console text, in order (`tick <n> <uptime>`). */
export function ticksOf(text: string): Tick[] {
  return [...text.matchAll(/^tick (\d+) (\d+(?:\.\d+)?)\s*$/gm)].map((m) => ({
    n: Number(m[1]),
    uptime: Number(m[2]),
  }));
}

/** the guest's pause between two ticks (init.sh: usleep 200000) */
const TICK_S = 0.2;

/**
 * What the guest saw of a move, from the ticks of the source's log and of the target's: whether its
 * count went on (no new boot: the first tick on the target follows the last on the source), and
 * the downtime, the longest time between two consecutive ticks around the move less the tick's own
 * 0.2 s.
 */
export function moveSeen(source: Tick[], target: Tick[]): { continued: boolean; downtimeS: number } {
  const last = source.at(-1);
  const first = target.find((t) => !last || t.n > last.n);
  if (!last || !first) return { continued: false, downtimeS: NaN };
  const continued = first.n > 1 && first.n <= last.n + 25 && first.uptime >= last.uptime;
  const near = [...new Map([...source, ...target].map((t) => [t.n, t])).values()]
    .filter((t) => Math.abs(t.n - last.n) <= 25)
    .sort((x, y) => x.n - y.n);
  // ticks neither log shows (printed before the target's console was read) count as down: an upper bound
  let longest = first.uptime - last.uptime;
  for (let i = 1; i < near.length; i++)
    if (near[i]!.n === near[i - 1]!.n + 1) longest = Math.max(longest, near[i]!.uptime - near[i - 1]!.uptime);
  return { continued, downtimeS: Math.max(0, longest - TICK_S) };
}

const CONSOLE_BYTES = 1024 * 1024;
const MARKER = 'xenplane-migrate';
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function liveMigrationStory(lab: MigrationLab): Promise<void> {
  const { cloud, hosts, idOf, stamp } = lab;
  const api = cloud.api;
  // xenconsoled names a domain's log by the domain's name when it appeared: a domain that migrated
  // in was `xp-<id>--incoming` then (xl renames it once it runs)
  const logOn = async (h: PoolHost, vmId: string) =>
    ((await h.dom0File(`/var/log/xen/guest-xp-${vmId}.log`)) ?? '') +
    ((await h.dom0File(`/var/log/xen/guest-xp-${vmId}--incoming.log`)) ?? '');

  // a 96 MB PVH guest (64 MB is too small for its kernel) booted with xp.tick
  expect((await api.post('/v1/flavors', { name: 'xp.mig96', vcpus: 1, memoryMb: 96, diskGb: 1 })).status).toBe(201);
  const tinyPvh = ((await api.get('/v1/images')).body.items as any[]).find((i) => i.name === 'tiny-pvh');
  const image = await api.post('/v1/images', {
    name: 'tick-pvh',
    guestType: 'pvh',
    kernel: tinyPvh.kernel,
    ramdisk: tinyPvh.ramdisk,
    cmdline: `${tinyPvh.cmdline} xp.tick`,
  });
  expect(image.status).toBe(201);
  // its content: 1 MiB whose first line is the guest's marker, copied into the VM's extent on the LUN
  const content = Buffer.alloc(1024 * 1024);
  content.write(`${MARKER} boot=0\n`);
  const uploaded = await api.putBytes(`/v1/images/${image.body.id}/file`, content, {
    'x-checksum-sha256': createHash('sha256').update(content).digest('hex'),
  });
  expect(uploaded.status).toBe(200);
  const created = await api.post('/v1/vms', { name: 'mover', flavor: 'xp.mig96', image: image.body.id });
  expect(created.status).toBe(202);
  const id = created.body.vms[0].id as string;
  const vm = await cloud.waitForVmState(id, 'running', 240_000);
  const a = hosts.find((h) => idOf(h) === vm.hostId)!;
  const b = hosts.find((h) => h !== a)!;
  const disk = await cloud.db.disk.findFirstOrThrow({ where: { vmId: id }, include: { storagePool: true } });
  expect(disk.storagePool?.kind).toBe('shared');
  expect(disk.offsetMb).not.toBeNull();
  // ticking, and its disk marked by its first boot
  await waitFor(
    'the guest ticking on its console, its disk marked',
    async () => {
      const text = await logOn(a, id);
      return ticksOf(text).length >= 5 && guestReport(text).wrote.length >= 1 ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1_000 },
  );
  // the image's content was copied into the extent: the guest reads its marker there
  expect(guestReport(await logOn(a, id))).toMatchObject({
    markers: [`${MARKER} boot=0`],
    wrote: [`${MARKER} boot=1`],
  });
  stamp(`migration: ${id} running on ${a.name}, ticking, its shared disk at ${disk.offsetMb} MiB`);

  const ticksOn = async (h: PoolHost) => ticksOf(await logOn(h, id)).sort((x, y) => x.n - y.n);
  const move = async (from: PoolHost, to: PoolHost) => {
    const before = (await ticksOn(from)).at(-1)!;
    const started = Date.now();
    const res = await api.post(`/v1/vms/${id}/actions`, { action: 'migrate', targetHostId: idOf(to) });
    expect(res.status).toBe(202);
    const op = await cloud.waitForOperation(res.body.id, 900_000);
    expect({ status: op.status, error: op.error }).toEqual({ status: 'succeeded', error: undefined });
    const tookMs = Date.now() - started;
    stamp(`migration: ${from.name} -> ${to.name} operation succeeded after ${secs(tookMs)}`);
    expect(await cloud.waitForVmState(id, 'running')).toMatchObject({ hostId: idOf(to) });
    expect(await to.domainsOf(id)).toHaveLength(1);
    expect(await from.domainsOf(id)).toEqual([]);
    // the guest goes on ticking on the target, counting from where it was
    const after = await waitFor(
      `ticks from ${id} on ${to.name}`,
      async () => {
        const t = await ticksOn(to);
        return t.filter((x) => x.n > before.n).length >= 5 ? t : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    const seen = moveSeen(await ticksOn(from), after);
    expect(seen.continued).toBe(true);
    stamp(
      `migration: ${from.name} -> ${to.name} in ${secs(tookMs)} (operation), guest downtime ${seen.downtimeS.toFixed(1)} s (longest gap in its ticks), ticks ${before.n} -> ${after.at(-1)!.n}`,
    );
    return { tookMs, downtimeS: seen.downtimeS };
  };

  await move(a, b);
  await move(b, a);

  // the disk is the one it wrote at its first boot, on A, before both moves
  const reboot = await api.post(`/v1/vms/${id}/actions`, { action: 'reboot' });
  expect(reboot.status).toBe(202);
  expect((await cloud.waitForOperation(reboot.body.id, 240_000)).status).toBe('succeeded');
  const report = await waitFor(
    'the rebooted guest to report its disk',
    async () => {
      const r = await api.get(`/v1/vms/${id}/console?bytes=${CONSOLE_BYTES}`);
      if (r.status !== 200) return undefined;
      const g = guestReport(r.body.output as string);
      return g.markers.includes(`${MARKER} boot=1`) ? g : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 2_000 },
  );
  expect(report.markers.at(-1)).toBe(`${MARKER} boot=1`);
  stamp(`migration: rebooted on ${a.name}, the guest found the marker it wrote before both moves`);

  expect((await api.delete(`/v1/vms/${id}`)).status).toBe(202);
  await cloud.waitForVmState(id, 'deleted', 180_000);
  for (const h of hosts) expect(await h.domainsOf(id)).toEqual([]);
}
