// End to end on simulated hosts with no boot delay (issue 6's benchmark):
//   1,000 VMs requested in batches of 100 until all are running, then all deleted: VMs/s each way;
//   then, idle, single VMs one after another: time from POST to `running` (p50/p99).
// Run: node scripts/build.mjs && node dist/bench/lifecycle-throughput.js [--vms 1000] [--hosts 20] [--schedulers 1] [--profile DIR]
import { cpus } from 'node:os';
import { Cloud } from '@xenplane/testing';
import { percentile, report, round } from './report';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};

async function main() {
  const total = arg('vms', 1000);
  const hosts = arg('hosts', 20);
  const samples = arg('samples', 50);
  const cloud = await Cloud.start({
    hosts,
    schedulers: arg('schedulers', 1),
    logLevel: 'warn',
    agentEnv: { SIM_BOOT_MS: '0', SIM_SHUTDOWN_MS: '0' },
    schedulerEnv: { SCHEDULER_CONCURRENCY: '64', HOST_OPERATION_CONCURRENCY: '8' },
    env: { DB_POOL_SIZE: '20' },
    // --profile DIR: CPU profiles of every process, to see where the time goes
    ...(process.argv.includes('--profile')
      ? { nodeArgs: Object.fromEntries((['api', 'scheduler', 'host-agent'] as const).map((a) => [a, ['--cpu-prof', `--cpu-prof-dir=${process.argv[process.argv.indexOf('--profile') + 1]}`]])) }
      : {}),
  });
  try {
    const project = await cloud.api.post('/v1/projects', { name: 'bench', quota: { instances: 100_000, vcpus: 1_000_000, memoryMb: 1_000_000_000, diskGb: 1_000_000 } });
    const token = (await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 'bench', role: 'member' })).body.token;
    const api = cloud.api.withToken(token);

    const t0 = performance.now();
    const batches = await Promise.all(
      Array.from({ length: Math.ceil(total / 100) }, (_, i) => api.post('/v1/vms', { name: `b${i}`, flavor: 'xp.micro', image: 'tiny-pv', count: Math.min(100, total - i * 100) })),
    );
    const vmIds: string[] = batches.flatMap((b) => {
      if (b.status !== 202) throw new Error(`create: ${b.status} ${JSON.stringify(b.body)}`);
      return b.body.vms.map((v: any) => v.id);
    });
    await waitForCount(cloud, project.body.id, 'running', total);
    const createSeconds = (performance.now() - t0) / 1000;

    const t1 = performance.now();
    const deletes = await Promise.all(vmIds.map((id) => api.delete(`/v1/vms/${id}`)));
    if (deletes.some((d) => d.status !== 202)) throw new Error('a delete was refused');
    await waitForCount(cloud, project.body.id, 'deleted', total);
    const deleteSeconds = (performance.now() - t1) / 1000;

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
        { measure: `create ${total} VMs (batches of 100) until running`, seconds: round(createSeconds, 2), 'VMs/s': round(total / createSeconds) },
        { measure: `delete ${total} VMs until deleted`, seconds: round(deleteSeconds, 2), 'VMs/s': round(total / deleteSeconds) },
        { measure: `single VM POST -> running, idle (n=${samples})`, p50_ms: round(percentile(latencies, 50)), p99_ms: round(percentile(latencies, 99)) },
      ],
      { hosts, schedulers: arg('schedulers', 1), cpus: cpus().length },
    );
  } finally {
    await cloud.stop();
  }
}

async function waitForCount(cloud: Cloud, projectId: string, state: 'running' | 'deleted', count: number) {
  for (;;) {
    const n = await cloud.db.vm.count({ where: { projectId, state } });
    if (n >= count) return;
    const failed = await cloud.db.operation.count({ where: { projectId, status: 'failed' } });
    if (failed > 0) throw new Error(`${failed} operations failed`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
