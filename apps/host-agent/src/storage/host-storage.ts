import { existsSync } from 'node:fs';
import {
  type DiskSpec,
  type Domain,
  DomainState,
  type DomainSpec,
  type SnapshotInfo,
  type StoredItem,
} from '@xenplane/proto';
import type { CallContext } from '../drivers/driver';
import { AgentError } from '../errors';
import type { BlockDevices, DiskTarget } from './block-devices';
import { DiskStore } from './disk-store';
import { requireUuid, type StorageLayout } from './layout';
import type { ExtentMode, SharedExtent } from './shared-extent';

/** What storage needs of the driver's domains: whether one runs, and holding it still. */
export interface DomainControl {
  find(vmId: string, ctx: CallContext): Promise<Domain | undefined>;
  /** pauses a running domain for a copy (no-op where the copy needs no pause: the sim) */
  pause(vmId: string, ctx: CallContext): Promise<void>;
  unpause(vmId: string, ctx: CallContext): Promise<void>;
}

/**
 * A host's storage as the agent's RPCs use it: disk files (DiskStore) turned into what the
 * hypervisor reads (BlockDevices), with the rules that keep copies consistent: a snapshot of a
 * running VM holds its domain and devices still while copying; revert and clone need the VM
 * stopped; purge takes devices down before their files.
 */
export class HostStorage {
  readonly disks: DiskStore;

  constructor(
    readonly layout: StorageLayout,
    readonly devices: BlockDevices,
    private readonly domains: DomainControl,
    /** the LUNs this host maps for shared storage pools (AGENT_SHARED_DEVICES): no other */
    private readonly sharedDevices: readonly string[] = [],
  ) {
    this.disks = new DiskStore(layout);
  }

  /** Each disk's target for a build: the spec's own, a shared disk's extent, or the agent's local disk. */
  prepareDisks(spec: Pick<DomainSpec, 'vmId' | 'disks'>, ctx: CallContext): Promise<DiskTarget[]> {
    return this.targetsOf(spec, ctx, 'claim');
  }

  /**
   * A domain migrating in from another host: its shared disks mapped here, each already the VM's
   * (never wiped); a disk the agent makes refused, as it would be empty here.
   */
  async prepareIncoming(spec: Pick<DomainSpec, 'vmId' | 'disks'>, ctx: CallContext): Promise<DiskTarget[]> {
    const local = spec.disks.filter((d) => !d.target && !d.sharedDevice).map((d) => d.vdev);
    if (local.length)
      throw new AgentError(
        'failed_precondition',
        `disks ${local.join(', ')} of vm ${spec.vmId} are local to its host: a live migration carries the guest's memory, not its local disks (docs/STORAGE.md)`,
      );
    return this.targetsOf(spec, ctx, 'existing');
  }

  /**
   * Each disk's target, in order: the spec's own, a shared disk's extent (claimed for a build;
   * for a domain migrating in, the VM's already: nothing copied, so its image need not be here),
   * or the agent's local disk (made on first use) as a device.
   */
  private async targetsOf(
    spec: Pick<DomainSpec, 'vmId' | 'disks'>,
    ctx: CallContext,
    mode: ExtentMode,
  ): Promise<DiskTarget[]> {
    const targets: DiskTarget[] = [];
    for (const d of spec.disks) {
      if (d.target) targets.push({ target: d.target, blockDevice: false });
      else if (d.sharedDevice)
        targets.push(await this.devices.attachShared(this.sharedExtent(spec.vmId, d, mode === 'claim'), ctx, mode));
      else targets.push(await this.devices.attach(await this.disks.ensureDisk(spec.vmId, d), ctx));
    }
    return targets;
  }

  async snapshot(vmId: string, snapshotId: string, ctx: CallContext): Promise<SnapshotInfo> {
    requireUuid('vm_id', vmId);
    requireUuid('snapshot_id', snapshotId);
    const dom = await this.domains.find(vmId, ctx);
    const pause = dom !== undefined && dom.state !== DomainState.DOMAIN_STATE_PAUSED;
    if (pause) await this.domains.pause(vmId, ctx);
    try {
      const sizeBytes = await this.devices.quiesce(vmId, ctx, () => this.disks.snapshot(vmId, snapshotId, ctx.signal));
      return { vmId, snapshotId, sizeBytes };
    } finally {
      // the guest runs again whatever happened, even past the caller's deadline
      if (pause) await this.domains.unpause(vmId, { signal: new AbortController().signal });
    }
  }

  async revert(vmId: string, snapshotId: string, ctx: CallContext): Promise<SnapshotInfo> {
    requireUuid('vm_id', vmId);
    requireUuid('snapshot_id', snapshotId);
    await this.requireStopped(vmId, ctx);
    // a device assembled over the old layer keeps its view of it in memory: rebuilt at create
    await this.devices.detach(vmId, ctx);
    const sizeBytes = await this.disks.revert(vmId, snapshotId, ctx.signal);
    return { vmId, snapshotId, sizeBytes };
  }

  deleteSnapshot(vmId: string, snapshotId: string): { existed: boolean } {
    return { existed: this.disks.deleteSnapshot(vmId, snapshotId) };
  }

  async clone(sourceVmId: string, targetVmId: string, ctx: CallContext): Promise<{ devices: string[] }> {
    requireUuid('source_vm_id', sourceVmId);
    requireUuid('target_vm_id', targetVmId);
    await this.requireStopped(sourceVmId, ctx);
    return { devices: await this.disks.clone(sourceVmId, targetVmId, ctx.signal) };
  }

  /** Everything of the VM goes: devices first (they hold the files), then the files. */
  async purge(vmId: string, ctx: CallContext): Promise<void> {
    requireUuid('vm_id', vmId);
    await this.devices.detach(vmId, ctx);
    this.disks.purge(vmId);
  }

  async list(vmId: string | undefined, ctx: CallContext): Promise<StoredItem[]> {
    return [...this.disks.list(vmId), ...(await this.devices.list(vmId, ctx))];
  }

  private sharedExtent(vmId: string, d: DiskSpec, withImage = true): SharedExtent {
    if (!this.sharedDevices.includes(d.sharedDevice))
      throw new AgentError(
        'failed_precondition',
        `shared device ${d.sharedDevice} is not one this host maps (AGENT_SHARED_DEVICES: ${this.sharedDevices.join(', ') || 'none'})`,
      );
    const imageFile = d.imageId && withImage ? this.layout.image(d.imageId) : undefined;
    if (imageFile && !existsSync(imageFile))
      throw new AgentError('failed_precondition', `image ${d.imageId} is not cached on this host`);
    return {
      vmId,
      vdev: d.vdev,
      device: d.sharedDevice,
      offsetBytes: d.sharedOffsetBytes,
      sizeGb: d.sizeGb,
      ...(imageFile ? { imageFile } : {}),
    };
  }

  private async requireStopped(vmId: string, ctx: CallContext): Promise<void> {
    if (await this.domains.find(vmId, ctx))
      throw new AgentError('failed_precondition', `vm ${vmId} has a domain on this host: stop it first`);
  }
}
