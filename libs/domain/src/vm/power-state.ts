import type { VmState } from './vm-state';

/** States in which a VM's domain should be running on its host, so its host's silence makes its power state unknown. */
const ON_ITS_HOST: readonly VmState[] = ['running', 'stopping', 'rebooting', 'migrating'];

/** The VM's host as far as its liveness goes. */
export interface HostLiveness {
  state: string;
  lastHeartbeatAt: Date | null;
  suspectAfterMs: number;
}

/**
 * The power state the API shows, telling the truth while a host is in doubt: a VM on a host
 * silent past its pool's suspect timeout (or declared suspect, unreachable, down) has an
 * unknown power state, whatever its last report said.
 */
export function shownPowerState(
  vm: { state: VmState; powerState: string },
  host: HostLiveness | null,
  now: number,
): string {
  if (!host || !ON_ITS_HOST.includes(vm.state)) return vm.powerState;
  const silent = host.lastHeartbeatAt === null || now - host.lastHeartbeatAt.getTime() >= host.suspectAfterMs;
  return silent || host.state === 'suspect' || host.state === 'unreachable' || host.state === 'down'
    ? 'unknown'
    : vm.powerState;
}
