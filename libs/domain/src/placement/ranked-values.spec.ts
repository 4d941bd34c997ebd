import fc from 'fast-check';
import { RankedValues } from './ranked-values';

// the ranking by sorting everything: what the heap must agree with
const sorted = (m: Map<string, number>) =>
  [...m].map(([id, v]) => ({ id, v })).sort((a, b) => b.v - a.v || (a.id < b.id ? -1 : 1));

describe('RankedValues', () => {
  it('gives the k largest, largest first, ties by smaller id', () => {
    const r = new RankedValues();
    for (const [id, v] of [
      ['c', 5],
      ['a', 5],
      ['b', 9],
      ['d', 1],
      ['e', 7],
    ] as const)
      r.set(id, v);
    expect(r.top(3)).toEqual([
      { id: 'b', v: 9 },
      { id: 'e', v: 7 },
      { id: 'a', v: 5 },
    ]);
    expect(r.top(10).map((e) => e.id)).toEqual(['b', 'e', 'a', 'c', 'd']);
    expect(r.top(0)).toEqual([]);
    expect(new RankedValues().top(2)).toEqual([]);
  });

  it('moves a value up or down when it changes, and forgets deleted ones', () => {
    const r = new RankedValues();
    for (const [id, v] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      r.set(id, v);
    r.set('a', 10);
    expect(r.top(1)).toEqual([{ id: 'a', v: 10 }]);
    r.set('a', 0);
    expect(r.top(3).map((e) => e.id)).toEqual(['c', 'b', 'a']);
    r.delete('c');
    r.delete('nope');
    expect(r.size).toBe(2);
    expect(r.get('c')).toBeUndefined();
    expect(r.top(3)).toEqual([
      { id: 'b', v: 2 },
      { id: 'a', v: 0 },
    ]);
  });

  it('agrees with sorting everything after any stream of sets and deletes', () => {
    const op = fc.record({
      id: fc.integer({ min: 0, max: 30 }).map((i) => `h${i}`),
      v: fc.integer({ min: -5, max: 20 }),
      del: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 0, max: 8 }), (ops, k) => {
        const r = new RankedValues();
        const truth = new Map<string, number>();
        for (const o of ops) {
          if (o.del) {
            r.delete(o.id);
            truth.delete(o.id);
          } else {
            r.set(o.id, o.v);
            truth.set(o.id, o.v);
          }
          expect(r.top(k)).toEqual(sorted(truth).slice(0, k));
        }
        expect(r.size).toBe(truth.size);
        for (const [id, v] of truth) expect(r.get(id)).toBe(v);
      }),
      { numRuns: 200 },
    );
  });
});
