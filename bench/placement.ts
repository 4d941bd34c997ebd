// Placement (issue 5's benchmark), three figures:
//   decide   the pure decision of libs/domain over N hosts: decisions/s and latency p50/p99
//            (no database; each decision lands on its host, as the scheduler's reserve does),
//            over every host (full) and as the scheduler decides (sampled), in a pool with and
//            without an HA reserve
//   claim    decisions plus claims: the scheduler's own PlacementService and CapacityCache against
//            a real Postgres, V VMs waiting, 1 and 2 scheduler processes racing: placements/s,
//            then a check that no host is overcommitted and usage equals the allocations
//   memory   a real scheduler process (the whole NestJS app, SCHEDULER_ROLES=operations) with
//            10,000 hosts and 100,000 VMs in its database, after it has placed a VM (capacity
//            cache loaded): RSS. The host monitor's memory is bench/monitor-memory.ts.
// Run: node scripts/build.mjs && node dist/bench/placement.js [--hosts 1000,10000] [--decisions 20000]
//        [--vms 20000] [--schedulers 1,2] [--concurrency N (the scheduler's SCHEDULER_CONCURRENCY default)] [--memory-hosts 10000] [--memory-vms 100000]
//        [--parts decide,claim,memory]
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  ClaimRepository,
  createDb,
  HostRepository,
  PoolRepository,
  ServerGroupRepository,
  type Vm,
} from '@xenplane/db';
import { decide, HostTable, type PlacementPool, PoolStatsIndex, resolveWeights, withPlacement } from '@xenplane/domain';
import { Cloud, createTestDatabase } from '@xenplane/testing';
import { CapacityCache } from '../apps/scheduler/src/placement/capacity-cache';
import { PlacementService, SAMPLE_WINDOW } from '../apps/scheduler/src/placement/placement.service';
import { loadSchedulerConfig } from '../apps/scheduler/src/config';
import { capacityViolations, HOST, seedPool, seedRunningVms, seedWaitingVms, SIZES } from './placement-fixture';
import { benchArgs } from './args';
import { percentile, report, round } from './report';

const arg = benchArgs([
  'hosts',
  'decisions',
  'vms',
  'schedulers',
  'concurrency',
  'memory-hosts',
  'memory-vms',
  'parts',
]).text;
const list = (name: string, def: string) => arg(name, def).split(',').map(Number);

/**
 * mode full: every host, pool figures computed per decision (the pure function as tests call it);
 * mode sampled: as the scheduler decides (a window of 1,000 hosts first; pool figures kept up to
 * date host by host as the capacity cache keeps them, that upkeep counted in each decision's time).
 */
function decideBench(
  hosts: number,
  decisions: number,
  mode: 'full' | 'sampled',
  ha: number,
): Record<string, number | string> {
  const pool: PlacementPool = {
    id: 'p',
    cpuAllocationRatio: 4,
    ramAllocationRatio: 1,
    diskAllocationRatio: 1,
    haHostFailuresToTolerate: ha,
    requireCpuCompatibility: true,
    weights: resolveWeights({}),
  };
  const pools = new Map([['p', pool]]);
  const table = new HostTable();
  const figures = new PoolStatsIndex();
  figures.setPools(pools);
  for (let i = 0; i < hosts; i++) {
    table.set({
      id: `h${i}`,
      name: `h${i}`,
      poolId: 'p',
      state: 'up',
      live: true,
      total: { vcpus: HOST.vcpus, memoryMb: HOST.memoryMb, diskGb: HOST.diskGb },
      reserved: { vcpus: HOST.reservedVcpus, memoryMb: HOST.reservedMemoryMb, diskGb: 0 },
      used: { vcpus: 0, memoryMb: 0, diskGb: 0 },
      usedInstances: 0,
      usedProtected: { vcpus: 0, memoryMb: 0, diskGb: 0 },
      hvm: true,
      hap: true,
      cpuVendor: 'GenuineIntel',
      cpuFeatures: ['sse4_2', 'avx', 'avx2'],
    });
  }
  for (const h of table.all()) figures.setHost(h);
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < decisions; i++) {
    const resources = SIZES[i % SIZES.length]!;
    const haProtected = i % 5 === 0;
    const request = { resources, guestType: 'pv' as const, poolId: 'p', haProtected };
    const t = performance.now();
    let d;
    if (mode === 'full') d = decide(request, { hosts: table.all(), pools }, { maxCandidates: 8 });
    else {
      const o = { maxCandidates: 8, stats: figures.stats() };
      d = decide(request, { hosts: table.window(Math.floor(Math.random() * table.size), SAMPLE_WINDOW), pools }, o);
      if (!d.ok) d = decide(request, { hosts: table.all(), pools }, o);
    }
    if (!d.ok) throw new Error(`pool full after ${i} decisions`);
    const landed = withPlacement(table.get(d.candidates[0]!)!, resources, haProtected);
    table.set(landed);
    // as the scheduler's cache does on reserve: the pool figures follow the placement
    if (mode === 'sampled') figures.setHost(landed);
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    part: `decide (${mode}, ha ${ha})`,
    hosts,
    schedulers: '-',
    n: decisions,
    per_second: Math.round(decisions / seconds),
    p50_ms: round(percentile(latencies, 50), 3),
    p99_ms: round(percentile(latencies, 99), 3),
  };
}

/** One scheduler's share of the waiting VMs, placed by the scheduler's own code (child process). */
async function worker(url: string, index: number, of: number, concurrency: number): Promise<void> {
  const config = loadSchedulerConfig({ ...process.env, DATABASE_URL: url });
  // the connections a scheduler process has (DB_POOL_SIZE)
  const db = createDb({ url, poolSize: config.DB_POOL_SIZE });
  const cache = new CapacityCache(new HostRepository(db), new PoolRepository(db), config);
  const placement = new PlacementService(new ClaimRepository(db), new ServerGroupRepository(db), config, cache);
  await cache.fresh(true);
  const vms = (await db.vm.findMany({ where: { state: 'scheduling' }, orderBy: { id: 'asc' } })).filter(
    (_, i) => i % of === index,
  );
  process.send!({ ready: true });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let vm: Vm | undefined; (vm = vms[next++]);) {
        const t = performance.now();
        try {
          await placement.place(vm, undefined);
        } catch {
          failed++;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  process.send!({
    placed: vms.length - failed,
    failed,
    seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rssMb: process.memoryUsage().rss / 2 ** 20,
  });
  await db.$disconnect();
}

/** Operations a scheduler process works on at once by default (SCHEDULER_CONCURRENCY). */
const defaultConcurrency = () =>
  loadSchedulerConfig({ DATABASE_URL: 'postgresql://localhost/unused' }).SCHEDULER_CONCURRENCY;

async function claimBench(
  hosts: number,
  vms: number,
  schedulers: number,
  concurrency: number,
): Promise<Record<string, number | string>> {
  const t = await createTestDatabase('bench');
  try {
    const { projectId } = await seedPool(t.db, hosts);
    await seedWaitingVms(t.db, projectId, vms);
    const children = Array.from({ length: schedulers }, (_, i) =>
      fork(__filename, ['--worker', t.url, String(i), String(schedulers), String(concurrency)], {
        env: { ...process.env, LOG_LEVEL: 'warn' },
      }),
    );
    const message = (c: ReturnType<typeof fork>) =>
      new Promise<any>((resolve, reject) => {
        c.once('message', resolve);
        c.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
      });
    await Promise.all(children.map(message));
    const started = performance.now();
    const results = await Promise.all(children.map((c) => (c.send('go'), message(c))));
    const seconds = (performance.now() - started) / 1000;
    const placed = results.reduce((s, r) => s + r.placed, 0);
    const violations = await capacityViolations(t.db);
    if (violations > 0) throw new Error(`${violations} hosts overcommitted or out of step with their allocations`);
    const allocations = await t.db.allocation.count();
    if (allocations !== placed) throw new Error(`${allocations} allocations for ${placed} placements`);
    return {
      part: 'claim',
      hosts,
      schedulers,
      n: placed,
      per_second: Math.round(placed / seconds),
      p50_ms: round(Math.max(...results.map((r) => r.p50)), 2),
      p99_ms: round(Math.max(...results.map((r) => r.p99)), 2),
      failed: results.reduce((s, r) => s + r.failed, 0),
      // a scheduler process's placement state (capacity cache of every host, Prisma) after the run
      rss_mb: Math.round(Math.max(...results.map((r) => r.rssMb))),
    };
  } finally {
    await t.drop();
  }
}

/**
 * A scheduler with the `operations` role only (placement and operations; the hosts' heartbeats
 * are a monitor replica's work, bench/monitor-memory.ts): its placement state (capacity cache of
 * every host) and the process itself. up: the hosts are `up` and placeable (the probe's build
 * opens a channel to one); disabled: they are not.
 */
async function memoryBench(
  hosts: number,
  vms: number,
  state: 'up' | 'disabled',
): Promise<Record<string, number | string>> {
  const cloud = await Cloud.start({ hosts: 0, logLevel: 'warn', schedulerEnv: { SCHEDULER_ROLES: 'operations' } });
  try {
    const { projectId } = await seedPool(cloud.db, hosts, state);
    await seedRunningVms(cloud.db, projectId, vms - 1);
    const res = await cloud.api.post('/v1/vms', { name: 'probe', flavor: 'bench', image: 'bench', projectId });
    if (res.status !== 202) throw new Error(`create: ${res.status}`);
    // the probe is placed (capacity cache loaded with every host) and then fails to build: its hosts are not real
    await cloud.waitForOperation(res.body.operations[0].id, 120_000);
    await new Promise((r) => setTimeout(r, 5_000));
    const status = readFileSync(`/proc/${cloud.schedulers[0]!.pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]);
    return {
      part: `memory (operations role, hosts ${state})`,
      hosts,
      schedulers: 1,
      n: vms,
      rss_mb: Math.round(kb('VmRSS') / 1024),
      peak_mb: Math.round(kb('VmHWM') / 1024),
      goal_mb: 400,
    };
  } finally {
    await cloud.stop();
  }
}

async function main() {
  const rows: Record<string, number | string>[] = [];
  const hostCounts = list('hosts', '1000,10000');
  const decisions = Number(arg('decisions', '20000'));
  const parts = arg('parts', 'decide,claim,memory').split(',');
  for (const hosts of parts.includes('decide') ? hostCounts : []) {
    for (const ha of [0, 1])
      for (const mode of ['full', 'sampled'] as const) rows.push(decideBench(hosts, decisions, mode, ha));
  }
  for (const hosts of parts.includes('claim') ? hostCounts : []) {
    for (const schedulers of list('schedulers', '1,2'))
      rows.push(
        await claimBench(
          hosts,
          Number(arg('vms', '20000')),
          schedulers,
          Number(arg('concurrency', String(defaultConcurrency()))),
        ),
      );
  }
  if (parts.includes('memory') && arg('memory-hosts', '10000') !== '0') {
    for (const state of ['disabled', 'up'] as const)
      rows.push(await memoryBench(Number(arg('memory-hosts', '10000')), Number(arg('memory-vms', '100000')), state));
  }
  report('placement', rows, { goals: { placementsPerSecondAt10kHosts: 2000, decisionP99Ms: 5, schedulerRssMb: 400 } });
}

if (process.argv[2] === '--worker') {
  const [url, index, of, concurrency] = process.argv.slice(3);
  worker(url!, Number(index), Number(of), Number(concurrency)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
