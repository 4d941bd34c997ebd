import { canonicalJson, requestHash } from './request-hash';

describe('requestHash', () => {
  it('ignores key order and undefined fields', () => {
    expect(requestHash('POST', '/v1/vms', { a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      requestHash('POST', '/v1/vms', { b: { d: 'x', c: [1, 2] }, a: 1, e: undefined }),
    );
  });

  it('tells apart bodies, paths and methods', () => {
    const base = requestHash('POST', '/v1/vms', { a: 1 });
    expect(requestHash('POST', '/v1/vms', { a: 2 })).not.toBe(base);
    expect(requestHash('POST', '/v1/pools', { a: 1 })).not.toBe(base);
    expect(requestHash('PUT', '/v1/vms', { a: 1 })).not.toBe(base);
    expect(canonicalJson([{ b: 1, a: 2 }])).toBe('[{"a":2,"b":1}]');
  });
});
