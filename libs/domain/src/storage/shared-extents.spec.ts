import { EXTENT_HEADER_MB, extentSizeMb, placeExtents } from './shared-extents';

describe('shared storage extents', () => {
  it('sizes an extent as the header and the disk', () => {
    expect(extentSizeMb(1)).toBe(1024 + EXTENT_HEADER_MB);
    expect(extentSizeMb(0)).toBe(EXTENT_HEADER_MB);
  });

  it('places extents one after another on an empty device', () => {
    expect(placeExtents(10_000, [], [1025, 2049])).toEqual([0, 1025]);
  });

  it('fills the first gap that is big enough, whatever order the taken extents come in', () => {
    const taken = [
      { offsetMb: 3000, sizeMb: 1000 },
      { offsetMb: 0, sizeMb: 1000 },
    ];
    // gap 1000..3000 (2000), then 4000..10000
    expect(placeExtents(10_000, taken, [2000])).toEqual([1000]);
    expect(placeExtents(10_000, taken, [2001])).toEqual([4000]);
    expect(placeExtents(10_000, taken, [500, 1500, 100])).toEqual([1000, 1500, 4000]);
  });

  it('never overlaps an extent, even one taken inside another (a corrupt record)', () => {
    const taken = [
      { offsetMb: 0, sizeMb: 5000 },
      { offsetMb: 1000, sizeMb: 10 },
    ];
    expect(placeExtents(10_000, taken, [100])).toEqual([5000]);
  });

  it('places none when one does not fit: all of a VM or nothing', () => {
    expect(placeExtents(3000, [{ offsetMb: 0, sizeMb: 1000 }], [1000, 1001])).toBeNull();
    expect(placeExtents(3000, [{ offsetMb: 0, sizeMb: 1000 }], [1000, 1000])).toEqual([1000, 2000]);
    expect(placeExtents(0, [], [1])).toBeNull();
  });
});
