import { diskDevice, MAX_DATA_DISKS, planVmDisks, vmDiskGb } from './vm-disks';

describe('a VM’s disks', () => {
  it('names pv and pvh disks xvda, xvdb, ... and never the config drive’s xvdz', () => {
    expect([0, 1, 2].map((n) => diskDevice('pv', n))).toEqual(['xvda', 'xvdb', 'xvdc']);
    expect(diskDevice('pvh', MAX_DATA_DISKS)).toBe('xvdi');
  });

  it('names hvm disks hda to hdc, leaves hdd to the config drive and goes on with xvde (disk 4)', () => {
    const names = Array.from({ length: MAX_DATA_DISKS + 1 }, (_, n) => diskDevice('hvm', n));
    expect(names).toEqual(['hda', 'hdb', 'hdc', 'xvde', 'xvdf', 'xvdg', 'xvdh', 'xvdi', 'xvdj']);
    expect(new Set(names).size).toBe(names.length);
  });

  it('plans the root disk from the flavor, a clone of the image when it has content, then the data disks', () => {
    expect(planVmDisks({ guestType: 'pv', rootGb: 10, rootImageId: 'img', dataGb: [5, 20] })).toEqual([
      { kind: 'root', device: 'xvda', sizeGb: 10, imageId: 'img' },
      { kind: 'data', device: 'xvdb', sizeGb: 5, imageId: null },
      { kind: 'data', device: 'xvdc', sizeGb: 20, imageId: null },
    ]);
  });

  it('plans a blank root disk for an image without content, hda on hvm', () => {
    expect(planVmDisks({ guestType: 'hvm', rootGb: 4, rootImageId: null, dataGb: [1] })).toEqual([
      { kind: 'root', device: 'hda', sizeGb: 4, imageId: null },
      { kind: 'data', device: 'hdb', sizeGb: 1, imageId: null },
    ]);
  });

  it('plans no root disk for a flavor without a disk: the data disks start at the first device', () => {
    expect(planVmDisks({ guestType: 'pvh', rootGb: 0, rootImageId: 'img', dataGb: [3] })).toEqual([
      { kind: 'data', device: 'xvda', sizeGb: 3, imageId: null },
    ]);
  });

  it('counts the root disk and every data disk in the VM’s size', () => {
    expect(vmDiskGb(10, [])).toBe(10);
    expect(vmDiskGb(10, [5, 20])).toBe(35);
  });
});
