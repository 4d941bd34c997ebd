import { LruCache } from './lru-cache';

describe('LruCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000));

  it('keeps at most max entries, evicting the least recently used', () => {
    const c = new LruCache<string, number>(3, 60_000, clock);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect(c.get('a')).toBe(1); // a is now the most recently used: b is the oldest
    c.set('d', 4);
    expect(c.size).toBe(3);
    expect(c.get('b')).toBeUndefined();
    expect([c.get('a'), c.get('c'), c.get('d')]).toEqual([1, 3, 4]);
  });

  it('counts a set of an existing key as a use and keeps one entry for it', () => {
    const c = new LruCache<string, number>(2, 60_000, clock);
    c.set('a', 1);
    c.set('b', 2);
    c.set('a', 10);
    c.set('c', 3);
    expect(c.size).toBe(2);
    expect(c.get('a')).toBe(10);
    expect(c.get('b')).toBeUndefined();
  });

  it('forgets an entry ttlMs after it was set, however often it is read', () => {
    const c = new LruCache<string, number>(10, 2_000, clock);
    c.set('a', 1);
    now += 1_999;
    expect(c.get('a')).toBe(1);
    now += 1;
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('caches null and tells it from absence', () => {
    const c = new LruCache<string, number | null>(10, 2_000, clock);
    c.set('unknown', null);
    expect(c.get('unknown')).toBeNull();
    expect(c.get('never')).toBeUndefined();
  });

  it('drops the entries whose value matches, and everything on clear', () => {
    const c = new LruCache<string, { id: string } | null>(10, 60_000, clock);
    c.set('h1', { id: 'a' });
    c.set('h2', { id: 'b' });
    c.set('h3', { id: 'a' });
    c.set('h4', null);
    c.deleteWhere((v) => v?.id === 'a');
    expect([c.get('h1'), c.get('h2'), c.get('h3'), c.get('h4')]).toEqual([undefined, { id: 'b' }, undefined, null]);
    c.clear();
    expect(c.size).toBe(0);
    expect(c.get('h2')).toBeUndefined();
  });

  it('refuses a size that could hold nothing', () => {
    expect(() => new LruCache(0, 1_000)).toThrow(RangeError);
  });
});
