import { randomBytes } from 'node:crypto';

/**
 * Xen's own OUI (00:16:3e, XenSource's). Xen's toolstacks (xend's netif.py, xapi, libxl) draw
 * the three other bytes at random with the first bit of the first one clear, so every random
 * Xen MAC lies in 00:16:3e:00:00:00-00:16:3e:7f:ff:ff; the upper half is left to addresses
 * somebody chose. Ours are drawn the same way.
 */
export const XEN_OUI = '00:16:3e';
export const RANDOM_MACS = 0x800000;

/** The MAC of a number in 0..RANDOM_MACS-1: lowercase, as the agent's spec validation wants it. */
export function macOf(n: number): string {
  const hex = (v: number) => v.toString(16).padStart(2, '0');
  return `${XEN_OUI}:${hex((n >>> 16) & 0x7f)}:${hex((n >>> 8) & 0xff)}:${hex(n & 0xff)}`;
}

/**
 * `count` distinct random MACs in the lower half of Xen's OUI. `bytes` is the randomness (the
 * system's by default; tests give their own). Distinct among themselves only: whether one is
 * in use already is the database's to say (the statement that takes them skips those).
 */
export function randomMacs(count: number, bytes: (n: number) => Uint8Array = randomBytes): string[] {
  const macs = new Set<string>();
  // a source that keeps repeating itself must not hang the caller
  for (let round = 0; macs.size < count; round++) {
    if (round === 100) throw new Error(`no ${count} distinct MACs from this source of randomness`);
    const b = bytes(3 * (count - macs.size));
    for (let i = 0; i + 2 < b.length && macs.size < count; i += 3)
      macs.add(macOf((b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!));
  }
  return [...macs];
}
