import { encodeCursor, pageOf, parseCursor } from './cursor';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const row = (n: number) => ({ id: id(n), createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)) });

describe('cursors', () => {
  it('read back what they wrote', () => {
    const c = row(7);
    expect(parseCursor(encodeCursor(c))).toEqual(c);
  });

  it('refuse anything this API did not issue', () => {
    expect(parseCursor('')).toBeUndefined();
    expect(parseCursor('garbage')).toBeUndefined();
    expect(parseCursor(Buffer.from(`not-a-date|${id(1)}`).toString('base64url'))).toBeUndefined();
    expect(parseCursor(Buffer.from('2026-01-01T00:00:00.000Z|x').toString('base64url'))).toBeUndefined();
    expect(parseCursor(Buffer.from('2026-01-01T00:00:00.000Z').toString('base64url'))).toBeUndefined();
  });

  const forged = (text: string) => Buffer.from(text).toString('base64url');

  it('refuse a "uuid" that is not one: dashes, upper case, wrong groups', () => {
    expect(parseCursor(forged(`2026-01-01T00:00:00.000Z|${'-'.repeat(36)}`))).toBeUndefined();
    expect(parseCursor(forged('2026-01-01T00:00:00.000Z|00000000-0000-4000-8000-00000000000G'))).toBeUndefined();
    expect(parseCursor(forged(`2026-01-01T00:00:00.000Z|ABCDEF00-0000-4000-8000-00000000000A`))).toBeUndefined();
    expect(parseCursor(forged('2026-01-01T00:00:00.000Z|0000000000000-4000-8000-000000000001'))).toBeUndefined();
  });

  it('refuse a time out of range or not in the form cursors are written in', () => {
    for (const at of [
      '99999-01-01T00:00:00.000Z',
      '+275760-09-13T00:00:00.000Z',
      '-000001-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '2026-02-30T00:00:00.000Z',
      '2026-01-01T00:00:00Z',
      '2026-01-01',
      '1e15',
      '2026-01-01T00:00:00.000+02:00',
    ])
      expect({ at, cursor: parseCursor(forged(`${at}|${id(1)}`)) }).toEqual({ at, cursor: undefined });
  });

  it('refuse extra parts, padding, and characters outside base64url', () => {
    expect(parseCursor(forged(`2026-01-01T00:00:00.000Z|${id(1)}|x`))).toBeUndefined();
    expect(parseCursor(`${encodeCursor(row(1))}=`)).toBeUndefined();
    expect(parseCursor(`${encodeCursor(row(1))}\u0000`)).toBeUndefined();
    expect(parseCursor(`${encodeCursor(row(1))}+`)).toBeUndefined();
    expect(parseCursor('A'.repeat(500))).toBeUndefined();
  });

  it('keep reading every cursor encodeCursor writes, at both ends of the range', () => {
    for (const createdAt of [new Date(Date.UTC(1970, 0, 1)), new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999))])
      expect(parseCursor(encodeCursor({ createdAt, id: id(9) }))).toEqual({ createdAt, id: id(9) });
  });
});

describe('pageOf', () => {
  it('keeps limit rows and points past the last when there are more', () => {
    const rows = [row(3), row(2), row(1)];
    const p = pageOf(rows, 2);
    expect(p.items).toEqual([row(3), row(2)]);
    expect(parseCursor(p.nextCursor!)).toEqual(row(2));
  });

  it('has no next cursor on the last page', () => {
    expect(pageOf([row(2), row(1)], 2)).toEqual({ items: [row(2), row(1)] });
    expect(pageOf([], 2)).toEqual({ items: [] });
  });
});
