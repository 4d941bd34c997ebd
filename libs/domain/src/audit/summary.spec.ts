import { summarize, SUMMARY_STRING_MAX } from './summary';

describe('an audit summary', () => {
  it('keeps the allowed scalar fields only', () => {
    expect(
      summarize({ name: 'a', count: 3, live: false, userData: 'x', other: 'y' }, ['name', 'count', 'live', 'absent']),
    ).toEqual({ name: 'a', count: 3, live: false });
  });

  it('drops objects, arrays, nulls and non-finite numbers where a scalar is expected', () => {
    expect(
      summarize({ name: { $ne: 1 }, count: [1], live: null, n: Infinity }, ['name', 'count', 'live', 'n']),
    ).toEqual({});
  });

  it("keeps an object's allowed fields, and leaves it out when none is there", () => {
    const quota: [string, string[]] = ['quota', ['instances', 'vcpus']];
    expect(summarize({ quota: { instances: 5, vcpus: 'x', secret: 1 } }, [quota])).toEqual({
      quota: { instances: 5, vcpus: 'x' },
    });
    expect(summarize({ quota: { secret: 1 } }, [quota])).toEqual({});
    expect(summarize({ quota: 'all of it' }, [quota])).toEqual({});
  });

  it('cuts long strings', () => {
    const s = summarize({ name: 'n'.repeat(10_000) }, ['name'])['name'] as string;
    expect(s).toHaveLength(SUMMARY_STRING_MAX + 1);
    expect(s.endsWith('…')).toBe(true);
  });
});
