import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBootRecord, recordBoot } from './sim-guest';

describe("the simulated guest's boot record", () => {
  let dir: string;
  let disk: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'xp-sim-guest-'));
    disk = join(dir, 'disk.img');
    const fd = openSync(disk, 'w');
    ftruncateSync(fd, 1024 ** 3);
    closeSync(fd);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts boots on the disk, which keeps its size and stays sparse', () => {
    expect(readBootRecord(disk)).toEqual([]);
    expect(recordBoot(disk, new Date('2026-12-06T00:00:00Z'))).toBe(0);
    expect(recordBoot(disk, new Date('2026-12-06T00:01:00Z'))).toBe(1);
    expect(readBootRecord(disk)).toEqual(['boot 1 2026-12-06T00:00:00.000Z', 'boot 2 2026-12-06T00:01:00.000Z']);
    expect(statSync(disk).size).toBe(1024 ** 3);
    expect(statSync(disk).blocks * 512).toBeLessThanOrEqual(64 * 1024);
  });

  it('keeps counting once the record is full, dropping its oldest lines', () => {
    for (let i = 0; i < 2000; i++) recordBoot(disk, new Date(0));
    const lines = readBootRecord(disk);
    expect(lines.length).toBeLessThan(2000);
    expect(lines.at(-1)).toMatch(/^boot 2000 /);
    expect(recordBoot(disk, new Date(0))).toBe(2000);
  });
});
