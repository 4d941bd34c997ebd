import { macOf, RANDOM_MACS, randomMacs } from './mac';

describe('MAC addresses', () => {
  it('spans the lower half of Xen’s OUI, as its toolstacks draw them', () => {
    expect(macOf(0)).toBe('00:16:3e:00:00:00');
    expect(macOf(RANDOM_MACS - 1)).toBe('00:16:3e:7f:ff:ff');
    expect(macOf(0x123456)).toBe('00:16:3e:12:34:56');
  });

  it('never sets the first bit of the first random byte, whatever the randomness', () => {
    const all = randomMacs(3, () => Uint8Array.from([0xff, 0xff, 0xff, 0x80, 0x00, 0x01, 0xab, 0xcd, 0xef]));
    expect(all).toEqual(['00:16:3e:7f:ff:ff', '00:16:3e:00:00:01', '00:16:3e:2b:cd:ef']);
  });

  it('gives distinct MACs, drawing again for the repeats', () => {
    const draws = [Uint8Array.from([1, 2, 3, 1, 2, 3]), Uint8Array.from([4, 5, 6])];
    expect(randomMacs(2, () => draws.shift()!)).toEqual(['00:16:3e:01:02:03', '00:16:3e:04:05:06']);
  });

  it('gives up on a source that only repeats itself, rather than hang', () => {
    expect(() => randomMacs(2, () => Uint8Array.from([1, 2, 3, 1, 2, 3]))).toThrow(/no 2 distinct MACs/);
  });

  it('draws from the system’s randomness by default, lowercase and well formed', () => {
    const macs = randomMacs(200);
    expect(new Set(macs).size).toBe(200);
    for (const m of macs) expect(m).toMatch(/^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
  });
});
