import type { Domain, DomainEventType, DomainSpec, HostInfo } from '@xenplane/proto';
import type { HostStorage } from '../storage/host-storage';

/** What every driver call gets: the caller's cancellation (its deadline) and correlation id. */
export interface CallContext {
  signal: AbortSignal;
  correlationId?: string;
}

export interface DomainEventInput {
  vmId: string;
  domId: number;
  type: DomainEventType;
  domain?: Domain;
  reason?: string;
}

/**
 * A hypervisor as the agent sees it. `xl` drives the real toolstack; `sim` is a faithful
 * simulated Xen host. Both are idempotent on the VM id and honour the caller's deadline.
 */
export interface HypervisorDriver {
  readonly name: 'xl' | 'sim';
  /** the host's disks, snapshots and clones (storage/): files, and what the hypervisor reads of them */
  readonly storage: HostStorage;
  /** a fresh object on every call: the agent adds its own fields to it */
  hostInfo(ctx: CallContext): Promise<Omit<HostInfo, 'hostId' | 'agentVersion' | 'driver' | 'peerAddress'>>;
  listDomains(ctx: CallContext): Promise<Domain[]>;
  getDomain(vmId: string, ctx: CallContext): Promise<Domain>;
  createDomain(spec: DomainSpec, startPaused: boolean, ctx: CallContext): Promise<Domain>;
  /** what a domain migrating in needs here first: its shared disks mapped, its config drive (no domain) */
  prepareIncoming(spec: DomainSpec, ctx: CallContext): Promise<{ diskPaths: string[] }>;
  shutdownDomain(
    vmId: string,
    timeoutSeconds: number,
    force: boolean,
    ctx: CallContext,
  ): Promise<{ forced: boolean; existed: boolean }>;
  /** purgeStorage: the VM is deleted, so the disks the agent made for it go too */
  destroyDomain(vmId: string, ctx: CallContext, purgeStorage?: boolean): Promise<{ existed: boolean }>;
  rebootDomain(vmId: string, ctx: CallContext): Promise<Domain>;
  pauseDomain(vmId: string, ctx: CallContext): Promise<Domain>;
  unpauseDomain(vmId: string, ctx: CallContext): Promise<Domain>;
  setMemory(vmId: string, memoryMb: number, ctx: CallContext): Promise<Domain>;
  setVcpus(vmId: string, vcpus: number, ctx: CallContext): Promise<Domain>;
  pinVcpu(vmId: string, vcpu: number, cpus: string, ctx: CallContext): Promise<Domain>;
  saveDomain(vmId: string, name: string, ctx: CallContext): Promise<{ name: string; sizeBytes: number }>;
  restoreDomain(vmId: string, name: string, ctx: CallContext): Promise<Domain>;
  consoleLog(vmId: string, maxBytes: number, ctx: CallContext): Promise<{ data: Buffer; truncated: boolean }>;
  /** The driver reports lifecycle changes it sees (or makes) here. */
  onEvent(listener: (e: DomainEventInput) => void): void;
}
