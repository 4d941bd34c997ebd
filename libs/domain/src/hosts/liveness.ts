export const HOST_STATES = ['enrolling', 'up', 'suspect', 'down', 'maintenance', 'disabled'] as const;
export type HostState = (typeof HOST_STATES)[number];

export interface LivenessInput {
  state: HostState;
  lastHeartbeatAt: Date | null;
  /** did this tick's heartbeat answer */
  answered: boolean;
  now: Date;
  suspectAfterMs: number;
  deadAfterMs: number;
}

/**
 * A host's next state from its heartbeats: `suspect` after missing beats for a while, `down`
 * after the dead timeout, back `up` when it answers. Maintenance and disabled are operator
 * states that heartbeats never change; a host that never answered stays `enrolling`.
 */
export function nextHostState(i: LivenessInput): HostState {
  if (i.state === 'maintenance' || i.state === 'disabled') return i.state;
  if (i.answered) return 'up';
  if (i.state === 'enrolling' || !i.lastHeartbeatAt) return i.state;
  const silentMs = i.now.getTime() - i.lastHeartbeatAt.getTime();
  if (silentMs >= i.deadAfterMs) return 'down';
  if (silentMs >= i.suspectAfterMs) return i.state === 'down' ? 'down' : 'suspect';
  return i.state;
}
