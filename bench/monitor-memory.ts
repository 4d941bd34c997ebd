// Host monitor memory (issue 5): what a monitor replica holds per host it polls, with every host
// a real agent answering over mutual TLS (a fleet of simulated hosts in one agent process).
// A scheduler with SCHEDULER_ROLES=monitor polls N hosts for a while; its RSS at two fleet sizes
// gives the cost per monitored host, and with it how many monitor replicas 10,000 hosts need.
// Run: node scripts/build.mjs && node dist/bench/monitor-memory.js [--hosts 500,2000] [--ticks 10]
import { readFileSync } from 'node:fs';
import { Cloud } from '@xenplane/testing';
import { benchArgs } from './args';
import { report, round } from './report';

const arg = benchArgs(['hosts', 'ticks']).text;

const INTERVAL_MS = 2_000;

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

async function monitorWith(
  hosts: number,
  ticks: number,
): Promise<{ hosts: number; rssMb: number; peakMb: number; agentsMb: number; enrollS: number }> {
  const started = Date.now();
  const cloud = await Cloud.start({
    hosts,
    logLevel: 'warn',
    timings: 'production',
    liveness: { heartbeatIntervalMs: INTERVAL_MS },
    schedulerEnv: { SCHEDULER_ROLES: 'monitor' },
  });
  try {
    const enrollS = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, ticks * INTERVAL_MS));
    const down = await cloud.db.host.count({ where: { state: { not: 'up' } } });
    if (down) throw new Error(`${down} hosts not up: the monitor did not keep up`);
    return { hosts, ...memoryOf(cloud.schedulers[0]!.pid!), agentsMb: memoryOf(cloud.agents!.pid!).rssMb, enrollS };
  } finally {
    await cloud.stop();
  }
}

async function main() {
  const counts = arg('hosts', '500,2000').split(',').map(Number);
  const ticks = Number(arg('ticks', '10'));
  const measured = [];
  for (const n of counts) measured.push(await monitorWith(n, ticks));
  const [first, last] = [measured[0]!, measured[measured.length - 1]!];
  const perHostKb = last.hosts > first.hosts ? ((last.rssMb - first.rssMb) * 1024) / (last.hosts - first.hosts) : NaN;
  const baseMb = first.rssMb - (perHostKb * first.hosts) / 1024;
  const rows: Record<string, number | string>[] = measured.map((m) => ({
    measure: 'monitor replica, hosts answering',
    hosts: m.hosts,
    rss_mb: round(m.rssMb),
    peak_mb: round(m.peakMb),
    agent_fleet_rss_mb: round(m.agentsMb),
    start_s: round(m.enrollS),
  }));
  rows.push({
    measure: 'per monitored host (slope)',
    hosts: `${first.hosts}..${last.hosts}`,
    rss_mb: '',
    per_host_kb: round(perHostKb),
  });
  rows.push({
    measure: 'one replica at 10,000 hosts (from the slope)',
    hosts: 10_000,
    rss_mb: round(baseMb + (perHostKb * 10_000) / 1024),
  });
  const perReplica = Math.floor(((400 - baseMb) * 1024) / perHostKb);
  rows.push({
    measure: 'hosts per replica under 400 MB (from the slope)',
    hosts: perReplica,
    replicas_for_10000: Math.ceil(10_000 / perReplica),
  });
  report('monitor-memory', rows, { heartbeatIntervalMs: INTERVAL_MS, ticks });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
