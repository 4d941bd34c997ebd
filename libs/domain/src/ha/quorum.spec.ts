import fc from 'fast-check';
import { DEFAULT_LIVENESS } from '../hosts/liveness';
import { deathVerdict, keepsProtected, quorumHoldMs, witnessesOf } from './quorum';

describe('witnessesOf', () => {
  const ids = Array.from({ length: 12 }, (_, i) => `h${String(i).padStart(2, '0')}`);

  it('is every peer in a small pool, and the next five round the ring in a large one', () => {
    expect(witnessesOf('a', ['a', 'b', 'c'])).toEqual(['b', 'c']);
    expect(witnessesOf('h03', ids)).toEqual(['h04', 'h05', 'h06', 'h07', 'h08']);
    expect(witnessesOf('h10', ids)).toEqual(['h11', 'h00', 'h01', 'h02', 'h03']);
    expect(witnessesOf('solo', ['solo'])).toEqual([]);
  });

  it('finds, by bisection, what the plain walk round the sorted ring finds', () => {
    const plain = (h: string, members: string[], k: number) => {
      const ring = [...new Set(members)].filter((id) => id !== h).sort();
      const start = Math.max(
        0,
        ring.findIndex((id) => id > h),
      );
      return Array.from({ length: Math.min(k, ring.length) }, (_, i) => ring[(start + i) % ring.length]!);
    };
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 15 }),
        fc.string({ minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 6 }),
        (members, h, k) => {
          expect(witnessesOf(h, members, k)).toEqual(plain(h, members, k));
          expect(witnessesOf(h, [...members, h], k)).toEqual(plain(h, members, k));
        },
      ),
    );
  });

  it('moves only the neighbours of a host that leaves', () => {
    const without = ids.filter((id) => id !== 'h06');
    const changed = ids.filter((id) => id !== 'h06' && witnessesOf(id, ids).join() !== witnessesOf(id, without).join());
    expect(changed).toEqual(['h01', 'h02', 'h03', 'h04', 'h05']);
  });
});

describe('quorum fencing', () => {
  it('keeps with at least half of the witnesses, never when condemned, always alone', () => {
    expect(keepsProtected(2, 1, false)).toBe(true);
    expect(keepsProtected(2, 0, false)).toBe(false);
    expect(keepsProtected(3, 1, false)).toBe(false);
    expect(keepsProtected(3, 2, true)).toBe(false);
    expect(keepsProtected(0, 0, false)).toBe(true);
  });

  it('declares dead with more than half of the witnesses lost, waits for a recent contact, else says why not', () => {
    const hold = 3_000;
    const lost = (ago: number | null) => ({ reachable: false, lastContactAgoMs: ago });
    const reached = { reachable: true, lastContactAgoMs: 0 };
    expect(deathVerdict(2, [lost(null), lost(null)], hold)).toEqual({ kind: 'dead' });
    expect(deathVerdict(1, [lost(5_000)], hold)).toEqual({ kind: 'dead' });
    expect(deathVerdict(2, [lost(null), lost(1_000)], hold)).toEqual({ kind: 'wait', ms: 2_000 });
    expect(deathVerdict(2, [lost(null), reached], hold)).toEqual({ kind: 'unreachable' });
    expect(deathVerdict(3, [lost(null)], hold)).toEqual({ kind: 'undecided' });
    expect(deathVerdict(0, [], hold)).toEqual({ kind: 'undecided' });
  });

  it('never both keeps and declares dead, whatever the answers (reachability seen the same from both sides)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 7 })
          .chain((w) =>
            fc.tuple(
              fc.constant(w),
              fc.array(fc.constantFrom('reached', 'lost', 'silent'), { minLength: w, maxLength: w }),
            ),
          ),
        ([w, seen]) => {
          const reached = seen.filter((s) => s === 'reached').length;
          const answers = seen
            .filter((s) => s !== 'silent')
            .map((s) => ({ reachable: s === 'reached', lastContactAgoMs: null }));
          const dead = deathVerdict(w, answers, 0).kind === 'dead';
          expect(dead && keepsProtected(w, reached, false)).toBe(false);
        },
      ),
    );
  });

  it('holds a contact long enough for the host to ask again and stop its domains', () => {
    expect(quorumHoldMs(DEFAULT_LIVENESS)).toBeGreaterThan(DEFAULT_LIVENESS.heartbeatIntervalMs + 2_000);
  });
});
