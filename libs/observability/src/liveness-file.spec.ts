import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLivenessFile } from './liveness-file';

describe('startLivenessFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'liveness-'));
    jest.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the time at once and again each interval, until stopped', () => {
    const file = join(dir, 'alive');
    const beat = startLivenessFile(file, 5_000);
    expect(readFileSync(file, 'utf8')).toBe('2026-01-01T00:00:00.000Z\n');
    jest.advanceTimersByTime(5_000);
    expect(readFileSync(file, 'utf8')).toBe('2026-01-01T00:00:05.000Z\n');
    beat.stop();
    jest.advanceTimersByTime(20_000);
    expect(readFileSync(file, 'utf8')).toBe('2026-01-01T00:00:05.000Z\n');
  });

  it('keeps the process going when the file cannot be written', () => {
    const beat = startLivenessFile(join(dir, 'missing-dir', 'alive'), 5_000);
    expect(() => jest.advanceTimersByTime(10_000)).not.toThrow();
    beat.stop();
  });
});
