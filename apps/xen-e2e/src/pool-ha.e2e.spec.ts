// Issue 19: HA on real hardware faults, on a pool of two real Xen hosts (xen-lab/pool-lab.mjs).
//   - a Cloud (API + scheduler as processes, fresh DB) with no simulated hosts;
//   - two xen-labs in agent mode at once, each its own QEMU with Xen 4.17, dom0 and the agent from
//     its Debian package, enrolled into the default pool; a pool link between the two dom0s (QEMU
//     socket networking) over which the agents are each other's witness (docs/HA.md);
//   - power loss: the QEMU of the host running a protected VM gets SIGKILL; the control plane
//     declares that host dead and restarts the VM on the other, which runs exactly one copy; the
//     host booted again (its state disk kept: the same agent identity) comes back `up` with no copy;
//   - the network cut: QMP cuts a host's management and pool links; its agent, lease run out and
//     its witness unreachable, fences the protected guest with a real `xl destroy` (gone from its
//     `xl list`, watched over the lab's own debug link) before the VM runs on the other host;
//     healed, the host is `up` again with no copy.
// Skipped, with the reason printed, when this machine cannot run the lab; under
// XENPLANE_REQUIRE_XEN=1 (CI) that fails instead (lab-requirements.ts).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Cloud, freePort, waitFor } from '@xenplane/testing';
import { labDescribe, ROOT } from './lab-requirements';
import { PoolHost } from './pool-host';

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

interface Host {
  id: string;
  name: string;
  state: string;
  address: string;
  peerAddress?: string | null;
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

  const hostRows = async () => (await cloud.api.get('/v1/hosts')).body.items as Host[];
  const hostState = async (name: string) => (await hostRows()).find((h) => h.name === name)?.state;
  const getVm = async (id: string) => (await cloud.api.get(`/v1/vms/${id}`)).body as Vm;
  const labOf = (hostId: string | null) => hosts.find((h) => ids.get(h.name) === hostId)!;
  const otherThan = (h: PoolHost) => hosts.find((x) => x !== h)!;

  /** a protected tiny PV VM, running, its guest up; returns it with the lab host it runs on */
  const protectedVm = async (name: string) => {
    const started = Date.now();
    const created = await cloud.api.post('/v1/vms', { name, flavor: 'xp.micro', image: 'tiny-pv', haPriority: 'high' });
    expect(created.status).toBe(202);
    const id = created.body.vms[0].id as string;
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
    return { id, vm, lab };
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
      stamp(`${h.name} up as ${row.id} at ${row.address} (peers dial ${row.peerAddress})`);
    }
  }, 600_000);

  afterAll(async () => {
    const clean = await Promise.all(hosts.map((h) => h.stop()));
    await cloud?.stop();
    expect(clean).toEqual(hosts.map(() => true));
    rmSync(dir, { recursive: true, force: true });
    stamp('done');
  }, 120_000);

  it('power loss: the host running a protected VM is SIGKILLed; the VM restarts on the other from the control plane, one copy; the host boots again up and clean', async () => {
    const { id, lab: a } = await protectedVm('ha-power');
    const b = otherThan(a);
    const aId = ids.get(a.name)!;

    const killedAt = Date.now();
    await a.powerLoss();
    stamp(`${a.name}: QEMU SIGKILLed (power loss)`);
    const vm = await restartedOn(id, b, a, false, 300_000);
    const downtime = Date.now() - killedAt;
    expect(await hostState(a.name)).toBe('down');
    stamp(`power loss: ${id} running on ${b.name} as domId ${vm.domId}, ${secs(downtime)} after ${a.name} died`);

    // A boots again: its state disk kept its identity, so it is the same host, back up, with no copy
    const bootAt = Date.now();
    await a.boot();
    await waitFor('the rebooted host up', async () => ((await hostState(a.name)) === 'up' ? true : undefined), {
      timeoutMs: 240_000,
      intervalMs: 500,
    });
    expect((await hostRows()).filter((h) => h.name === a.name).map((h) => h.id)).toEqual([aId]);
    expect(await a.domainsOf(id)).toEqual([]);
    expect(await b.domainsOf(id)).toEqual([{ domid: vm.domId, name: `xp-${id}` }]);
    expect(await getVm(id)).toMatchObject({ state: 'running', hostId: ids.get(b.name) });
    stamp(`${a.name} back up (same host id) ${secs(Date.now() - bootAt)} after its boot, holding no copy`);
    await deleteVm(id);
  }, 900_000);

  it('network cut: a host cut from the control plane and its peer fences its protected guest with xl destroy; the VM restarts on the other; healed, the host is clean', async () => {
    const { id, vm: before, lab: a } = await protectedVm('ha-cut');
    const b = otherThan(a);

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

    await a.setLinks(true);
    await waitFor('the healed host up', async () => ((await hostState(a.name)) === 'up' ? true : undefined), {
      timeoutMs: 240_000,
      intervalMs: 500,
    });
    expect(await a.domainsOf(id)).toEqual([]);
    expect(await b.domainsOf(id)).toEqual([{ domid: vm.domId, name: `xp-${id}` }]);
    stamp(`${a.name} healed: up ${secs(Date.now() - restartedAt)} after the restart, holding no copy`);
    await deleteVm(id);
  }, 900_000);
});
