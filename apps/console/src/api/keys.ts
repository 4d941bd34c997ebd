import type { VmSearch } from '../lib/vm-search';

/** Query keys, in one place so the event stream invalidates what pages read. */
export const keys = {
  whoami: ['whoami'] as const,
  projects: ['projects'] as const,
  project: (id: string) => ['project', id] as const,
  tokens: (projectId: string) => ['tokens', projectId] as const,
  vms: (search: VmSearch) => ['vms', search] as const,
  vmsAll: ['vms'] as const,
  vm: (id: string) => ['vm', id] as const,
  operations: (vmId: string) => ['operations', vmId] as const,
  console: (vmId: string) => ['console', vmId] as const,
  snapshots: (vmId: string) => ['snapshots', vmId] as const,
  flavors: ['flavors'] as const,
  images: ['images'] as const,
  networks: ['networks'] as const,
  keypairs: (projectId: string) => ['keypairs', projectId] as const,
  serverGroups: ['server-groups'] as const,
};
