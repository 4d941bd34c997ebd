import { readFileSync } from 'node:fs';
import type { Cloud } from '@xenplane/testing';

// Linux's clock tick for /proc/<pid>/stat times (USER_HZ: 100 on every mainstream build)
const TICKS_PER_SECOND = 100;

/** CPU seconds a process has used so far, all its threads (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export type CpuGroup = 'api' | 'scheduler' | 'agents' | 'postgres';
export type CpuSample = Map<number, { group: CpuGroup; seconds: number }>;

/**
 * CPU used by the cloud's own processes, by group: its api, scheduler(s), agent fleet and the
 * Postgres backends serving its database. Unlike wall time, it barely moves with what else the
 * machine runs. Redis is one process shared with every other user of it, so it is left out.
 */
export async function sampleCpu(cloud: Cloud): Promise<CpuSample> {
  const pids: [number | undefined, CpuGroup][] = [
    [cloud.apiProcess?.pid, 'api'],
    ...cloud.schedulers.map((s): [number | undefined, CpuGroup] => [s.pid, 'scheduler']),
    [cloud.agents?.pid, 'agents'],
  ];
  const backends = await cloud.db.$queryRaw<
    { pid: number }[]
  >`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`;
  for (const b of backends) pids.push([b.pid, 'postgres']);
  const sample: CpuSample = new Map();
  for (const [pid, group] of pids) if (pid !== undefined) sample.set(pid, { group, seconds: cpuSeconds(pid) });
  return sample;
}

/** CPU seconds per group between two samples (a backend born between them counts whole). */
export function cpuBetween(before: CpuSample, after: CpuSample): Record<CpuGroup, number> {
  const used: Record<CpuGroup, number> = { api: 0, scheduler: 0, agents: 0, postgres: 0 };
  for (const [pid, a] of after) used[a.group] += a.seconds - (before.get(pid)?.seconds ?? 0);
  return used;
}
