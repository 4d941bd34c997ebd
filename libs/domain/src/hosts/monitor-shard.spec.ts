import fc from 'fast-check';
import { hostsMonitoredBy, monitorOf } from './monitor-shard';

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const uuidish = (n: number) =>
  Array.from({ length: n }, (_, i) => `0b6f3f2e-8c1a-4a51-9d3e-${String(i).padStart(12, '0')}`);

describe('monitorOf', () => {
  it('has no owner without members', () => {
    expect(monitorOf('h1', [])).toBeUndefined();
  });

  it('gives every host exactly one of the members, whatever order they are listed in', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.uuid(), { maxLength: 50 }),
        (members, hosts) => {
          const reversed = [...members].reverse();
          for (const h of hosts) {
            const owner = monitorOf(h, members);
            expect(members).toContain(owner);
            expect(monitorOf(h, reversed)).toBe(owner);
          }
        },
      ),
    );
  });

  it('moves only the hosts of a member that leaves', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uuid(), { minLength: 2, maxLength: 6 }),
        fc.nat(),
        fc.array(fc.uuid(), { minLength: 1, maxLength: 100 }),
        (members, pick, hosts) => {
          const leaving = members[pick % members.length]!;
          const rest = members.filter((m) => m !== leaving);
          for (const h of hosts) {
            const before = monitorOf(h, members);
            if (before !== leaving) expect(monitorOf(h, rest)).toBe(before);
          }
        },
      ),
    );
  });

  it('moves to a member that joins only hosts it takes for itself', () => {
    const members = ids('scheduler', 3);
    const hosts = uuidish(3_000);
    const joined = [...members, 'scheduler-new'];
    for (const h of hosts) {
      const after = monitorOf(h, joined);
      if (after !== 'scheduler-new') expect(after).toBe(monitorOf(h, members));
    }
  });

  it.each([2, 3, 4, 8])('shares 10,000 hosts about evenly between %i members', (n) => {
    const members = ids('monitor', n);
    const counts = new Map<string, number>();
    for (const h of uuidish(10_000)) {
      const owner = monitorOf(h, members)!;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    expect(counts.size).toBe(n);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan((10_000 / n) * 0.85);
      expect(count).toBeLessThan((10_000 / n) * 1.15);
    }
  });
});

describe('hostsMonitoredBy', () => {
  const hosts = uuidish(200).map((id) => ({ id }));

  it('splits the hosts between members with no host twice and none left out', () => {
    const members = ['a', 'b', 'c'];
    const shares = members.map((m) => hostsMonitoredBy(m, hosts, members).map((h) => h.id));
    expect(shares.flat().sort()).toEqual(hosts.map((h) => h.id).sort());
  });

  it('gives a replica that is not yet a member nothing (it has not announced itself)', () => {
    expect(hostsMonitoredBy('z', hosts, ['a', 'b'])).toEqual([]);
  });

  it('gives a lone member every host', () => {
    expect(hostsMonitoredBy('a', hosts, ['a'])).toHaveLength(200);
  });
});
