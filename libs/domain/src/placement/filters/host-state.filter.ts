import type { PlacementFilter } from '../filter';

/** Only hosts that are up take VMs: not enrolling, suspect, down, in maintenance or disabled. */
export const hostStateFilter: PlacementFilter = {
  name: 'host_state',
  reason: 'host is not up (enrolling, suspect, down, in maintenance or disabled)',
  passes: (host) => host.state === 'up',
};
