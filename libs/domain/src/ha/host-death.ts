import type { VmState } from '../vm/vm-state';

export type HaPriority = 'high' | 'medium' | 'low' | 'none';

/** What becomes of a VM whose host was declared dead. */
export type Disposition =
  /** HA-protected and meant to run: an ha_restart operation places it elsewhere */
  | 'restart'
  /** not protected, or meant to stop: it is stopped (reason host_lost), its claim kept for its return */
  | 'stop'
  /** an operation that copes with a lost host owns it (create, delete, restart): left alone */
  | 'leave';

/**
 * The rule for each VM of a host declared dead, from its state and HA priority:
 * - running, rebooting, starting, migrating away, and protected: restarted elsewhere;
 * - the same, not protected, and any VM being stopped: stopped (its domain is gone or fenced);
 * - building, recovering, deleting: their operation already survives a lost host (a build
 *   moves elsewhere, a restart is placed again, a delete releases without the host);
 * - stopped, error, and the rest: nothing runs, nothing to do.
 */
export function dispositionOnHostDeath(vm: { state: VmState; haPriority: HaPriority }): Disposition {
  switch (vm.state) {
    case 'running':
    case 'rebooting':
    case 'starting':
    case 'migrating':
      return vm.haPriority === 'none' ? 'stop' : 'restart';
    case 'stopping':
      return 'stop';
    default:
      return 'leave';
  }
}

/** BullMQ priority of a restart (lower runs first): high before medium before low. */
export const RESTART_PRIORITY: Record<Exclude<HaPriority, 'none'>, number> = { high: 1, medium: 2, low: 3 };

/** The restart priorities that go before this one. */
export function higherPriorities(p: Exclude<HaPriority, 'none'>): Exclude<HaPriority, 'none'>[] {
  return (Object.keys(RESTART_PRIORITY) as Exclude<HaPriority, 'none'>[]).filter(
    (q) => RESTART_PRIORITY[q] < RESTART_PRIORITY[p],
  );
}

export interface PoolMember {
  state: 'enrolling' | 'up' | 'suspect' | 'unreachable' | 'down' | 'maintenance' | 'disabled';
  live: boolean;
}

/**
 * Whether more than half of a pool's hosts fell silent together: then the control plane, not
 * the hosts, is most likely the one cut off, and it must declare nobody dead. Counted among the
 * hosts that were part of the pool's life (up, in doubt, or in maintenance): a host declared
 * dead before, disabled, or still enrolling does not vote.
 */
export function poolWideSilence(members: readonly PoolMember[]): { silent: number; of: number; partitioned: boolean } {
  const voters = members.filter(
    (m) => m.state === 'up' || m.state === 'suspect' || m.state === 'unreachable' || m.state === 'maintenance',
  );
  const silent = voters.filter((m) => !m.live).length;
  return { silent, of: voters.length, partitioned: silent * 2 > voters.length };
}
