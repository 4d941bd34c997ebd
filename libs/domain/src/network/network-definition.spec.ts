import { BRIDGE_NAME, clashingNetwork, planNetwork, rangeCapacity } from './network-definition';

const base = { bridge: 'xenbr0', cidr: '10.10.0.0/24', gateway: '10.10.0.1' };
const errorsOf = (r: Parameters<typeof planNetwork>[0]) => {
  const p = planNetwork(r);
  return p.ok ? [] : p.errors;
};

describe('a network’s definition', () => {
  it('fills in the range with the block’s hosts and never gives out the gateway', () => {
    expect(planNetwork({ ...base, dns: ['1.1.1.1'] })).toEqual({
      ok: true,
      plan: {
        bridge: 'xenbr0',
        cidr: '10.10.0.0/24',
        gateway: '10.10.0.1',
        dns: ['1.1.1.1'],
        rangeStart: '10.10.0.1',
        rangeEnd: '10.10.0.254',
        capacity: 253,
      },
    });
  });

  it('keeps a range that leaves the gateway out whole', () => {
    const p = planNetwork({ ...base, rangeStart: '10.10.0.100', rangeEnd: '10.10.0.199' });
    expect(p).toMatchObject({ ok: true, plan: { rangeStart: '10.10.0.100', rangeEnd: '10.10.0.199', capacity: 100 } });
  });

  it('names every problem at once', () => {
    expect(
      errorsOf({
        bridge: 'xen br0',
        cidr: '10.10.0.0/24',
        gateway: '10.10.1.1',
        dns: ['8.8.8.8', 'dns.example'],
        rangeStart: '10.10.0.0',
        rangeEnd: '10.10.0.255',
      }).map((e) => e.field),
    ).toEqual(['bridge', 'dns[1]', 'gateway', 'rangeStart', 'rangeEnd']);
  });

  it.each([
    [{ gateway: '10.10.0.0' }, 'gateway', '10.10.0.0 is not a host of 10.10.0.0/24'],
    [{ gateway: '10.10.0.255' }, 'gateway', '10.10.0.255 is not a host of 10.10.0.0/24'],
    [{ gateway: 'gw' }, 'gateway', 'must be an IPv4 address'],
    [{ rangeStart: '10.10.0.50', rangeEnd: '10.10.0.40' }, 'rangeEnd', 'must not come before rangeStart'],
    [{ rangeStart: '10.10.0.1', rangeEnd: '10.10.0.1' }, 'rangeEnd', 'the range holds no address but the gateway'],
    [{ cidr: '10.10.0.7/24' }, 'cidr', '10.10.0.7/24 has host bits set: the network is 10.10.0.0/24'],
    [{ dns: ['1.1.1.1', '1.0.0.1', '8.8.8.8', '8.8.4.4'] }, 'dns', 'at most 3 servers'],
    [{ bridge: '..' }, 'bridge', expect.stringMatching(/Linux interface name/)],
  ])('refuses %j', (change, field, message) => {
    expect(errorsOf({ ...base, ...change })).toEqual([{ field, message }]);
  });

  it('refuses a range of more than 65,536 addresses, and takes a /16 whole', () => {
    expect(errorsOf({ bridge: 'xenbr0', cidr: '10.0.0.0/15', gateway: '10.0.0.1' })).toEqual([
      { field: 'rangeEnd', message: 'the range holds 131070 addresses, more than 65536: give a smaller one' },
    ]);
    expect(planNetwork({ bridge: 'xenbr0', cidr: '10.0.0.0/16', gateway: '10.0.0.1' })).toMatchObject({
      ok: true,
      plan: { rangeStart: '10.0.0.1', rangeEnd: '10.0.255.254', capacity: 65_533 },
    });
    expect(
      planNetwork({ bridge: 'xenbr0', cidr: '10.0.0.0/8', gateway: '10.0.0.1', rangeEnd: '10.0.255.255' }),
    ).toMatchObject({ ok: true, plan: { capacity: 65_534 } });
  });

  it('takes Linux interface names only', () => {
    for (const ok of ['xenbr0', 'br-ext.100', 'a', 'b'.repeat(15), '.x']) expect(BRIDGE_NAME.test(ok)).toBe(true);
    for (const bad of ['', '.', '..', 'b'.repeat(16), 'br/0', 'br:0', 'br 0', 'br0\n'])
      expect(BRIDGE_NAME.test(bad)).toBe(false);
  });

  it('counts a stored range’s capacity', () => {
    expect(rangeCapacity({ gateway: '10.0.0.1', rangeStart: '10.0.0.1', rangeEnd: '10.0.0.10' })).toBe(9);
    expect(rangeCapacity({ gateway: '10.0.0.1', rangeStart: '10.0.0.2', rangeEnd: '10.0.0.10' })).toBe(9);
  });

  it('finds a network of the pool on the same bridge that overlaps, and only that', () => {
    const others = [
      { name: 'other-segment', bridge: 'xenbr1', cidr: '10.10.0.0/24' },
      { name: 'wide', bridge: 'xenbr0', cidr: '10.0.0.0/8' },
    ];
    expect(clashingNetwork({ bridge: 'xenbr0', cidr: '10.10.0.0/24' }, others)?.name).toBe('wide');
    expect(clashingNetwork({ bridge: 'xenbr0', cidr: '192.168.0.0/24' }, others)).toBeUndefined();
    expect(clashingNetwork({ bridge: 'xenbr1', cidr: '10.10.1.0/24' }, others)).toBeUndefined();
  });
});
