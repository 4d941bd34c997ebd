export const HOST_STATES = ['enrolling', 'up', 'suspect', 'unreachable', 'down', 'maintenance', 'disabled'] as const;
export type HostState = (typeof HOST_STATES)[number];

/**
 * How a pool judges its hosts' liveness: the control plane asks each host for a heartbeat every
 * interval; a host silent for `suspectAfterMs` is in doubt (no new work, its VMs' power state
 * unknown), one silent for `deadAfterMs` is a candidate for being declared dead.
 */
export interface LivenessSettings {
  heartbeatIntervalMs: number;
  suspectAfterMs: number;
  deadAfterMs: number;
}

export const DEFAULT_LIVENESS: LivenessSettings = {
  heartbeatIntervalMs: 2_000,
  suspectAfterMs: 6_000,
  deadAfterMs: 12_000,
};

/**
 * The rate at which two monotonic clocks may drift apart (1%: commodity oscillators are within
 * 0.01%, a hundred times better). Leases are judged on each side's own clock, so every timeout
 * one side relies on the other keeping is shrunk or stretched by this.
 */
export const CLOCK_DRIFT = 0.01;

/**
 * What an agent cut off needs to stop its protected domains once it decides to, and to ask its
 * witnesses first: the fence must be over before the control plane may declare the host dead.
 */
export function fenceBudgetMs(s: LivenessSettings): { stopMs: number; probeMs: number } {
  return { stopMs: Math.max(2_000, Math.round(s.deadAfterMs / 6)), probeMs: probeTimeoutMs(s) };
}

/** How long a probe (a peer's ping) may take before it counts as unanswered. */
export function probeTimeoutMs(s: LivenessSettings): number {
  return Math.min(1_000, Math.max(100, Math.round(s.heartbeatIntervalMs / 2)));
}

/**
 * The agent's fence timeout: how long after the last heartbeat it heard an agent may keep its
 * protected domains without a quorum of its witnesses. Chosen so that, however the two clocks
 * drift, the agent has asked its witnesses and stopped its protected domains before the control
 * plane's dead timeout has run on its own clock (docs/HA.md has the derivation):
 *   fence (1 + drift) + probe (1 + drift) + stop <= dead (1 - drift)
 */
export function fenceAfterMs(s: LivenessSettings): number {
  const { stopMs, probeMs } = fenceBudgetMs(s);
  return Math.floor((s.deadAfterMs * (1 - CLOCK_DRIFT) - stopMs) / (1 + CLOCK_DRIFT) - probeMs);
}

/** Why these settings cannot work, or nothing: the fence needs room, heartbeats need time to miss. */
export function livenessProblems(s: LivenessSettings): { field: keyof LivenessSettings; message: string }[] {
  const problems: { field: keyof LivenessSettings; message: string }[] = [];
  if (s.suspectAfterMs < 2 * s.heartbeatIntervalMs) {
    problems.push({
      field: 'suspectAfterMs',
      message: 'must be at least twice heartbeatIntervalMs (one missed heartbeat is not silence)',
    });
  }
  if (s.deadAfterMs <= s.suspectAfterMs)
    problems.push({ field: 'deadAfterMs', message: 'must be longer than suspectAfterMs' });
  else if (fenceAfterMs(s) < 2 * s.heartbeatIntervalMs) {
    problems.push({
      field: 'deadAfterMs',
      message: 'too short: the fence timeout derived from it would not outlast two heartbeat intervals',
    });
  }
  return problems;
}

export interface LivenessInput {
  state: HostState;
  /** did this round's heartbeat answer */
  answered: boolean;
  /** how long since the host last answered anyone (null: never) */
  silentMs: number | null;
  /**
   * how long the control plane has been watching: silence while nobody asked proves nothing,
   * so a control plane back from an outage declares nobody dead before it has watched that long
   */
  watchedMs: number;
  settings: LivenessSettings;
}

/**
 * A host's next state from its heartbeats: `suspect` once silent for the suspect timeout, and
 * `down` once silent, while watched, for the dead timeout; back `up` when it answers. Maintenance and disabled are
 * operator states that heartbeats never change; a host that never answered stays `enrolling`.
 */
export function nextHostState(i: LivenessInput): HostState {
  if (i.state === 'maintenance' || i.state === 'disabled') return i.state;
  if (i.answered) return 'up';
  if (i.state === 'enrolling' || i.silentMs === null) return i.state;
  if (i.state === 'down') return 'down';
  if (Math.min(i.silentMs, i.watchedMs) >= i.settings.deadAfterMs) return 'down';
  if (i.silentMs >= i.settings.suspectAfterMs) return i.state === 'unreachable' ? 'unreachable' : 'suspect';
  return i.state;
}
