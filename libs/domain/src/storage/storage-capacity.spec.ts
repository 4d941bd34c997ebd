import { localStorageRoom } from './storage-capacity';

const host = (name: string, totalDiskGb: number, reservedDiskGb: number, usedDiskGb: number) => ({
  id: `id-${name}`,
  name,
  state: 'up',
  totalDiskGb,
  reservedDiskGb,
  usedDiskGb,
});

describe('a local storage pool’s room', () => {
  it('is each host’s disk as placement offers it, less what its VMs claim, and the sum', () => {
    const room = localStorageRoom([host('a', 100, 10, 30), host('b', 50, 0, 0)], 1.5);
    expect(room.hosts).toEqual([
      { hostId: 'id-a', host: 'a', state: 'up', totalGb: 100, reservedGb: 10, offeredGb: 135, usedGb: 30, freeGb: 105 },
      { hostId: 'id-b', host: 'b', state: 'up', totalGb: 50, reservedGb: 0, offeredGb: 75, usedGb: 0, freeGb: 75 },
    ]);
    expect(room.sum).toEqual({ totalGb: 150, reservedGb: 10, offeredGb: 210, usedGb: 30, freeGb: 180 });
  });

  it('never shows less than nothing free, on a host whose offer shrank below its claims', () => {
    const [h] = localStorageRoom([host('a', 20, 15, 8)], 1).hosts;
    expect(h).toMatchObject({ offeredGb: 5, usedGb: 8, freeGb: 0 });
  });

  it('is nothing for a pool without hosts', () => {
    expect(localStorageRoom([], 1)).toEqual({
      hosts: [],
      sum: { totalGb: 0, reservedGb: 0, offeredGb: 0, usedGb: 0, freeGb: 0 },
    });
  });
});
