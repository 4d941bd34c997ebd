import { blocksOverlap, formatIpv4, isHostOf, parseCidr, parseIpv4 } from './ipv4';

describe('IPv4 addresses', () => {
  it('reads strict dotted quads and writes them back', () => {
    expect(parseIpv4('10.0.0.1')).toBe(0x0a000001);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(formatIpv4(0xffffffff)).toBe('255.255.255.255');
    expect(formatIpv4(parseIpv4('192.168.7.42')!)).toBe('192.168.7.42');
  });

  it.each([
    '10.0.0',
    '10.0.0.1.2',
    '10.0.0.256',
    '010.0.0.1',
    '10.0.0.-1',
    '10.0.0.1 ',
    'a.b.c.d',
    '',
    '::1',
    '1e1.0.0.1',
  ])('refuses %j', (text) => expect(parseIpv4(text)).toBeNull());
});

describe('CIDR blocks', () => {
  it('reads a block with its size', () => {
    expect(parseCidr('10.10.0.0/24')).toEqual({ ok: true, block: { network: 0x0a0a0000, prefix: 24, size: 256 } });
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ ok: true, block: { size: 2 ** 24 } });
  });

  it('names the network when host bits are set', () => {
    expect(parseCidr('10.10.0.5/24')).toEqual({
      ok: false,
      message: '10.10.0.5/24 has host bits set: the network is 10.10.0.0/24',
    });
  });

  it.each([
    ['10.0.0.0/7', 'the prefix must be /8 to /30'],
    ['10.0.0.0/31', 'the prefix must be /8 to /30'],
    ['10.0.0.0', 'must be an IPv4 network like 10.10.0.0/24'],
    ['10.0.0.0/', 'must be an IPv4 network like 10.10.0.0/24'],
    ['fd00::/64', 'must be an IPv4 network like 10.10.0.0/24'],
    ['10.0.0.0/024', 'must be an IPv4 network like 10.10.0.0/24'],
  ])('refuses %s', (text, message) => expect(parseCidr(text)).toEqual({ ok: false, message }));

  it('knows a block’s hosts: not its network address, not its broadcast address', () => {
    const b = { network: parseIpv4('10.0.0.0')!, prefix: 30, size: 4 };
    expect([0, 1, 2, 3, 4].map((i) => isHostOf(b, b.network + i))).toEqual([false, true, true, false, false]);
  });

  it('knows when two blocks overlap', () => {
    const block = (t: string) => (parseCidr(t) as { ok: true; block: never }).block;
    expect(blocksOverlap(block('10.0.0.0/16'), block('10.0.255.0/24'))).toBe(true);
    expect(blocksOverlap(block('10.0.0.0/24'), block('10.0.1.0/24'))).toBe(false);
  });
});
