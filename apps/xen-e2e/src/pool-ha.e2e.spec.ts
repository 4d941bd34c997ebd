// Issue 19: HA on real hardware faults, on a pool of two real Xen hosts (xen-lab/pool-lab.mjs).
//   - a Cloud (API + scheduler as processes, fresh DB) with no simulated hosts;
//   - two xen-labs in agent mode at once, each its own QEMU with Xen 4.17, dom0 and the agent from
//     its Debian package, enrolled into the default pool; a pool link between the two dom0s (QEMU
//     socket networking) over which the agents are each other's witness (docs/HA.md);
//   - power loss: the QEMU of the host running a protected VM gets SIGKILL; the control plane
//     declares that host dead and restarts the VM on the other, which runs exactly one copy; the
//     host booted again (its state disk kept: the same agent identity) comes back `up` with no copy;
//   - shared storage (docs/STORAGE.md): the pool's default storage pool is the lab's LUN
//     (/dev/xp-shared in both dom0s), so the VM's disks are extents on it, dm linear devices in
//     dom0; the guest (xen-lab/guest/init.sh) writes a boot counter on its xvda, and after the
//     restart on the other host it reads (its console through the API) what it wrote on the first;
//   - the network cut: QMP cuts a host's management and pool links; its agent, lease run out and
//     its witness unreachable, fences the protected guest with a real `xl destroy` (gone from its
//     `xl list`, watched over the lab's own debug link) before the VM runs on the other host;
//     healed, the host is `up` again with no copy.
//   - live migration (pool-migration.ts): a PVH guest on the LUN that prints a numbered tick moves
//     from one host to the other and back through the scheduler's migrate operation (the target
//     maps its shared disk first); one domain, on the host the API names; the ticks go on; the
//     downtime is the longest gap in them; after a reboot the guest finds what it wrote at its
//     first boot.
// Skipped, with the reason printed, when this machine cannot run the lab; under
// XENPLANE_REQUIRE_XEN=1 (CI) that fails instead (lab-requirements.ts).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Cloud, freePort, waitFor } from '@xenplane/testing';
import { labDescribe, ROOT } from './lab-requirements';
import { PoolHost } from './pool-host';
import { liveMigrationStory } from './pool-migration';
import { consoleReport } from './storage-story';

// Emulated Xen is slow (an xl call 0.1-0.5 s, `xl create` ~10 s, TLS in dom0 seconds): the cloud
// is patient with it, as in control-plane.e2e.spec.ts.
const LAB_TIMINGS: Record<string, string> = {
  HEARTBEAT_TIMEOUT_MS: '20000',
  AGENT_CALL_TIMEOUT_MS: '120000',
  JOB_LOCK_MS: '150000',
  STALLED_CHECK_MS: '5000',
  CONSOLE_TIMEOUT_MS: '20000',
};
// dead after 45 s of silence: the agent's fence timeout derived from it is ~36 s (docs/HA.md);
// shorter and a heartbeat held up by the emulation would look like a death
const POOL_LIVENESS = { heartbeatIntervalMs: 2_000, suspectAfterMs: 20_000, deadAfterMs: 45_000 };
// the pool lab's LUN, /dev/xp-shared in each dom0: 4096 MiB (xen-lab/pool-lab.mjs SHARED_DISK_MB),
// all of it handed out (the control plane keeps each extent, header included, within capacityGb
// x 1024 MiB): three 1 GiB disks with their 1 MiB headers at once
const LUN = { name: 'lun', kind: 'shared', devicePath: '/dev/xp-shared', capacityGb: 4, default: true };

interface Host {
  id: string;
  name: string;
  state: string;
  address: string;
}
interface Vm {
  id: string;
  state: string;
  hostId: string | null;
  domId: number | null;
  error?: unknown;
}

const t0 = Date.now();
const stamp = (what: string) =>
  process.stdout.write(`[pool-ha e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${what}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

labDescribe('HA on a pool of two real Xen hosts (xen-lab pool)', 'apps/host-agent/src/main.js', () => {
  let cloud: Cloud;
  const hosts: PoolHost[] = [];
  const dir = join(ROOT, 'xen-lab/work/pool', `ha-${process.pid}`);
  const ids = new Map<string, string>(); // host name -> host id
  const freedExtents = new Set<number>(); // where deleted VMs' disks were on the LUN (MiB)

  const hostRows = async () => (await cloud.api.get('/v1/hosts')).body.items as Host[];
  const hostState = async (name: string) => (await hostRows()).find((h) => h.name === name)?.state;
  const getVm = async (id: string) => (await cloud.api.get(`/v1/vms/${id}`)).body as Vm;
  const labOf = (hostId: string | null) => hosts.find((h) => ids.get(h.name) === hostId)!;
  const otherThan = (h: PoolHost) => hosts.find((x) => x !== h)!;

  /** the VM's disks as the control plane recorded them: their storage pool and extent */
  const extentsOf = async (vmId: string) =>
    (await cloud.db.disk.findMany({ where: { vmId }, include: { storagePool: true }, orderBy: { device: 'asc' } })).map(
      (d) => ({
        device: d.device,
        storagePool: d.storagePool?.name,
        offsetMb: d.offsetMb === null ? null : Number(d.offsetMb),
      }),
    );
  /** the dm devices dom0 holds of the VM (names only) */
  const dmOf = async (lab: PoolHost, vmId: string) =>
    (await lab.dom0Storage(vmId)).dm.map((l) => l.split(/\s+/)[0]).sort();
  /** the guest's first boot on the host now running it, from its console read through the API */
  const firstBoot = async (vmId: string) => {
    const r = await consoleReport(cloud.api, vmId, 1, { timeoutMs: 180_000 });
    return { markers: r.markers, wrote: r.wrote };
  };
  /** where an operation's time went on the agent: each command it ran, in order, with its seconds */
  const agentCommands = async (opId: string) => {
    const t = (await cloud.api.get(`/v1/operations/${opId}/timeline`)).body as {
      steps?: { name: string; side: string; durationMs: number }[];
    };
    return (t.steps ?? [])
      .filter((st) => st.side === 'agent' && st.name.startsWith('xl '))
      .map((st) => `${st.name.slice(3)} ${(st.durationMs / 1000).toFixed(1)}`)
      .join(', ');
  };
  const operationOf = async (vmId: string, kind: string) =>
    ((await cloud.api.get(`/v1/operations?vmId=${vmId}&kind=${kind}`)).body.items as { id: string }[])[0]?.id;

  /** a protected tiny PV VM, running, its guest up; returns it with the lab host it runs on */
  const protectedVm = async (name: string, extra: Record<string, unknown> = {}) => {
    const started = Date.now();
    const created = await cloud.api.post('/v1/vms', {
      name,
      flavor: 'xp.micro',
      image: 'tiny-pv',
      haPriority: 'high',
      ...extra,
    });
    expect(created.status).toBe(202);
    const id = created.body.vms[0].id as string;
    const createOp = created.body.operations[0].id as string;
    const vm = await waitFor(
      `${name} running`,
      async () => {
        const v = await getVm(id);
        return v.state === 'running' || v.state === 'error' ? v : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    if (vm.state === 'error') throw new Error(`${name} failed: ${JSON.stringify(vm.error)}`);
    const lab = labOf(vm.hostId);
    expect(await lab.domainsOf(id)).toEqual([{ domid: vm.domId, name: `xp-${id}` }]);
    expect(await otherThan(lab).domainsOf(id)).toEqual([]);
    stamp(`${name} ${id} running on ${lab.name} as domId ${vm.domId} after ${secs(Date.now() - started)}`);
    return { id, vm, lab, createOp };
  };

  /** waits for the VM to run on `lab`, checking at every look that no other host runs a copy */
  const restartedOn = async (id: string, lab: PoolHost, other: PoolHost, otherAlive: boolean, timeoutMs: number) => {
    const overlaps: string[] = [];
    const vm = await waitFor(
      `vm ${id} running on ${lab.name}`,
      async () => {
        const v = await getVm(id);
        if (otherAlive && (await other.domainsOf(id)).length && (await lab.domainsOf(id)).length)
          overlaps.push(new Date().toISOString());
        return v.state === 'running' && v.hostId === ids.get(lab.name) ? v : undefined;
      },
      { timeoutMs, intervalMs: 1_000 },
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}\nvm: ${JSON.stringify(await getVm(id))}\nhosts: ${JSON.stringify(await hostRows())}`,
      );
    });
    expect(overlaps).toEqual([]);
    // exactly one copy, the VM's domId, on the host the API names
    expect(await lab.domainsOf(id)).toEqual([{ domid: vm.domId, name: `xp-${id}` }]);
    return vm;
  };

  const deleteVm = async (id: string) => {
    const extents = await extentsOf(id);
    expect((await cloud.api.delete(`/v1/vms/${id}`)).status).toBe(202);
    await waitFor(
      `vm ${id} deleted`,
      async () => {
        const r = await cloud.api.get(`/v1/vms/${id}`);
        return r.status === 404 || r.body.state === 'deleted' ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    for (const h of hosts) expect(await h.domainsOf(id)).toEqual([]);
    // nor a mapping of its extents
    for (const h of hosts) expect(await dmOf(h, id)).toEqual([]);
    for (const e of extents) if (e.offsetMb !== null) freedExtents.add(e.offsetMb);
  };

  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    cloud = await Cloud.start({
      hosts: 0,
      env: LAB_TIMINGS,
      liveness: POOL_LIVENESS,
      echo: process.env['XEN_LAB_ECHO'] ? process.stdout : undefined,
    });
    stamp(`cloud up at ${cloud.apiUrl}`);
    const poolId = await cloud.defaultPoolId();
    // the pool's default storage pool: the LUN both hosts see, so every VM's disks are on it
    const lun = await cloud.api.post(`/v1/pools/${poolId}/storage-pools`, LUN);
    expect({ status: lun.status, body: lun.body }).toMatchObject({
      status: 201,
      body: { name: 'lun', kind: 'shared', isDefault: true, devicePath: '/dev/xp-shared', capacity: { totalGb: 4 } },
    });
    const apiPort = new URL(cloud.apiUrl).port;
    const udpPorts = [await freePort(), await freePort()];
    for (const index of [0, 1]) {
      const token = await cloud.api.post('/v1/hosts/enrollment-tokens', { poolId });
      expect(token.status).toBe(201);
      hosts.push(
        new PoolHost({
          index,
          dir,
          udpPorts,
          say: stamp,
          agentEnv: {
            AGENT_CONTROL_PLANE_URL: `http://10.0.2.2:${apiPort}`,
            AGENT_ENROLLMENT_TOKEN: token.body.token,
            AGENT_NAME: `xen-pool-${'ab'[index]}`,
            LOG_LEVEL: 'info',
          },
        }),
      );
    }
    await Promise.all(hosts.map((h) => h.boot()));
    for (const h of hosts) {
      const row = await waitFor(
        `${h.name} up`,
        async () => {
          const r = (await hostRows()).find((x) => x.name === h.name);
          return r?.state === 'up' ? r : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 500 },
      );
      ids.set(h.name, row.id);
      // the API does not show it: the address the agent reported for its peers (the pool link)
      const peer = (await cloud.db.host.findUnique({ where: { id: row.id } }))?.peerAddress;
      stamp(`${h.name} up as ${row.id} at ${row.address} (peers dial ${peer})`);
    }
  }, 600_000);

  afterAll(async () => {
    const clean = await Promise.all(hosts.map((h) => h.stop()));
    await cloud?.stop();
    expect(clean).toEqual(hosts.map(() => true));
    rmSync(dir, { recursive: true, force: true });
    stamp('done');
  }, 120_000);

  it('power loss: the host running a protected VM is SIGKILLed; the VM restarts on the other from the control plane, one copy, on the disks it had; the host boots again up and clean', async () => {
    // a data disk too: two extents of the LUN mapped at once on each host
    const { id, lab: a, createOp } = await protectedVm('ha-power', { disks: [{ sizeGb: 1 }] });
    const b = otherThan(a);
    const aId = ids.get(a.name)!;
    const extents = await extentsOf(id);
    expect(extents).toEqual([
      { device: 'xvda', storagePool: 'lun', offsetMb: expect.any(Number) },
      { device: 'xvdb', storagePool: 'lun', offsetMb: expect.any(Number) },
    ]);
    expect(await dmOf(a, id)).toEqual([`xp-${id}-xvda`, `xp-${id}-xvdb`]);
    // a new extent is zeroed: the first boot finds a blank xvda and writes boot=1 on it
    expect(await firstBoot(id)).toEqual({ markers: [''], wrote: ['blank-disk boot=1'] });
    stamp(
      `ha-power's first boot on ${a.name}: xvda blank, wrote "blank-disk boot=1"; extents ${JSON.stringify(extents)}; ` +
        `its build's commands on ${a.name} (s): ${await agentCommands(createOp)}`,
    );

    const killedAt = Date.now();
    await a.powerLoss();
    stamp(`${a.name}: QEMU SIGKILLed (power loss)`);
    const vm = await restartedOn(id, b, a, false, 300_000);
    const downtime = Date.now() - killedAt;
    expect(await hostState(a.name)).toBe('down');
    stamp(`power loss: ${id} running on ${b.name} as domId ${vm.domId}, ${secs(downtime)} after ${a.name} died`);
    // B built it on the same extents, kept (not wiped): the guest finds what it wrote on A
    expect(await extentsOf(id)).toEqual(extents);
    expect(await dmOf(b, id)).toEqual([`xp-${id}-xvda`, `xp-${id}-xvdb`]);
    expect(await firstBoot(id)).toEqual({ markers: ['blank-disk boot=1'], wrote: ['blank-disk boot=2'] });
    const restartOp = await operationOf(id, 'ha_restart');
    stamp(
      `ha-power's first boot on ${b.name}: xvda marker "blank-disk boot=1" (written on ${a.name}), wrote "blank-disk boot=2"` +
        (restartOp ? `; the restart's commands on ${b.name} (s): ${await agentCommands(restartOp)}` : ''),
    );

    // A boots again: its state disk kept its identity, so it is the same host, back up, with no copy
    const bootAt = Date.now();
    await a.boot();
    await waitFor('the rebooted host up', async () => ((await hostState(a.name)) === 'up' ? true : undefined), {
      timeoutMs: 240_000,
      intervalMs: 500,
    });
    expect((await hostRows()).filter((h) => h.name === a.name).map((h) => h.id)).toEqual([aId]);
    expect(await a.domainsOf(id)).toEqual([]);
    expect(await dmOf(a, id)).toEqual([]);
    expect(await b.domainsOf(id)).toEqual([{ domid: vm.domId, name: `xp-${id}` }]);
    expect(await getVm(id)).toMatchObject({ state: 'running', hostId: ids.get(b.name) });
    stamp(`${a.name} back up (same host id) ${secs(Date.now() - bootAt)} after its boot, holding no copy`);
    await deleteVm(id);
  }, 900_000);

  it('network cut: a host cut from the control plane and its peer fences its protected guest with xl destroy; the VM restarts on the other; healed, the host is clean', async () => {
    const { id, vm: before, lab: a } = await protectedVm('ha-cut');
    const b = otherThan(a);
    const [extent] = await extentsOf(id);
    expect(extent).toEqual({ device: 'xvda', storagePool: 'lun', offsetMb: expect.any(Number) });
    // blank, even on an extent a deleted VM wrote on (the power-loss test's, first fit): wiped
    expect(await firstBoot(id)).toEqual({ markers: [''], wrote: ['blank-disk boot=1'] });
    stamp(
      `ha-cut's first boot on ${a.name}: xvda blank on the extent at ${extent!.offsetMb} MiB` +
        (freedExtents.has(extent!.offsetMb!) ? ' (a deleted VM’s, its boot=2 wiped)' : ''),
    );

    const cutAt = Date.now();
    await a.setLinks(false);
    stamp(`${a.name}: management and pool links cut (QMP set_link off)`);
    // A's own view, over its debug link: the domain is destroyed by A's agent (nobody else can reach A)
    const fencedAt = await waitFor(
      `${a.name} to fence ${id}`,
      async () => ((await a.domainsOf(id)).length === 0 ? Date.now() : undefined),
      { timeoutMs: 180_000, intervalMs: 1_000 },
    );
    // fenced before the control plane restarted it: no copy on the other host yet
    const atFence = await getVm(id);
    expect(atFence.state === 'running' && atFence.hostId === ids.get(b.name)).toBe(false);
    const log = readFileSync(a.serialLog, 'utf8');
    expect(log).toMatch(/no heartbeat within the fence timeout: stopping HA-protected domains/);
    stamp(
      `${a.name} fenced ${id} (domId ${before.domId} gone from its xl list) ${secs(fencedAt - cutAt)} after the cut`,
    );

    const vm = await restartedOn(id, b, a, true, 300_000);
    const restartedAt = Date.now();
    expect(await hostState(a.name)).toBe('down');
    stamp(`network cut: ${id} running on ${b.name} as domId ${vm.domId}, ${secs(restartedAt - cutAt)} after the cut`);
    // fenced on A, built again on B on the same extent: what the guest wrote on A is there
    expect(await extentsOf(id)).toEqual([extent]);
    expect(await firstBoot(id)).toEqual({ markers: ['blank-disk boot=1'], wrote: ['blank-disk boot=2'] });
    stamp(
      `ha-cut's first boot on ${b.name}: xvda marker "blank-disk boot=1" (written on ${a.name}), wrote "blank-disk boot=2"`,
    );

    await a.setLinks(true);
    await waitFor('the healed host up', async () => ((await hostState(a.name)) === 'up' ? true : undefined), {
      timeoutMs: 240_000,
      intervalMs: 500,
    });
    expect(await a.domainsOf(id)).toEqual([]);
    // the fence took A's mapping of the extent down with the domain: B alone holds the disk
    expect(await dmOf(a, id)).toEqual([]);
    expect(await dmOf(b, id)).toEqual([`xp-${id}-xvda`]);
    expect(await b.domainsOf(id)).toEqual([{ domid: vm.domId, name: `xp-${id}` }]);
    stamp(`${a.name} healed: up ${secs(Date.now() - restartedAt)} after the restart, holding no copy`);
    await deleteVm(id);
  }, 900_000);

  it("live migration: a running PVH guest on the shared LUN moves A -> B -> A through the agents' channel, its ticks going on, its disk with it", async () => {
    await liveMigrationStory({ cloud, hosts, idOf: (h) => ids.get(h.name)!, stamp });
  }, 1_800_000);
});
