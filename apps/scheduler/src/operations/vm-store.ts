import { Injectable } from '@nestjs/common';
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
