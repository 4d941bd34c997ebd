import { Injectable } from '@nestjs/common';
import { PermanentError } from './operation-errors';
import { CatalogRepository, type Image, type Vm, type VmDisk, VmRepository, type VmVif } from '@xenplane/db';

// images kept in memory; the oldest read goes first beyond this
const MAX_IMAGES = 1_000;

/** The VMs workers act on, and their images, cached (the VM and catalog repositories read them). */
@Injectable()
export class VmStore {
  private readonly images = new Map<string, Image>();

  constructor(
    private readonly vms: VmRepository,
    private readonly catalog: CatalogRepository,
  ) {}

  load(id: string): Promise<Vm | null> {
    return this.vms.find(id);
  }

  /** The VM's vifs (its addresses on their networks' bridges): read each time, a few rows. */
  vifs(vmId: string): Promise<VmVif[]> {
    return this.vms.vifs(vmId);
  }

  /** The VM's disks in device order (none for a VM from before disk rows): read each time, a few rows. */
  disks(vmId: string): Promise<VmDisk[]> {
    return this.vms.disks(vmId);
  }

  /**
   * The VM's disks as a build needs them: every disk of a shared storage pool with its extent,
   * allocated now if it has none (the first build; later builds, on any host, keep it). A
   * storage pool without room fails the operation, nothing allocated. `read`: the disks as the
   * operation's begin read them.
   */
  async disksForBuild(vmId: string, read?: VmDisk[]): Promise<VmDisk[]> {
    // a disk read before its VM was placed has no storage pool yet: the claim gave it one since
    const stale = !read || read.some((d) => !d.storagePoolId);
    const disks = stale ? await this.vms.disks(vmId) : read;
    if (!disks.some((d) => d.sharedDevice && (d.offsetMb === null || d.offsetMb === undefined))) return disks;
    const refused = await this.vms.allocateSharedExtents(vmId);
    if (refused)
      throw new PermanentError(
        'storage_full',
        `shared storage pool ${refused.storagePool} has no room for this VM's ${refused.wantedGb} GiB of disks`,
        refused,
      );
    return this.vms.disks(vmId);
  }

  /**
   * A VM's image, read once per scheduler: what a build reads of an image (its boot fields, its
   * content's checksum) never changes once it is active, and a VM is only made of an active
   * image (an upload makes a pending image active once; no route edits one; a deleted image is
   * one no live VM uses), so the row a build needs is the row it was created with.
   */
  async image(id: string): Promise<Image> {
    let image = this.images.get(id);
    if (!image) {
      image = await this.catalog.image(id);
      if (this.images.size >= MAX_IMAGES) this.images.delete(this.images.keys().next().value!);
      this.images.set(id, image);
    }
    return image;
  }
}
