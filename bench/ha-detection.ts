// Detection at scale (issue 12): N simulated hosts, M scheduler replicas with only the monitor
// role (hosts shared among them by monitorOf over their Redis leases), production timings and the
// pool's default liveness (heartbeat 2 s, suspect 6 s, dead 12 s). 10 hosts die at once (the
// sim's HOST_DEAD fault through SimControl: every domain gone, the agent answers nothing); each
// must be declared dead within the dead timeout + 2 s of its last answered heartbeat, and no
// other host may be declared dead, suspect or unreachable meanwhile.
//   Per --hosts N, one cloud: the hosts in --fleets agent processes (fleet mode; default one per
//   500 hosts: they enroll side by side, and on a shared machine more processes get more of it). Per --monitors M, in that cloud: M fresh monitor
//   replicas started beside the running ones, then the old ones stopped (their hosts handed over
//   within a lease, never a moment without a monitor); then settled: every host up and heard
//   within the suspect timeout, and --settle-s more. Then a window of --window-s: each monitor
//   replica's CPU (utime+stime from /proc/<pid>/stat), its main thread's run-queue wait
//   (/proc/<pid>/schedstat: time it was runnable but waited for a CPU), the oldest heartbeat of
//   an up host (sampled every 2 s: an interval plus how late the rounds run), the fleet
//   processes' CPU and main-thread run-queue wait (they answer for the simulated hosts), then each
//   replica's RSS and VmHWM (peak since it started). Then the kill, and after it the victims
//   revived (faults cleared: they come back empty) and every host up again before the next M.
//   All times are Postgres's clock. last_hb: hosts.last_heartbeat_at once declared (stamped by
//   the monitor at the end of the round that heard the host, so up to a round after the answer:
//   detection_s is, if anything, short); declared: its host.state `down` event. detection_s =
//   declared - last_hb (goal: <= dead timeout + 2 s = 14 s); kill_to_down_s = declared - the
//   kill (the fault injected, all 10 at once). false_suspect / false_dead: host.state events
//   suspect or unreachable / down of other hosts from the start of the window until 5 s after the
//   last victim was declared; partitioned: pool.partitioned events meanwhile (more than half of
//   the pool silent by Postgres's heartbeat ages: the monitor assumes it is cut off itself and
//   declares no host dead until the pool answers again). load1: /proc/loadavg at the kill (other work shares this machine).
// Run: node scripts/build.mjs && ulimit -n 20000 && node dist/bench/ha-detection.js --hosts 200 --monitors 1
//   [--hosts 2000,5000] [--monitors 1,3,6] [--fleets 2] [--kill 10] [--settle-s 20] [--window-s 30]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { FaultKind } from '@xenplane/proto';
import { Cloud, type ManagedProcess, waitFor } from '@xenplane/testing';
import { cpuBetween, cpuSeconds, sampleCpu } from './process-cpu';
import { percentile, report, round } from './report';

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '200' },
    monitors: { type: 'string', default: '1' },
    fleets: { type: 'string' },
    kill: { type: 'string', default: '10' },
    'settle-s': { type: 'string', default: '20' },
    'window-s': { type: 'string', default: '30' },
  },
});
const list = (s: string) =>
  s
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
const KILL = Number(args.kill);
const SETTLE_MS = Number(args['settle-s']) * 1000;
const WINDOW_MS = Number(args['window-s']) * 1000;
// a fleet agent process serves at most 5,000 hosts (AGENT_FLEET_SIZE); more processes enroll faster
const fleetsFor = (hosts: number) => (args.fleets ? Number(args.fleets) : Math.max(1, Math.ceil(hosts / 500)));

interface Liveness {
  heartbeatIntervalMs: number;
  suspectAfterMs: number;
  deadAfterMs: number;
}

/** The main thread's run-queue wait so far, in seconds (schedstat's second field, ns). */
function runqWaitOf(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return 0;
  }
}

function memoryOf(pid: number): { rssMb: number; hwmMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

async function pgNow(cloud: Cloud): Promise<number> {
  const [{ now }] = await cloud.db.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
  return now.getTime();
}

/** The oldest heartbeat of an up host, in seconds, and how many hosts are not up. */
async function heartbeatSpread(cloud: Cloud): Promise<{ maxAgeS: number; notUp: number }> {
  const [row] = await cloud.db.$queryRaw<{ max_age: number | null; not_up: bigint }[]>`
    SELECT max(extract(epoch FROM clock_timestamp() - last_heartbeat_at)) FILTER (WHERE state = 'up') AS max_age,
           count(*) FILTER (WHERE state <> 'up') AS not_up
    FROM hosts`;
  return { maxAgeS: Number(row!.max_age ?? Infinity), notUp: Number(row!.not_up) };
}

/** M fresh monitor replicas, started before the running ones stop, so that every host keeps a monitor. */
async function replaceMonitors(cloud: Cloud, m: number, liveness: Liveness): Promise<ManagedProcess[]> {
  const old = cloud.schedulers.splice(0);
  const fresh = await Promise.all(Array.from({ length: m }, () => cloud.addScheduler()));
  // ready, and holding a lease: the lease is 2.5 heartbeat intervals, renewed every interval
  await new Promise((r) => setTimeout(r, 3 * liveness.heartbeatIntervalMs));
  const dead = fresh.find((p) => !p.running);
  if (dead) throw new Error(`a monitor replica exited: ${dead.output().trim().split('\n').slice(-5).join('\n')}`);
  for (const p of old) await p.stop();
  return fresh;
}

/** Until every host is up and heard within the suspect timeout (at most 3 minutes: a monitor that never gets there is measured as it is), then SETTLE_MS. */
async function settle(cloud: Cloud, liveness: Liveness): Promise<{ settleS: number; settled: boolean }> {
  const started = Date.now();
  let settled = true;
  await waitFor(
    'every host up and heard within the suspect timeout',
    async () => {
      const s = await heartbeatSpread(cloud);
      return s.notUp === 0 && s.maxAgeS * 1000 < liveness.suspectAfterMs ? true : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 1_000 },
  ).catch(() => (settled = false));
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  return { settleS: (Date.now() - started) / 1000, settled };
}

interface Phase {
  hosts: number;
  monitors: number;
  fleets: number;
  enrollS: number;
  liveness: Liveness;
}

async function measure(
  cloud: Cloud,
  p: Phase,
  victimsOf: string[],
): Promise<{
  row: Record<string, number | string>;
  replicas: Record<string, number | string>[];
  victims: Record<string, number | string>[];
}> {
  const monitors = await replaceMonitors(cloud, p.monitors, p.liveness);
  const { settleS, settled } = await settle(cloud, p.liveness);

  // the window: CPU, run-queue wait, heartbeat ages
  const mark = (await cloud.db.event.aggregate({ _max: { id: true } }))._max.id ?? 0n;
  const pids = monitors.map((m) => m.pid!);
  const fleetPids = cloud.fleets.map((f) => f.pid!);
  const cpu0 = pids.map(cpuSeconds);
  const runq0 = pids.map(runqWaitOf);
  const fleetCpu0 = fleetPids.map(cpuSeconds);
  const fleetRunq0 = fleetPids.map(runqWaitOf);
  const others0 = await sampleCpu(cloud);
  const t0 = performance.now();
  let maxAgeS = 0;
  while (performance.now() - t0 < WINDOW_MS) {
    maxAgeS = Math.max(maxAgeS, (await heartbeatSpread(cloud)).maxAgeS);
    await new Promise((r) => setTimeout(r, 2_000));
  }
  const windowS = (performance.now() - t0) / 1000;
  const cores = pids.map((pid, i) => (cpuSeconds(pid) - cpu0[i]!) / windowS);
  const runqPct = pids.map((pid, i) => (100 * (runqWaitOf(pid) - runq0[i]!)) / windowS);
  const fleetCores = fleetPids.reduce((sum, pid, i) => sum + cpuSeconds(pid) - fleetCpu0[i]!, 0) / windowS;
  // the simulated hosts answer from these processes' main threads: starved, they answer late
  const fleetRunqPct = Math.max(...fleetPids.map((pid, i) => (100 * (runqWaitOf(pid) - fleetRunq0[i]!)) / windowS));
  const others = cpuBetween(others0, await sampleCpu(cloud));
  const memory = pids.map(memoryOf);

  // the kill: every victim's SimControl ready first, then all faults at once
  const victims = await cloud.db.host.findMany({
    where: { name: { in: victimsOf } },
    select: { id: true, name: true },
  });
  if (victims.length !== victimsOf.length) throw new Error(`victims: found ${victims.length} of ${victimsOf.length}`);
  const controls = await Promise.all(victims.map((v) => cloud.simControl(v.name)));
  const load1 = loadavg()[0]!;
  const killAt = await pgNow(cloud);
  await Promise.all(controls.map((c) => c.injectFault({ kind: FaultKind.FAULT_KIND_HOST_DEAD })));
  const killedAt = await pgNow(cloud);
  const victimIds = victims.map((v) => v.id);
  const limitMs = p.liveness.deadAfterMs + 2_000;
  let allDown = true;
  try {
    await waitFor(
      'every victim declared dead',
      async () =>
        (await cloud.db.host.count({ where: { id: { in: victimIds }, state: 'down' } })) === victims.length
          ? true
          : undefined,
      {
        timeoutMs: 120_000,
        intervalMs: 200,
      },
    );
  } catch {
    allDown = false;
  }
  // anyone else declared meanwhile, or a little after
  await new Promise((r) => setTimeout(r, 5_000));
  const memoryAfter = pids.map(memoryOf);

  const rows = await cloud.db.host.findMany({
    where: { id: { in: victimIds } },
    select: { id: true, name: true, lastHeartbeatAt: true },
  });
  const events = await cloud.db.event.findMany({
    where: { id: { gt: mark }, type: 'host.state' },
    orderBy: { id: 'asc' },
  });
  // the monitor took the whole pool's silence for its own cut-off: it declares no host dead then
  const partitioned = await cloud.db.event.count({ where: { id: { gt: mark }, type: 'pool.partitioned' } });
  const stateOf = (e: (typeof events)[number]) => (e.data as { state?: string }).state;
  const isVictim = new Set(victimIds);
  const falseSuspect = new Set(
    events
      .filter((e) => !isVictim.has(e.resourceId) && ['suspect', 'unreachable'].includes(stateOf(e) ?? ''))
      .map((e) => e.resourceId),
  ).size;
  const falseDead = new Set(
    events.filter((e) => !isVictim.has(e.resourceId) && stateOf(e) === 'down').map((e) => e.resourceId),
  ).size;
  const sec = (ms: number) => round(ms / 1000, 2);
  const perVictim = rows.map((h) => {
    const down = events.find((e) => e.resourceId === h.id && stateOf(e) === 'down' && e.createdAt.getTime() >= killAt);
    const suspect = events.find(
      (e) => e.resourceId === h.id && stateOf(e) === 'suspect' && e.createdAt.getTime() >= killAt,
    );
    const lastHb = h.lastHeartbeatAt?.getTime() ?? NaN;
    return {
      name: h.name,
      hbToKillS: (killAt - lastHb) / 1000,
      suspectS: suspect ? (suspect.createdAt.getTime() - lastHb) / 1000 : NaN,
      detectionS: down ? (down.createdAt.getTime() - lastHb) / 1000 : Infinity,
      killToDownS: down ? (down.createdAt.getTime() - killAt) / 1000 : Infinity,
    };
  });
  const detections = perVictim.map((v) => v.detectionS).sort((a, b) => a - b);
  const killToDown = perVictim.map((v) => v.killToDownS).sort((a, b) => a - b);
  const fmt = (s: number) => (Number.isFinite(s) ? round(s, 2) : 'never');
  const within = perVictim.filter((v) => v.detectionS * 1000 <= limitMs).length;

  // the victims back (empty) and every host up before the next phase
  await Promise.all(controls.map((c) => c.clearFaults()));
  await waitFor('every host up again', async () => ((await heartbeatSpread(cloud)).notUp === 0 ? true : undefined), {
    timeoutMs: 300_000,
    intervalMs: 1_000,
  }).catch(() => undefined);

  const max = (xs: number[]) => Math.max(...xs);
  const row: Record<string, number | string> = {
    hosts: p.hosts,
    monitors: p.monitors,
    fleets: p.fleets,
    load1: round(load1, 2),
    enroll_s: round(p.enrollS),
    settle_s: settled ? round(settleS) : `${round(settleS)} (never settled)`,
    max_hb_age_s: round(maxAgeS, 2),
    mon_cores_max: round(max(cores), 3),
    mon_cores_sum: round(
      cores.reduce((a, b) => a + b, 0),
      3,
    ),
    mon_runq_pct_max: round(max(runqPct)),
    mon_rss_mb_max: round(max(memory.map((m) => m.rssMb))),
    mon_hwm_mb_max: round(max(memoryAfter.map((m) => m.hwmMb))),
    fleet_cores: round(fleetCores, 3),
    fleet_runq_pct_max: round(fleetRunqPct),
    api_pg_cores: round((others.api + others.postgres) / windowS, 3),
    hb_to_kill_max_s: round(max(perVictim.map((v) => v.hbToKillS)), 2),
    kill_spread_s: sec(killedAt - killAt),
    suspect_max_s: fmt(max(perVictim.map((v) => v.suspectS))),
    detection_p50_s: fmt(percentile(detections, 50)),
    detection_max_s: fmt(max(detections)),
    kill_to_down_max_s: fmt(max(killToDown)),
    within_limit: `${within}/${victims.length}${allDown ? '' : ' (not all declared in 120 s)'}`,
    false_suspect: falseSuspect,
    false_dead: falseDead,
    partitioned,
  };
  const replicas = monitors.map((_, i) => ({
    hosts: p.hosts,
    monitors: p.monitors,
    replica: i + 1,
    cores: round(cores[i]!, 3),
    runq_wait_pct: round(runqPct[i]!),
    rss_mb: round(memory[i]!.rssMb),
    hwm_mb: round(memory[i]!.hwmMb),
    rss_after_kill_mb: round(memoryAfter[i]!.rssMb),
    hwm_after_kill_mb: round(memoryAfter[i]!.hwmMb),
  }));
  const victimRows = perVictim.map((v) => ({
    hosts: p.hosts,
    monitors: p.monitors,
    host: v.name,
    hb_to_kill_s: round(v.hbToKillS, 2),
    suspect_s: fmt(v.suspectS),
    detection_s: fmt(v.detectionS),
    kill_to_down_s: fmt(v.killToDownS),
  }));
  return { row, replicas, victims: victimRows };
}

async function withHosts(hosts: number, monitorCounts: number[]) {
  const fleets = fleetsFor(hosts);
  const started = Date.now();
  const cloud = await Cloud.start({
    hosts,
    fleets,
    schedulers: monitorCounts[0],
    logLevel: 'warn',
    timings: 'production',
    schedulerEnv: { SCHEDULER_ROLES: 'monitor' },
    // the machine is shared: enrollment takes what it takes
    fleetTimeoutMs: Math.max(600_000, hosts * 1_000),
  });
  try {
    const enrollS = (Date.now() - started) / 1000;
    console.error(`${hosts} hosts up in ${round(enrollS)} s (${fleets} fleet processes)`);
    const pool = await cloud.db.pool.findUniqueOrThrow({ where: { id: await cloud.defaultPoolId() } });
    const liveness: Liveness = {
      heartbeatIntervalMs: pool.heartbeatIntervalMs,
      suspectAfterMs: pool.suspectAfterMs,
      deadAfterMs: pool.deadAfterMs,
    };
    // victims spread evenly over the fleets (and so over the monitors' shares)
    const names = cloud.fleetHostNames(hosts);
    const results = [];
    for (const [i, monitors] of monitorCounts.entries()) {
      const kill = Math.min(KILL, hosts);
      // a fresh set of victims each phase
      const victims = Array.from(
        { length: kill },
        (_, k) => names[Math.floor(((k + (i % 2 ? 0.25 : 0.5)) * names.length) / kill)]!,
      );
      const r = await measure(cloud, { hosts, monitors, fleets, enrollS, liveness }, victims);
      console.error(JSON.stringify(r.row));
      results.push(r);
    }
    return { liveness, results };
  } finally {
    await cloud.stop();
  }
}

async function main() {
  const hostCounts = list(args.hosts);
  const monitorCounts = list(args.monitors);
  const rows: Record<string, number | string>[] = [];
  const replicas: Record<string, number | string>[] = [];
  const victims: Record<string, number | string>[] = [];
  let liveness: Liveness | undefined;
  for (const n of hostCounts) {
    const r = await withHosts(n, monitorCounts);
    liveness = r.liveness;
    for (const x of r.results) {
      rows.push(x.row);
      replicas.push(...x.replicas);
      victims.push(...x.victims);
    }
  }
  report('ha-detection', rows, {
    liveness,
    timings: 'production',
    kill: KILL,
    settleS: SETTLE_MS / 1000,
    windowS: WINDOW_MS / 1000,
    goal: {
      detectionSeconds: liveness ? (liveness.deadAfterMs + 2_000) / 1000 : 14,
      monitorCores: 1,
      monitorRssMb: 400,
    },
    note: 'detection_s: hosts.last_heartbeat_at (stamped at the end of the round that heard it) -> host.state down event; mon_*: per monitor replica over the window (max over replicas); load1 at the kill',
    replicas,
    victims,
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
