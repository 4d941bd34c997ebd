// HA restarts (the HA issue's benchmark): a host holding 100 HA-protected VMs dies (its agent
// SIGKILLed) in a 20-host pool; time from its last answered heartbeat until all 100 run elsewhere.
//   The cloud runs on production timings (the scheduler's and agents' defaults) and the pool on
//   its default liveness (heartbeat 2 s, suspect 6 s, dead 12 s); SIM_BOOT_MS at its default
//   (200 ms) unless --boot-ms. hosts-1 simulated hosts share one fleet agent process; the victim
//   is a host in an agent process of its own (Cloud.addHost), the only one killed. It has 32 CPUs
//   (the others 16) so that 100 one-vCPU VMs fit on it under the pool's cpu allocation ratio 4.
//   Each run, in the same cloud: the previous run's VMs deleted; the other hosts put in
//   maintenance (without evacuation: they are empty), so the VMs can only be placed on the
//   victim; 100 VMs created (xp.micro, a third each high / medium / low priority: 34/33/33),
//   all running on the victim; the other hosts enabled, then a settle of 3 heartbeat intervals;
//   the victim SIGKILLed; wait until all 100 are `running` on other hosts. Then the victim is
//   restarted (it comes back empty: its simulated watchdog reset it at the fence timeout), and
//   the run is checked: every VM has exactly one live domain across all 20 hosts' own records,
//   on the host the database says, none overlapping another copy, and exactly one ha_restart
//   operation, succeeded.
//   All times are Postgres's clock: the victim's last heartbeat is hosts.last_heartbeat_at once
//   it is declared (the monitor stamps it after the host answered and never again after the
//   kill); declared is its host.state `down` event; running is each VM's vm.state `running` event.
//   detection_s = declared - last heartbeat; restart_s = last running - declared; total_s both.
//   Also, from declared: first/last_claim_s (a restart's claim on its new host, its vm.state
//   `recovering` event there), first_running_s, high_s/medium_s/low_s (the last of each priority
//   running); per VM, the median of declared -> taken up by a worker (taken_up_p50_s) and of
//   claimed -> running (claim_to_running_p50_s: boot, the host's operation limit); hb_to_kill_s,
//   when the kill came after the last heartbeat; load1, the machine's load average at the kill.
//   p99 of 5 runs is their maximum.
// Run: node scripts/build.mjs && node dist/bench/ha-restart.js [--runs 5] [--vms 100] [--hosts 20] [--boot-ms 200]
import { loadavg } from 'node:os';
import type { Prisma } from '@xenplane/db';
import { Cloud, type HostProcess, waitFor } from '@xenplane/testing';
import { benchArgs } from './args';
import { percentile, report, round } from './report';

const args = benchArgs(['runs', 'vms', 'hosts', 'boot-ms']);
const arg = args.num;

const PRIORITIES = ['high', 'medium', 'low'] as const;
type Priority = (typeof PRIORITIES)[number];

interface Setup {
  cloud: Cloud;
  victim: HostProcess;
  others: { id: string; name: string }[];
  api: Cloud['api'];
  projectId: string;
  vms: number;
  settleMs: number;
}

interface RunResult {
  row: Record<string, number | string>;
  totalS: number;
  detectionS: number;
  restartS: number;
}

async function main() {
  const runs = arg('runs', 5);
  const vms = arg('vms', 100);
  const hosts = arg('hosts', 20);
  const bootMs = args.maybe('boot-ms') === undefined ? undefined : String(arg('boot-ms', 200));
  const cloud = await Cloud.start({
    hosts: hosts - 1,
    timings: 'production',
    logLevel: 'warn',
    ...(bootMs !== undefined ? { agentEnv: { SIM_BOOT_MS: bootMs } } : {}),
  });
  try {
    const poolId = await cloud.defaultPoolId();
    const pool = (await cloud.db.pool.findUniqueOrThrow({ where: { id: poolId } })) as {
      heartbeatIntervalMs: number;
      suspectAfterMs: number;
      deadAfterMs: number;
    };
    const liveness = {
      heartbeatIntervalMs: pool.heartbeatIntervalMs,
      suspectAfterMs: pool.suspectAfterMs,
      deadAfterMs: pool.deadAfterMs,
    };
    const victim = await cloud.addHost('victim', { env: { SIM_CPUS: '32' } });
    const others = (
      await cloud.db.host.findMany({ where: { poolId, id: { not: victim.id } }, select: { id: true, name: true } })
    ).sort((a, b) => a.name.localeCompare(b.name));
    if (others.length !== hosts - 1) throw new Error(`expected ${hosts - 1} other hosts, found ${others.length}`);
    const project = await cloud.api.post('/v1/projects', {
      name: 'ha-bench',
      quota: { instances: 100_000, vcpus: 1_000_000, memoryMb: 1_000_000_000, diskGb: 1_000_000 },
    });
    const token = (await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 'ha-bench', role: 'member' }))
      .body.token;
    const setup: Setup = {
      cloud,
      victim,
      others,
      api: cloud.api.withToken(token),
      projectId: project.body.id,
      vms,
      settleMs: 3 * liveness.heartbeatIntervalMs,
    };

    const results: RunResult[] = [];
    let previous: string[] = [];
    for (let run = 1; run <= runs; run++) {
      const { result, vmIds } = await oneRun(setup, run, previous);
      results.push(result);
      previous = vmIds;
      console.error(`run ${run}: ${JSON.stringify(result.row)}`);
    }
    const sorted = (f: (r: RunResult) => number) => results.map(f).sort((a, b) => a - b);
    const summary = (p: number, label: string) => ({
      run: label,
      detection_s: round(
        percentile(
          sorted((r) => r.detectionS),
          p,
        ),
        2,
      ),
      restart_s: round(
        percentile(
          sorted((r) => r.restartS),
          p,
        ),
        2,
      ),
      total_s: round(
        percentile(
          sorted((r) => r.totalS),
          p,
        ),
        2,
      ),
    });
    report(
      'ha-restart',
      [
        ...results.map((r) => r.row),
        summary(50, `p50 of ${runs}`),
        summary(99, runs < 100 ? `p99 of ${runs} (= max)` : `p99 of ${runs}`),
      ],
      {
        hosts,
        vms,
        priorities: priorityCounts(vms),
        liveness,
        simBootMs: bootMs ?? 'default (200)',
        timings: 'production',
        goal: { totalSeconds: 20 },
        note: 'detection_s: last answered heartbeat -> declared dead; restart_s: declared -> all running; the p99 of fewer than 100 runs is their maximum',
      },
    );
  } finally {
    await cloud.stop();
  }
}

function priorityCounts(vms: number): Record<Priority, number> {
  const third = Math.floor(vms / 3);
  return { high: vms - 2 * third, medium: third, low: third };
}

async function oneRun(s: Setup, run: number, previous: string[]): Promise<{ result: RunResult; vmIds: string[] }> {
  const { cloud, victim, others } = s;
  // the previous run's VMs gone: this run starts from empty hosts
  if (previous.length) {
    for (const id of previous) {
      const res = await s.api.delete(`/v1/vms/${id}`);
      if (res.status !== 202) throw new Error(`delete ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    await waitFor(
      'the previous VMs deleted',
      async () =>
        (await cloud.db.vm.count({ where: { id: { in: previous }, state: { not: 'deleted' } } })) === 0
          ? true
          : undefined,
      { timeoutMs: 120_000 },
    );
  }
  // only the victim may take new VMs
  for (const h of others) {
    const res = await cloud.api.post(`/v1/hosts/${h.id}/maintenance`, { evacuate: false });
    if (res.status !== 200) throw new Error(`maintenance ${h.name}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const counts = priorityCounts(s.vms);
  const priorityOf = new Map<string, Priority>();
  for (const p of PRIORITIES) {
    if (!counts[p]) continue;
    const res = await s.api.post('/v1/vms', {
      name: `r${run}-${p}`,
      flavor: 'xp.micro',
      image: 'tiny-pv',
      haPriority: p,
      count: counts[p],
    });
    if (res.status !== 202) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    for (const v of res.body.vms) priorityOf.set(v.id, p);
  }
  const vmIds = [...priorityOf.keys()];
  await waitFor(
    `${vmIds.length} VMs running on the victim`,
    async () => {
      const rows = await cloud.db.vm.findMany({ where: { id: { in: vmIds } }, select: { state: true, hostId: true } });
      if (rows.some((v) => v.state === 'error')) throw new Error('a VM went into error while being created');
      return rows.every((v) => v.state === 'running' && v.hostId === victim.id) ? true : undefined;
    },
    { timeoutMs: 120_000 },
  );
  for (const h of others) {
    const res = await cloud.api.post(`/v1/hosts/${h.id}/enable`, {});
    if (res.status !== 200) throw new Error(`enable ${h.name}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  // a pool in its steady state: every host up and heard, the schedulers' capacity caches current
  await new Promise((r) => setTimeout(r, s.settleMs));
  const up = await cloud.db.host.count({ where: { id: { in: [victim.id, ...others.map((h) => h.id)] }, state: 'up' } });
  if (up !== others.length + 1) throw new Error(`only ${up} of ${others.length + 1} hosts up before the kill`);
  // its witnesses known (a heartbeat it answered named them): they are whom the control plane asks
  await waitFor('the victim knows its witnesses', async () => {
    const row = await cloud.db.host.findUniqueOrThrow({ where: { id: victim.id } });
    return row.witnessIds.length === Math.min(5, others.length) ? true : undefined;
  });

  const mark = (await cloud.db.event.aggregate({ _max: { id: true } }))._max.id ?? 0n;
  const load1 = loadavg()[0]!;
  const [{ now: beforeKill }] = await cloud.db.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
  await victim.kill();

  const failedOps = (): Prisma.OperationWhereInput => ({
    kind: 'ha_restart',
    vmId: { in: vmIds },
    status: { in: ['failed', 'cancelled'] },
  });
  await waitFor(
    `${vmIds.length} VMs running on other hosts`,
    async () => {
      if ((await cloud.db.operation.count({ where: failedOps() })) > 0)
        throw new Error('an ha_restart failed or was cancelled');
      const n = await cloud.db.vm.count({ where: { id: { in: vmIds }, state: 'running', hostId: { not: victim.id } } });
      return n === vmIds.length ? true : undefined;
    },
    { timeoutMs: 180_000 },
  );

  const host = await cloud.db.host.findUniqueOrThrow({ where: { id: victim.id } });
  const events = await cloud.db.event.findMany({
    where: { id: { gt: mark }, resourceId: { in: [victim.id, ...vmIds] } },
    orderBy: { id: 'asc' },
  });
  const down = events.find(
    (e) => e.resourceId === victim.id && e.type === 'host.state' && (e.data as { state?: string }).state === 'down',
  );
  if (!host.lastHeartbeatAt || !down) throw new Error('the victim has no last heartbeat or was never declared down');
  const lastHeartbeat = host.lastHeartbeatAt.getTime();
  const declared = down.createdAt.getTime();
  const runningAt = new Map<string, number>();
  const claimedAt = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'vm.state') continue;
    const d = e.data as { state: string; hostId?: string | null };
    if (d.state === 'running') runningAt.set(e.resourceId, e.createdAt.getTime());
    if (d.state === 'recovering' && d.hostId && d.hostId !== victim.id)
      claimedAt.set(e.resourceId, e.createdAt.getTime());
  }
  if (runningAt.size !== vmIds.length || claimedAt.size !== vmIds.length)
    throw new Error(`of ${vmIds.length} VMs, ${claimedAt.size} have a claim event, ${runningAt.size} a running event`);
  const ops = await cloud.db.operation.findMany({ where: { kind: 'ha_restart', vmId: { in: vmIds } } });
  const vmRows = await cloud.db.vm.findMany({ where: { id: { in: vmIds } }, select: { id: true, hostId: true } });

  // the victim back (empty: its watchdog reset it), so that its own record of domains can be read
  await victim.restart();
  await victim.waitUntilUp(60_000);
  await checkRun(s, vmIds, ops, vmRows);

  const sec = (ms: number) => round(ms / 1000, 2);
  const firstRunning = Math.min(...runningAt.values());
  const lastRunning = Math.max(...runningAt.values());
  const lastOf = (p: Priority) =>
    Math.max(...vmIds.filter((id) => priorityOf.get(id) === p).map((id) => runningAt.get(id)!));
  const started = ops.map((o) => o.startedAt!.getTime());
  const perHost = new Map<string, number>();
  for (const v of vmRows) perHost.set(v.hostId!, (perHost.get(v.hostId!) ?? 0) + 1);
  const median = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      50,
    );
  const row: Record<string, number | string> = {
    run,
    load1: round(load1, 2),
    hb_to_kill_s: sec(beforeKill.getTime() - lastHeartbeat),
    detection_s: sec(declared - lastHeartbeat),
    first_claim_s: sec(Math.min(...claimedAt.values()) - declared),
    last_claim_s: sec(Math.max(...claimedAt.values()) - declared),
    first_running_s: sec(firstRunning - declared),
    high_s: sec(lastOf('high') - declared),
    medium_s: sec(lastOf('medium') - declared),
    low_s: sec(lastOf('low') - declared),
    restart_s: sec(lastRunning - declared),
    total_s: sec(lastRunning - lastHeartbeat),
    // where the restart phase goes, per VM (median): declared -> taken up by a worker; claimed -> running
    taken_up_p50_s: sec(median(started.map((t) => t - declared))),
    claim_to_running_p50_s: sec(median(vmIds.map((id) => runningAt.get(id)! - claimedAt.get(id)!))),
    hosts_used: perHost.size,
    max_per_host: Math.max(...perHost.values()),
  };
  return {
    result: {
      row,
      totalS: (lastRunning - lastHeartbeat) / 1000,
      detectionS: (declared - lastHeartbeat) / 1000,
      restartS: (lastRunning - declared) / 1000,
    },
    vmIds,
  };
}

/** Exactly one succeeded ha_restart per VM, and exactly one live domain per VM across all hosts' own records, never two at once. */
async function checkRun(
  s: Setup,
  vmIds: string[],
  ops: { vmId: string | null; status: string }[],
  vmRows: { id: string; hostId: string | null }[],
): Promise<void> {
  const problems: string[] = [];
  for (const id of vmIds) {
    const mine = ops.filter((o) => o.vmId === id);
    if (mine.length !== 1 || mine[0]!.status !== 'succeeded')
      problems.push(`${id}: ha_restart ${JSON.stringify(mine.map((o) => o.status))}`);
  }
  const names = ['victim', ...s.others.map((h) => h.name)];
  const hostName = new Map([[s.victim.id, 'victim'], ...s.others.map((h): [string, string] => [h.id, h.name])]);
  const wanted = new Set(vmIds);
  const lives = (await s.cloud.domainLives({ hosts: names })).filter(
    (l) => wanted.has(l.vmId) && l.endReason !== 'create_aborted',
  );
  for (const v of vmRows) {
    const mine = lives.filter((l) => l.vmId === v.id).sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime());
    const alive = mine.filter((l) => !l.endedAt);
    if (alive.length !== 1 || alive[0]!.host !== hostName.get(v.hostId!) || alive[0]!.host === 'victim') {
      problems.push(
        `${v.id}: alive on ${JSON.stringify(alive.map((l) => l.host))}, database says ${hostName.get(v.hostId!) ?? v.hostId}`,
      );
    }
    for (let i = 1; i < mine.length; i++) {
      if (mine[i - 1]!.endedAt!.getTime() > mine[i]!.createdAt!.getTime())
        problems.push(`${v.id}: a copy on ${mine[i]!.host} began before the one on ${mine[i - 1]!.host} ended`);
    }
  }
  if (problems.length) throw new Error(`run check failed:\n${problems.slice(0, 20).join('\n')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
