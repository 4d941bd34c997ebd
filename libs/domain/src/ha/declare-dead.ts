import { type HaPriority, RESTART_PRIORITY } from './host-death';

/** The states from which an operator may declare a host dead: any but down (it is already) and enrolling. */
export const DECLARABLE_DEAD_FROM = ['up', 'suspect', 'unreachable', 'maintenance', 'disabled'] as const;

export interface DeadCandidate {
  name: string;
  state: string;
  /** answered a heartbeat within its pool's suspect timeout */
  live: boolean;
  heartbeatAgeMs: number | null;
}

export type DeclareDeadRefusal =
  | { kind: 'invalid'; field: 'confirm'; message: string }
  | { kind: 'conflict'; message: string; extra: { state: string } };

/**
 * Why an operator's declare-dead is refused, or undefined. The host's name must be typed again
 * (its protected VMs restart elsewhere at once); a host that answers heartbeats is not dead,
 * whatever anyone types.
 */
export function declareDeadRefusal(host: DeadCandidate, confirm: string): DeclareDeadRefusal | undefined {
  if (confirm !== host.name)
    return { kind: 'invalid', field: 'confirm', message: `must be the host's name, ${host.name}` };
  if (host.state === 'down')
    return { kind: 'conflict', message: `host ${host.name} is already down`, extra: { state: host.state } };
  if (host.live) {
    return {
      kind: 'conflict',
      message: `host ${host.name} answers heartbeats (the last ${Math.round(host.heartbeatAgeMs ?? 0)} ms ago): it is not dead`,
      extra: { state: host.state },
    };
  }
  return undefined;
}

/** Restarts as an operator is shown them: high priority first (a stable sort keeps the rest's order). */
export function byRestartPriority<T>(items: readonly T[], priorityOf: (item: T) => Exclude<HaPriority, 'none'>): T[] {
  return [...items].sort((a, b) => RESTART_PRIORITY[priorityOf(a)] - RESTART_PRIORITY[priorityOf(b)]);
}

/** An unfinished HA restart, as GET /v1/pools/:id/ha counts it. */
export interface OpenRestart {
  step: string | null;
  status: string;
}

/** With no room for its VM now: it starts by itself when room appears. */
export const restartWaiting = (r: OpenRestart) => r.step === 'waiting_for_capacity';
/** Being placed or built. */
export const restartRunning = (r: OpenRestart) =>
  r.status === 'running' && r.step !== 'waiting_for_capacity' && r.step !== null;
/** Behind restarts of a higher priority, or not yet taken up. */
export const restartQueued = (r: OpenRestart) => r.status === 'queued' || r.step === null;
