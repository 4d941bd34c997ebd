import {
  downsampleUsage,
  type PoolUsageSample,
  samplesKeptPerPool,
  sampleSlot,
  USAGE_MAX_POINTS,
  usageBucketMs,
  usageRetentionCutoff,
  usageWindow,
} from './pool-usage';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 11, 1); // a day boundary

function sample(at: number, used: number, capacity = 100): PoolUsageSample {
  return {
    at,
    capacity: { vcpus: capacity, memoryMb: capacity * 1024, diskGb: capacity * 10 },
    used: { vcpus: used, memoryMb: used * 1024, diskGb: used * 10, instances: used / 2 },
  };
}

describe('sampleSlot', () => {
  it('files a sample under the start of its interval', () => {
    expect(sampleSlot(T0 + 59_999, MIN)).toBe(T0);
    expect(sampleSlot(T0 + 60_000, MIN)).toBe(T0 + MIN);
    expect(sampleSlot(T0 + 2 * MIN + 1, MIN)).toBe(T0 + 2 * MIN);
  });

  it('gives two ticks of the same interval the same slot, and ticks of the next one the next', () => {
    expect(sampleSlot(T0 + 1_000, MIN)).toBe(sampleSlot(T0 + 58_000, MIN));
    expect(sampleSlot(T0 + 61_000, MIN)).not.toBe(sampleSlot(T0 + 58_000, MIN));
  });

  it('refuses an interval that is not positive', () => {
    expect(() => sampleSlot(T0, 0)).toThrow(/positive/);
  });
});

describe('retention', () => {
  it('forgets samples older than the retention days', () => {
    expect(usageRetentionCutoff(T0 + 7 * DAY, 7)).toBe(T0);
    expect(usageRetentionCutoff(T0, 1)).toBe(T0 - DAY);
  });

  it('keeps one row per pool per interval over the retention at most (a minute, a week: 10,080)', () => {
    expect(samplesKeptPerPool(MIN, 7)).toBe(10_080);
    expect(samplesKeptPerPool(7 * MIN, 1)).toBe(206);
  });
});

describe('usageBucketMs', () => {
  it('keeps every sample of a short window (a minute apart, an hour: minute points)', () => {
    expect(usageBucketMs(HOUR)).toBe(10_000);
    expect(usageBucketMs(8 * HOUR)).toBe(MIN);
  });

  it('widens to a round figure as the window grows', () => {
    expect(usageBucketMs(DAY)).toBe(5 * MIN);
    expect(usageBucketMs(7 * DAY)).toBe(30 * MIN);
    expect(usageBucketMs(365 * DAY)).toBe(DAY);
    expect(usageBucketMs(10_000 * DAY)).toBe(21 * DAY);
  });

  it('never lets a window touch more buckets than the most points, wherever it starts', () => {
    for (const span of [1, 999, MIN, 499 * MIN, 500 * MIN, 501 * MIN, DAY, 7 * DAY + 1, 3650 * DAY]) {
      for (const maxPoints of [2, 10, USAGE_MAX_POINTS]) {
        const b = usageBucketMs(span, maxPoints);
        for (const since of [T0, T0 + 1, T0 + b - 1, T0 + 12_345]) {
          const touched = Math.floor((since + span - 1) / b) - Math.floor(since / b) + 1;
          expect(touched).toBeLessThanOrEqual(maxPoints);
        }
      }
    }
  });

  it('refuses a window that is not positive', () => {
    expect(() => usageBucketMs(0)).toThrow(/positive/);
    expect(() => usageBucketMs(HOUR, 1)).toThrow(/maxPoints/);
  });
});

describe('usageWindow', () => {
  it('defaults to the last day up to now', () => {
    expect(usageWindow({}, T0)).toEqual({ since: T0 - DAY, until: T0 });
  });

  it('defaults the start to a day before an end given, and keeps a start given', () => {
    expect(usageWindow({ until: T0 }, T0 + 5 * DAY)).toEqual({ since: T0 - DAY, until: T0 });
    expect(usageWindow({ since: T0 - HOUR }, T0)).toEqual({ since: T0 - HOUR, until: T0 });
  });

  it('refuses a start that is not before the end', () => {
    expect(usageWindow({ since: T0, until: T0 }, T0)).toEqual({ error: 'since must be before until' });
    expect(usageWindow({ since: T0 + 1 }, T0)).toEqual({ error: 'since must be before until' });
    expect(usageWindow({ since: Number.NaN }, T0)).toHaveProperty('error');
  });
});

describe('downsampleUsage', () => {
  it('keeps each sample as its own point when the window is short', () => {
    const samples = [sample(T0, 10), sample(T0 + MIN, 20), sample(T0 + 2 * MIN, 30)];
    const { bucketMs, points } = downsampleUsage(samples, { since: T0, until: T0 + HOUR });
    expect(bucketMs).toBe(10_000);
    expect(points.map((p) => [p.at, p.samples, p.used.vcpus, p.peak.vcpus])).toEqual([
      [T0, 1, 10, 10],
      [T0 + MIN, 1, 20, 20],
      [T0 + 2 * MIN, 1, 30, 30],
    ]);
  });

  it('answers at most 500 points for a week of minute samples, each the mean of its bucket with its peak', () => {
    const samples: PoolUsageSample[] = [];
    for (let i = 0; i < 7 * 24 * 60; i++) samples.push(sample(T0 + i * MIN, i % 30 === 7 ? 90 : 10));
    const { bucketMs, points } = downsampleUsage(samples, { since: T0, until: T0 + 7 * DAY });
    expect(bucketMs).toBe(30 * MIN);
    expect(points).toHaveLength(336);
    expect(points.length).toBeLessThanOrEqual(USAGE_MAX_POINTS);
    for (const p of points) {
      expect(p.samples).toBe(30);
      // 29 samples at 10 and one at 90: the mean is 12.67, the peak 90
      expect(p.used.vcpus).toBe(12.67);
      expect(p.peak.vcpus).toBe(90);
      expect(p.peak.memoryMb).toBe(90 * 1024);
      expect(p.peak.instances).toBe(45);
      expect(p.capacity).toEqual({ vcpus: 100, memoryMb: 102_400, diskGb: 1000 });
    }
    expect(points.map((p) => p.at)).toEqual(points.map((_, i) => T0 + i * 30 * MIN));
  });

  it('averages capacity over its bucket (a host lost half-way shows as the mean)', () => {
    const { points } = downsampleUsage(
      [sample(T0, 10, 100), sample(T0 + MIN, 10, 100), sample(T0 + 2 * MIN, 10, 50), sample(T0 + 3 * MIN, 10, 50)],
      { since: T0, until: T0 + 400 * HOUR },
    );
    expect(points).toHaveLength(1);
    expect(points[0]!.capacity.vcpus).toBe(75);
    expect(points[0]!.samples).toBe(4);
  });

  it('leaves out samples outside the window (since included, until excluded), and takes them in any order', () => {
    const { points } = downsampleUsage(
      [sample(T0 + HOUR, 50), sample(T0 - 1, 99), sample(T0 + 2 * MIN, 30), sample(T0, 10)],
      { since: T0, until: T0 + HOUR },
    );
    expect(points.map((p) => p.used.vcpus)).toEqual([10, 30]);
  });

  it('gives no point for a bucket with no sample (a gap in sampling stays a gap)', () => {
    const { points } = downsampleUsage([sample(T0, 10), sample(T0 + 5 * HOUR, 20)], { since: T0, until: T0 + DAY });
    expect(points.map((p) => p.at)).toEqual([T0, T0 + 5 * HOUR]);
  });

  it('answers no point for a window with no sample', () => {
    expect(downsampleUsage([], { since: T0, until: T0 + DAY }).points).toEqual([]);
  });

  it('never answers more points than asked, even with a sample in every millisecond of the window', () => {
    const samples = Array.from({ length: 5_000 }, (_, i) => sample(T0 + 7 + i, i % 100));
    const { points } = downsampleUsage(samples, { since: T0 + 7, until: T0 + 5_007 }, 50);
    expect(points.length).toBeLessThanOrEqual(50);
    expect(points.reduce((n, p) => n + p.samples, 0)).toBe(5_000);
  });
});
