import { parseTrustedProxies, plainAddress } from './source-address';

describe('trusted proxies', () => {
  it('trusts none unless told', () => {
    expect(parseTrustedProxies(undefined)).toEqual([]);
    expect(parseTrustedProxies('')).toEqual([]);
    expect(parseTrustedProxies(' , ')).toEqual([]);
  });

  it('takes addresses, CIDR ranges and the named ranges', () => {
    expect(parseTrustedProxies('10.0.0.1, 10.1.0.0/16,fd00::/8 ,loopback')).toEqual([
      '10.0.0.1',
      '10.1.0.0/16',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('refuses anything else, naming it', () => {
    expect(() => parseTrustedProxies('10.0.0.1,proxy.example')).toThrow(/proxy.example is not an address/);
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/10.0.0.0\/33/);
    expect(() => parseTrustedProxies('10.0.0.0/8/8')).toThrow();
    expect(() => parseTrustedProxies('*')).toThrow();
  });

  it('shows an IPv4 peer of a dual-stack socket as IPv4', () => {
    expect(plainAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(plainAddress('::1')).toBe('::1');
    expect(plainAddress('203.0.113.9')).toBe('203.0.113.9');
    expect(plainAddress(undefined)).toBe('unknown');
  });
});
