import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocatedBytes, chunkedSparseCopy, sparseCopy } from './sparse-copy';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
// 10 MiB of data in a 2 GiB disk: five 2 MiB extents, the last one at the very end
const EXTENTS = [0, 300 * MiB, 1000 * MiB + 4096, 1500 * MiB, 2 * GiB - 2 * MiB];

let dir: string;
let src: string;
const data = EXTENTS.map(() => randomBytes(2 * MiB));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xp-sparse-'));
  src = join(dir, 'disk.img');
  const fd = openSync(src, 'w');
  ftruncateSync(fd, 2 * GiB);
  EXTENTS.forEach((at, i) => writeSync(fd, data[i]!, 0, data[i]!.length, at));
  closeSync(fd);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectSameDisk(copy: string): void {
  expect(statSync(copy).size).toBe(2 * GiB);
  // only the data is allocated (plus filesystem block rounding)
  expect(allocatedBytes(copy)).toBeLessThan(12 * MiB);
  const fd = openSync(copy, 'r');
  try {
    EXTENTS.forEach((at, i) => {
      const b = Buffer.alloc(2 * MiB);
      readSync(fd, b, 0, b.length, at);
      expect(b.equals(data[i]!)).toBe(true);
    });
    // and a hole reads as zeros
    const hole = Buffer.alloc(MiB, 1);
    readSync(fd, hole, 0, hole.length, 700 * MiB);
    expect(hole.equals(Buffer.alloc(MiB))).toBe(true);
  } finally {
    closeSync(fd);
  }
}

describe('sparse copy', () => {
  it('copies a 2 GiB disk holding 10 MiB with GNU cp, keeping its holes', async () => {
    const copy = join(dir, 'copy.img');
    // how fast: BENCHMARKS.md (13–32 ms); a timed assertion would only measure the machine's load
    expect(await sparseCopy(src, copy)).toBe('cp');
    expectSameDisk(copy);
  });

  // every hole is read (as zeros, no disk I/O) and only data written: ~1 s on an idle machine,
  // several times that on a loaded one, hence the longer timeout
  it('without GNU cp, copies block by block and still keeps the holes', async () => {
    const copy = join(dir, 'chunked.img');
    await chunkedSparseCopy(src, copy);
    expectSameDisk(copy);
  }, 60_000);

  it('replaces an existing target whole, and leaves no part file behind', async () => {
    const copy = join(dir, 'replaced.img');
    const fd = openSync(copy, 'w');
    writeSync(fd, Buffer.alloc(4096, 7));
    closeSync(fd);
    await sparseCopy(src, copy);
    expectSameDisk(copy);
    expect(() => statSync(`${copy}.part`)).toThrow();
  });

  it('fails cleanly on a missing source: no target, no part file', async () => {
    const copy = join(dir, 'never.img');
    await expect(sparseCopy(join(dir, 'missing.img'), copy)).rejects.toThrow();
    expect(() => statSync(copy)).toThrow();
    expect(() => statSync(`${copy}.part`)).toThrow();
  });
});
