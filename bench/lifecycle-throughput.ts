// End to end on simulated hosts with no boot delay (issue 6's benchmark):
//   1,000 VMs requested in batches of 100 until all are running, then all deleted: VMs/s each way;
//   then, idle, single VMs one after another: time from POST to `running` (p50/p99).
//   Every VM gets an address of the default pool's default network (as in a fresh cloud);
//   --addresses compare runs the creates and deletes --rounds times each way back to back, with
//   addresses and without (the default network set aside), alternating which goes first, after
//   --warmup cycles left out of the figures (the processes' JIT warms up over the first ones).
//   Each way also the CPU its processes used per VM (api, scheduler, agents, Postgres backends):
//   unlike VMs/s it hardly moves with other load on the machine. The creates and deletes go out
//   over kept-alive node:http connections (http-load.ts); `client_ms` is this process's own CPU
//   per VM (requests and polling), on the same cores but not counted as the cloud's.
// Run: node scripts/build.mjs && node dist/bench/lifecycle-throughput.js [--vms 1000] [--hosts 20] [--schedulers 1] [--profile DIR]
//      [--addresses on|compare] [--rounds 3] [--warmup 1] [--data-disks 0] [--timings fast|production]
//   --timings: a test cloud's fast timings (the default, as every figure in BENCHMARKS.md so far:
//   hosts suspect after 2 s of silence, so a loaded machine fails creates with no_valid_host), or
//   the processes' and pools' defaults (production).
//   Every VM has its root disk (a disk row, a sparse file on its simulated host); --data-disks N
//   gives the batches' VMs N data disks of 1 GiB each too.
import { cpus } from 'node:os';
import { Cloud } from '@xenplane/testing';
import { LoadClient } from './http-load';
import { cpuBetween, type CpuGroup, sampleCpu } from './process-cpu';
import { benchArgs } from './args';
import { percentile, report, round } from './report';

const args = benchArgs([
  'vms',
  'hosts',
  'samples',
  'schedulers',
  'profile',
  'addresses',
  'rounds',
  'warmup',
  'data-disks',
  'timings',
]);
const arg = args.num;

function timingsArg(): 'fast' | 'production' {
  const t = args.maybe('timings') ?? 'fast';
  if (t !== 'fast' && t !== 'production') throw new Error(`--timings: fast or production, not ${t}`);
  return t;
}
// data disks of 1 GiB on every VM of the batches (each VM has its root disk whatever this says)
const DATA_DISKS = arg('data-disks', 0);

async function main() {
  const total = arg('vms', 1000);
  const hosts = arg('hosts', 20);
  const samples = arg('samples', 50);
  const cloud = await Cloud.start({
    hosts,
    schedulers: arg('schedulers', 1),
    logLevel: 'warn',
    agentEnv: { SIM_BOOT_MS: '0', SIM_SHUTDOWN_MS: '0' },
    timings: timingsArg(),
    // --profile DIR: CPU profiles of every process, to see where the time goes
    ...(args.maybe('profile') !== undefined
      ? {
          nodeArgs: Object.fromEntries(
            (['api', 'scheduler', 'host-agent'] as const).map((a) => [
              a,
              ['--cpu-prof', `--cpu-prof-dir=${args.maybe('profile')}`],
            ]),
          ),
        }
      : {}),
  });
  try {
    const project = await cloud.api.post('/v1/projects', {
      name: 'bench',
      quota: { instances: 100_000, vcpus: 1_000_000, memoryMb: 1_000_000_000, diskGb: 1_000_000 },
    });
    const token = (await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 'bench', role: 'member' }))
      .body.token;
    const api = cloud.api.withToken(token);
    const network = (await cloud.api.get('/v1/networks')).body.items.find((n: any) => n.default);
    const setAddresses = async (on: boolean) => {
      const res = await cloud.api.patch(`/v1/networks/${network.id}`, { default: on });
      if (res.status !== 200) throw new Error(`default network: ${res.status} ${JSON.stringify(res.body)}`);
    };
    const rows: Record<string, string | number>[] = [];
    if (args.text('addresses', 'on') === 'compare') {
      const rounds = arg('rounds', 3);
      for (let w = 0; w < arg('warmup', 1); w++) await cycle(cloud, token, project.body.id, total, 'warm-up');
      for (let r = 0; r < rounds; r++) {
        // alternate which goes first: the machine drifts, and a later run meets a warmer cloud
        for (const on of r % 2 === 0 ? [false, true] : [true, false]) {
          await setAddresses(on);
          rows.push(...(await cycle(cloud, token, project.body.id, total, `${on ? 'with' : 'without'} addresses`)));
        }
      }
      await setAddresses(true);
    } else {
      rows.push(...(await cycle(cloud, token, project.body.id, total, 'with addresses')));
    }

    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      const res = await api.post('/v1/vms', { name: `single-${i}`, flavor: 'xp.micro', image: 'tiny-pv' });
      await cloud.waitForVmState(res.body.vms[0].id, 'running', 30_000);
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    report(
      'lifecycle-throughput',
      [
        ...rows,
        {
          measure: `single VM POST -> running, idle (n=${samples})`,
          p50_ms: round(percentile(latencies, 50)),
          p99_ms: round(percentile(latencies, 99)),
        },
      ],
      { hosts, schedulers: arg('schedulers', 1), cpus: cpus().length },
    );
  } finally {
    await cloud.stop();
  }
}

/** `total` VMs created in batches of 100 until all run, then all deleted: a row for each way. */
async function cycle(
  cloud: Cloud,
  token: string,
  projectId: string,
  total: number,
  label: string,
): Promise<Record<string, string | number>[]> {
  const load = new LoadClient(cloud.api.baseUrl, token);
  // earlier cycles' VMs stay `deleted`: this one's are counted on top
  const deletedBefore = await cloud.db.vm.count({ where: { projectId, state: 'deleted' } });
  const cpu0 = await sampleCpu(cloud);
  const client0 = process.cpuUsage();
  const tx0 = await transactions(cloud);
  const t0 = performance.now();
  const batches = await Promise.all(
    Array.from({ length: Math.ceil(total / 100) }, (_, i) =>
      load.send('POST', '/v1/vms', {
        name: `b${i}`,
        flavor: 'xp.micro',
        image: 'tiny-pv',
        count: Math.min(100, total - i * 100),
        ...(DATA_DISKS > 0 ? { disks: Array.from({ length: DATA_DISKS }, () => ({ sizeGb: 1 })) } : {}),
      }),
    ),
  );
  const vmIds: string[] = batches.flatMap((b) => {
    if (b.status !== 202) throw new Error(`create: ${b.status} ${JSON.stringify(b.body)}`);
    return b.body.vms.map((v: any) => v.id);
  });
  const createPolls = await waitForCount(cloud, projectId, 'running', total);
  const createSeconds = (performance.now() - t0) / 1000;
  const cpu1 = await sampleCpu(cloud);
  const client1 = process.cpuUsage();
  const tx1 = await transactions(cloud);

  const t1 = performance.now();
  const deletes = await Promise.all(vmIds.map((id) => load.send('DELETE', `/v1/vms/${id}`)));
  load.close();
  if (deletes.some((d) => d.status !== 202)) throw new Error('a delete was refused');
  const deletePolls = await waitForCount(cloud, projectId, 'deleted', deletedBefore + total);
  const deleteSeconds = (performance.now() - t1) / 1000;
  const createCpu = cpuBetween(cpu0, cpu1);
  const deleteCpu = cpuBetween(cpu1, await sampleCpu(cloud));
  const client2 = process.cpuUsage();
  const tx2 = await transactions(cloud);

  return [
    {
      measure: `create ${total} VMs (batches of 100) until running, ${label}`,
      seconds: round(createSeconds, 2),
      'VMs/s': round(total / createSeconds),
      pg_tx_per_vm: round((tx1 - tx0 - createPolls) / total, 2),
      ...cpuPerVm(createCpu, total),
      client_ms: clientMsPerVm(client0, client1, total),
    },
    {
      measure: `delete ${total} VMs until deleted, ${label}`,
      seconds: round(deleteSeconds, 2),
      'VMs/s': round(total / deleteSeconds),
      pg_tx_per_vm: round((tx2 - tx1 - deletePolls) / total, 2),
      ...cpuPerVm(deleteCpu, total),
      client_ms: clientMsPerVm(client1, client2, total),
    },
  ];
}

/**
 * Transactions committed in the cloud's own database so far: each statement sent alone is one,
 * so per VM it counts round trips to Postgres, periodic work included (Postgres publishes the
 * count within about a second: the benchmark waits that long first). The benchmark's own polling
 * is taken off; its one read of this count per phase is not.
 */
async function transactions(cloud: Cloud): Promise<number> {
  await new Promise((r) => setTimeout(r, 1_100));
  const rows = await cloud.db.$queryRaw<
    { n: bigint }[]
  >`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`;
  return Number(rows[0]?.n ?? 0);
}

/** CPU milliseconds per VM, per group of processes and in all (what wall time hides when the machine is shared). */
function cpuPerVm(used: Record<CpuGroup, number>, vms: number): Record<string, number> {
  const ms = (s: number) => round((s * 1000) / vms, 2);
  const total = Object.values(used).reduce((a, b) => a + b, 0);
  return { cpu_ms_per_vm: ms(total), ...Object.fromEntries(Object.entries(used).map(([g, s]) => [`${g}_ms`, ms(s)])) };
}

/** This process's CPU per VM: the load generator's (HTTP requests, polling), on the same cores as the cloud, not counted in its figures. */
function clientMsPerVm(from: NodeJS.CpuUsage, to: NodeJS.CpuUsage, vms: number): number {
  return round((to.user - from.user + to.system - from.system) / 1000 / vms, 2);
}

/** Polls until `count` VMs are in `state`; answers how many statements it sent (not the cloud's). */
async function waitForCount(
  cloud: Cloud,
  projectId: string,
  state: 'running' | 'deleted',
  count: number,
): Promise<number> {
  for (let sent = 2; ; sent += 2) {
    const n = await cloud.db.vm.count({ where: { projectId, state } });
    const failed = await cloud.db.operation.count({ where: { projectId, status: 'failed' } });
    if (failed > 0) throw new Error(`${failed} operations failed: ${await failureCodes(cloud, projectId)}`);
    if (n >= count) return sent;
    await new Promise((r) => setTimeout(r, 20));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/** The failed operations' error codes and a message of each, for the bench's error. */
async function failureCodes(cloud: Cloud, projectId: string): Promise<string> {
  const failed = await cloud.db.operation.findMany({ where: { projectId, status: 'failed' }, take: 50 });
  const byCode = new Map<string, { n: number; message: string }>();
  for (const op of failed) {
    const key = `${op.kind}/${op.step ?? '-'}/${op.errorCode ?? 'unknown'}`;
    byCode.set(key, { n: (byCode.get(key)?.n ?? 0) + 1, message: op.errorMessage ?? '' });
  }
  return [...byCode].map(([k, v]) => `${v.n}× ${k} (${v.message})`).join('; ');
}
